/**
 * CallLeg operations the recordings do not cover, on a leg set up from a recorded
 * connect/myevents/linger/answer, with FreeSWITCH's side of each step scripted frame by
 * frame. Assertions: the command text the switch receives and what the caller of the
 * port gets back.
 */
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/logger.js';
import { CallGoneError, type CallLeg, type CallLegEvent } from '../../../src/engine/port.js';
import { FreeSwitchEngine } from '../../../src/engine/freeswitch/FreeSwitchEngine.js';
import { dialOutbound, FakeInboundPeer, fixedWidthIds, scriptOf, type PeerSession, type Script, type Step } from './fakeEslPeer.js';
import { apiFrame, eventFrame, executeComplete, executeStarted, okReply, sendmsg } from './frames.js';

const LEG = 'f99ae720-0e78-4e56-a986-7ce6632d1602';

const nodeScript = (): Script => {
  const s = scriptOf('inbound-esl-json-heartbeat.jsonl');
  return { greeting: s.greeting, steps: s.steps.filter((x) => x.recorded.startsWith('auth') || x.recorded.startsWith('event')) };
};

function step(recorded: string, ...reply: Buffer[]): Step {
  return { recorded, reply };
}

describe('FreeSWITCH call leg operations', function () {
  this.timeout(10000);
  let node: FakeInboundPeer;
  let engine: FreeSwitchEngine;

  beforeEach(async () => {
    node = new FakeInboundPeer(nodeScript);
    await node.listen();
    engine = new FreeSwitchEngine({
      nodes: [{ host: '127.0.0.1', port: node.port }],
      password: 'lab-secret',
      outboundSocket: { host: '127.0.0.1', port: 0 },
      logger: silentLogger(),
      legOptions: { newId: fixedWidthIds() },
      commandTimeoutMs: 1000,
    });
    await engine.start();
  });
  afterEach(async () => {
    await engine.stop();
    await node.close();
  });

  /** An answered leg whose further steps are `steps`. */
  async function answeredLeg(steps: Step[]): Promise<{ leg: CallLeg; peer: PeerSession; events: CallLegEvent[] }> {
    const recorded = scriptOf('outbound-socket-caller-abandons.jsonl').steps.slice(0, 4);
    const incoming = new Promise<CallLeg>((resolve) => engine.once('call', resolve));
    const peer = await dialOutbound(engine.outboundPort, { greeting: [], steps: [...recorded, ...steps] });
    const leg = await incoming;
    const events: CallLegEvent[] = [];
    leg.on('event', (e) => events.push(e));
    await leg.answer();
    return { leg, peer, events };
  }

  it('collect: input that never matches is "invalid", silence is "timeout"', async () => {
    const { leg, peer } = await answeredLeg([
      step(sendmsg('play_and_get_digits', 5), okReply(), executeComplete(LEG, 'play_and_get_digits', 'cap-5', { variable_read_result: 'failure', variable_ivr_choice_invalid: '55' })),
      step(sendmsg('play_and_get_digits', 6), okReply(), executeComplete(LEG, 'play_and_get_digits', 'cap-6', { variable_read_result: 'timeout' })),
    ]);
    const options = { prompt: { kind: 'file' as const, path: '/sounds/menu.wav' }, invalidPrompt: { kind: 'file' as const, path: '/sounds/invalid.wav' }, minDigits: 1, maxDigits: 1, timeoutMs: 4000, tries: 3, validRegex: '^[1-4]$' };
    assert.deepEqual(await leg.collect(options), { digits: '', outcome: 'invalid', attempts: 3 });
    assert.deepEqual(await leg.collect(options), { digits: '', outcome: 'timeout', attempts: 3 });
    assert.ok(peer.received.some((c) => c.includes('execute-app-arg: 1 1 3 4000 none /sounds/menu.wav /sounds/invalid.wav ivr_choice ^[1-4]$ 4000')));
    assert.deepEqual(peer.unexpected, []);
  });

  it('collect refuses what play_and_get_digits cannot carry, before sending', async () => {
    const { leg, peer } = await answeredLeg([]);
    const sent = peer.received.length;
    await assert.rejects(leg.collect({ minDigits: 1, maxDigits: 4, timeoutMs: 3000, validRegex: '^[0-9]{4} $' }), /collect validRegex "\^\[0-9\]\{4\} \$" contains whitespace/);
    await assert.rejects(leg.collect({ minDigits: 3, maxDigits: 2, timeoutMs: 3000 }), /collect maxDigits must be a whole number ≥ minDigits/);
    await assert.rejects(leg.collect({ minDigits: 1, maxDigits: 2, timeoutMs: 3000, prompt: { kind: 'tts', text: 'Press one' } }), /needs a file, tone or silence prompt/);
    await assert.rejects(leg.collect({ minDigits: 1, maxDigits: 2, timeoutMs: 3000, validRegex: '([' }), /is not a valid regular expression/);
    assert.equal(peer.received.length, sent);
  });

  it('play: TTS through flite with barge-in; a digit interrupts and is reported', async () => {
    const { leg, peer, events } = await answeredLeg([
      step(sendmsg('set', 5), okReply(), executeComplete(LEG, 'set', 'cap-5')),
      step(
        sendmsg('speak', 6),
        okReply(),
        executeStarted(LEG, 'speak', 'cap-6'),
        eventFrame({ 'Event-Name': 'DTMF', 'Unique-ID': LEG, 'DTMF-Digit': '3' }),
        executeComplete(LEG, 'speak', 'cap-6'),
      ),
    ]);
    const result = await leg.play([{ kind: 'tts', text: 'For sales, press three' }, { kind: 'file', path: '/never/played.wav' }], { bargeIn: true });
    assert.deepEqual(result, { interruptedBy: '3' });
    assert.ok(peer.received.some((c) => c.includes('execute-app-arg: playback_terminators=any')));
    assert.ok(peer.received.some((c) => c.includes('execute-app-arg: flite|kal|For sales, press three')));
    assert.deepEqual(events.filter((e) => e.type !== 'answered').map((e) => (e.type === 'playback.done' ? `done interrupted=${e.interrupted}` : e.type)), ['dtmf', 'done interrupted=true']);
    assert.deepEqual(peer.unexpected, []);
  });

  it('record with pause and resume reports the silenced span; stop is idempotent', async () => {
    const { leg, peer, events } = await answeredLeg([
      step(sendmsg('set', 5), okReply(), executeComplete(LEG, 'set', 'cap-5')),
      step(sendmsg('record_session', 6), okReply(), executeComplete(LEG, 'record_session', 'cap-6')),
      step('api uuid_record x mask y\n\n', apiFrame('+OK Success\n')),
      step('api uuid_record x unmask y\n\n', apiFrame('+OK Success\n')),
      step('api uuid_record x stop y\n\n', apiFrame('+OK Success\n')),
    ]);
    const rec = await leg.record({ path: '/srv/calls/recordings/r1.wav', stereo: true, maxDurationMs: 60000 });
    await rec.pause();
    await new Promise((r) => setTimeout(r, 30));
    await rec.resume();
    const stopped = await rec.stop();
    assert.equal(await rec.stop(), stopped);
    assert.equal(stopped.path, '/srv/calls/recordings/r1.wav');
    assert.equal(stopped.pausedSpans.length, 1);
    const span = stopped.pausedSpans[0]!;
    assert.ok(span.toMs - span.fromMs >= 25, JSON.stringify(span));
    assert.ok(stopped.durationMs >= span.toMs);
    assert.deepEqual(
      peer.received.filter((c) => /RECORD_STEREO|record_session|uuid_record/.test(c)).map((c) => c.split('\n').find((l) => l.startsWith('execute-app-arg') || l.startsWith('api'))),
      [
        'execute-app-arg: RECORD_STEREO=true',
        'execute-app-arg: /srv/calls/recordings/r1.wav +60',
        `api uuid_record ${LEG} mask /srv/calls/recordings/r1.wav`,
        `api uuid_record ${LEG} unmask /srv/calls/recordings/r1.wav`,
        `api uuid_record ${LEG} stop /srv/calls/recordings/r1.wav`,
      ],
    );
    assert.equal(events.filter((e) => e.type === 'recording.stopped').length, 1);
  });

  it('detectMachine: an avmd::beep means machine; no beep in time means unknown (never a guessed human)', async () => {
    const beep = eventFrame({ 'Event-Subclass': 'avmd::beep', 'Event-Name': 'CUSTOM', 'Unique-ID': LEG, 'Beep-Status': 'DETECTED' });
    const { leg, peer, events } = await answeredLeg([
      step('api avmd x start\n\n', apiFrame('+OK\n'), beep),
      step('api avmd x stop\n\n', apiFrame('+OK\n')),
      step('api avmd x start\n\n', apiFrame('+OK\n')),
      step('api avmd x stop\n\n', apiFrame('+OK\n'), eventFrame({ 'Event-Subclass': 'avmd::stop', 'Event-Name': 'CUSTOM', 'Unique-ID': LEG, 'Beep-Status': 'DETECTED' })),
    ]);
    assert.equal(await leg.detectMachine({ timeoutMs: 2000 }), 'machine');
    assert.equal(await leg.detectMachine({ timeoutMs: 100 }), 'unknown');
    assert.deepEqual(events.filter((e) => e.type === 'machine.detected').map((e) => (e.type === 'machine.detected' ? e.result : '')), ['machine', 'unknown']);
    assert.deepEqual(peer.received.filter((c) => c.startsWith('api avmd')), [`api avmd ${LEG} start`, `api avmd ${LEG} stop`, `api avmd ${LEG} start`, `api avmd ${LEG} stop`]);
  });

  it('eavesdrop: whisper sets the whisper variables and runs eavesdrop on the target', async () => {
    const target = { id: 'c99fcc2e-c0af-4ee7-9e1e-afbe0ab29b24', state: 'bridged' } as CallLeg;
    const { leg, peer } = await answeredLeg([step(sendmsg('eavesdrop', 5), okReply(), executeStarted(LEG, 'eavesdrop', 'cap-5'))]);
    await leg.eavesdrop(target, 'whisper');
    assert.deepEqual(peer.synthesised, [`api uuid_setvar ${LEG} eavesdrop_whisper_aleg true`, `api uuid_setvar ${LEG} eavesdrop_whisper_bleg false`]);
    assert.ok(peer.received.some((c) => c.includes(`execute-app-arg: ${target.id}`)));
  });

  it('transfer: SIP URI is deflected, an extension goes to the agents context; bad targets are refused', async () => {
    const { leg, peer } = await answeredLeg([
      step(sendmsg('deflect', 5), okReply(), executeComplete(LEG, 'deflect', 'cap-5')),
      step(sendmsg('transfer', 6), okReply(), executeStarted(LEG, 'transfer', 'cap-6')),
    ]);
    await assert.rejects(leg.transfer('sip:x@evil.example;${system(id)}'), /must be sip:user@host/);
    await assert.rejects(leg.transfer('1000 XML default'), /must be an extension/);
    await leg.transfer('sip:backoffice@pbx.example.com:5060');
    await leg.transfer('2001');
    assert.ok(peer.received.some((c) => c.includes('execute-app-arg: sip:backoffice@pbx.example.com:5060')));
    assert.ok(peer.received.some((c) => c.includes('execute-app-arg: 2001 XML agents')));
  });

  it('setVariable refuses unsafe names and values; a channel FreeSWITCH no longer has ends the leg', async () => {
    const { leg, peer } = await answeredLeg([step('api uuid_kill x\n\n', apiFrame('-ERR No such channel!\n'))]);
    await assert.rejects(leg.setVariable('ok_name', 'a\nb'), /variable ok_name contains a control character/);
    await assert.rejects(leg.setVariable('x y', '1'), /variable name "x y" must start with a letter/);
    await leg.setVariable('interaction_id', 'i-42');
    assert.ok(peer.synthesised.includes(`api uuid_setvar ${LEG} interaction_id i-42`));
    await leg.hangup('NORMAL_CLEARING');
    const ended = await leg.ended;
    assert.equal(ended.side, 'local');
    await assert.rejects(leg.play({ kind: 'silence', ms: 100 }), CallGoneError);
    await assert.rejects(leg.hangup('bad cause; rm'), /must be a Q.850 cause name/);
  });
});
