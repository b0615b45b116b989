/**
 * The FreeSWITCH adapter driven through the MediaEngine port by a fake FreeSWITCH that
 * replays the recorded traces over real TCP sockets. Assertions are what a caller of
 * the port sees: events, results and errors.
 */
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/logger.js';
import {
  CallGoneError,
  EngineUnavailableError,
  MediaCommandError,
  OriginateError,
  type CallLeg,
  type CallLegEvent,
} from '../../../src/engine/port.js';
import { FreeSwitchEngine, parseShowChannels } from '../../../src/engine/freeswitch/FreeSwitchEngine.js';
import type { FsCallLeg } from '../../../src/engine/freeswitch/FsCallLeg.js';
import { apiFrame, eventFrame } from './frames.js';
import { dialOutbound, FakeInboundPeer, fixedWidthIds, scriptOf, waitFor, type PeerOptions, type Script } from './fakeEslPeer.js';

const CALLER = 'c99fcc2e-c0af-4ee7-9e1e-afbe0ab29b24';
const AGENT_IN_TRACE = 'd38747eb-6cea-425e-835e-123af54e96a7';
/** The abandons trace's leg id (same length) stands in for the agent. */
const AGENT = 'f99ae720-0e78-4e56-a986-7ce6632d1602';

function only(script: Script, keep: (recorded: string) => boolean): Script {
  return { greeting: script.greeting, steps: script.steps.filter((s) => keep(s.recorded)) };
}

/** Node script: auth + subscription from the heartbeat trace, then nothing. */
const nodeScript = (): Script => only(scriptOf('inbound-esl-json-heartbeat.jsonl'), (r) => r.startsWith('auth') || r.startsWith('event'));

async function startEngine(peer: FakeInboundPeer, extra: Partial<ConstructorParameters<typeof FreeSwitchEngine>[0]> = {}): Promise<FreeSwitchEngine> {
  await peer.listen();
  const engine = new FreeSwitchEngine({
    nodes: [{ host: '127.0.0.1', port: peer.port, id: 'fs1' }],
    password: 'lab-secret',
    outboundSocket: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    legOptions: { newId: fixedWidthIds() },
    reconnect: { initialMs: 20, maxMs: 80 },
    nodeDownGraceMs: 150,
    socketWaitMs: 2000,
    commandTimeoutMs: 1000,
    ...extra,
  });
  await engine.start();
  return engine;
}

function record(leg: CallLeg): CallLegEvent[] {
  const seen: CallLegEvent[] = [];
  leg.on('event', (e) => seen.push(e));
  return seen;
}

async function nextCall(engine: FreeSwitchEngine): Promise<CallLeg> {
  return new Promise((resolve) => engine.once('call', resolve));
}

describe('FreeSWITCH engine against recorded traces', function () {
  this.timeout(10000);
  let peer: FakeInboundPeer;
  let engine: FreeSwitchEngine | null = null;

  afterEach(async () => {
    await engine?.stop();
    engine = null;
    await peer?.close();
  });

  it('authenticates with the password and subscribes to the events it uses', async () => {
    peer = new FakeInboundPeer(nodeScript);
    engine = await startEngine(peer);
    const s = peer.sessions[0]!;
    assert.equal(s.received[0], 'auth lab-secret');
    assert.match(s.received[1]!, /^event plain BACKGROUND_JOB HEARTBEAT .*CUSTOM avmd::start avmd::beep avmd::stop$/);
    assert.equal(engine.health().status, 'up');
  });

  it('inbound call: prompt, digits, stereo recording, bridge, caller hangs up', async () => {
    peer = new FakeInboundPeer(nodeScript);
    engine = await startEngine(peer);
    const opts: PeerOptions = { rewrite: [[AGENT_IN_TRACE, AGENT]], aliases: { 'api uuid_bridge': 'execute bridge' } };
    const incoming = nextCall(engine);
    const callerPeer = await dialOutbound(engine.outboundPort, scriptOf('outbound-socket-inbound-call.jsonl'), opts);
    const caller = await incoming;
    const events = record(caller);
    assert.equal(caller.id, CALLER);
    assert.equal(caller.direction, 'inbound');
    assert.deepEqual(caller.callerId, { number: '+15550001', name: 'Caller 1' });
    assert.equal(caller.destination, '1000');
    assert.equal(caller.state, 'ringing');

    // The agent's leg: another socket (only its connect/myevents/linger are replayed).
    const agentCall = nextCall(engine);
    const agentScript = scriptOf('outbound-socket-caller-abandons.jsonl');
    const agentPeer = await dialOutbound(engine.outboundPort, { greeting: [], steps: agentScript.steps.slice(0, 3) });
    const agent = await agentCall;
    assert.equal(agent.id, AGENT);

    await caller.answer();
    assert.equal(caller.state, 'answered');
    assert.deepEqual(await caller.play({ kind: 'tone', spec: '%(300,100,440);loops=2' }), {});
    const digits = await caller.collect({
      prompt: { kind: 'tone', spec: '%(200,0,600)' },
      minDigits: 1,
      maxDigits: 1,
      tries: 1,
      timeoutMs: 5000,
      terminators: '#',
      validRegex: '\\d',
      interDigitTimeoutMs: 2000,
    });
    assert.deepEqual(digits, { digits: '1', outcome: 'ok', attempts: 1 });
    const recording = await caller.record({ path: '/srv/calls/recordings/trace-inbound.wav', stereo: true });
    await caller.bridge(agent);
    const hangup = await caller.ended;

    assert.equal(hangup.cause, 'NORMAL_CLEARING');
    assert.equal(hangup.side, 'remote');
    assert.equal(caller.state, 'ended');
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['answered', 'playback.done', 'dtmf', 'bridged', 'unbridged', 'recording.stopped', 'hangup']);
    assert.deepEqual(events.find((e) => e.type === 'dtmf'), { type: 'dtmf', legId: CALLER, at: events[2]!.at, digit: '1' });
    assert.equal(events.find((e) => e.type === 'bridged')?.type === 'bridged' && (events.find((e) => e.type === 'bridged') as { otherLegId: string }).otherLegId, AGENT);
    const stopped = events.find((e) => e.type === 'recording.stopped');
    assert.ok(stopped && stopped.type === 'recording.stopped');
    assert.equal(stopped.path, '/srv/calls/recordings/trace-inbound.wav');
    assert.equal(stopped.recordingId, recording.id);

    // What the adapter sent, in order; the additions to the recording are the barge-in setting
    // and, before the bridge, socket_resume off on both legs (a crash must not break the bridge).
    assert.deepEqual(callerPeer.unexpected, []);
    assert.deepEqual(
      callerPeer.synthesised.map((c) => /execute-app-arg: (.*)/.exec(c)?.[1] ?? c),
      ['playback_terminators=none', `api uuid_setvar ${CALLER} socket_resume false`, `api uuid_setvar ${AGENT} socket_resume false`],
    );
    const order = callerPeer.received;
    assert.ok(order.indexOf(`api uuid_setvar ${AGENT} socket_resume false`) < order.indexOf(`api uuid_bridge ${CALLER} ${AGENT}`), 'resume is off before the bridge');
    assert.ok(callerPeer.received.includes(`api uuid_bridge ${CALLER} ${AGENT}`));
    assert.ok(callerPeer.received.some((c) => c.includes('execute-app-arg: RECORD_STEREO=true')));
    assert.ok(callerPeer.received.some((c) => c.includes('execute-app-arg: 1 1 1 5000 # tone_stream://%(200,0,600) silence_stream://250 ivr_choice \\d 2000')));
    assert.equal(agentPeer.unexpected.length, 0);
    await assert.rejects(caller.play({ kind: 'file', path: '/x.wav' }), CallGoneError);
    await caller.hangup(); // idempotent on an ended leg
  });

  it('caller abandons during music on hold: hang-up reported once, MOH stop is harmless', async () => {
    peer = new FakeInboundPeer(nodeScript);
    engine = await startEngine(peer);
    const incoming = nextCall(engine);
    const callPeer = await dialOutbound(engine.outboundPort, scriptOf('outbound-socket-caller-abandons.jsonl'));
    const leg = await incoming;
    const events = record(leg);
    await leg.answer();
    await leg.startMusicOnHold();
    const hangup = await leg.ended;
    assert.equal(hangup.cause, 'NORMAL_CLEARING');
    assert.equal(hangup.side, 'remote');
    await leg.stopMusicOnHold();
    assert.deepEqual(events.map((e) => e.type), ['answered', 'hangup']);
    assert.deepEqual(callPeer.unexpected, []);
    assert.ok(callPeer.received.some((c) => c.includes('execute-app-arg: local_stream://moh')));
    assert.equal(engine.health().activeLegs, 0);
  });

  it('originate answered: bgapi with variables and SIP header, leg arrives on its socket, we hang up', async () => {
    peer = new FakeInboundPeer(() => scriptOf('inbound-esl-originate-to-socket.jsonl'));
    engine = await startEngine(peer);
    let outboundPeer: Promise<unknown> | null = null;
    const e = engine;
    peer.options.onCommand = (_c, key) => {
      if (key === 'bgapi originate') outboundPeer = dialOutbound(e.outboundPort, scriptOf('outbound-socket-originated-call.jsonl'), { aliases: { 'api uuid_kill': 'execute hangup' } });
    };
    const leg = await engine.originate({
      to: { kind: 'user', user: 'lead' },
      callerId: { number: '1000', name: 'Sales Team' },
      timeoutMs: 10000,
      variables: { campaign_id: '42', lead_id: '7' },
      sipHeaders: { Campaign: '42' },
      legId: 'trace-leg-sock',
    });
    assert.ok(outboundPeer);
    assert.equal(leg.id, 'trace-leg-sock');
    assert.equal(leg.direction, 'outbound');
    assert.equal(leg.variables.campaign_id, '42');
    assert.equal(leg.variables.lead_id, '7');
    const sent = peer.sessions[0]!.received.find((c) => c.startsWith('bgapi originate'));
    assert.equal(
      sent,
      `bgapi originate {origination_uuid=trace-leg-sock,originate_timeout=10,origination_caller_id_number=1000,origination_caller_id_name='Sales Team',campaign_id=42,lead_id=7,sip_h_X-Campaign=42}user/lead '&socket(127.0.0.1:${engine.outboundPort} async full)'`,
    );
    const events = record(leg);
    await leg.play({ kind: 'tone', spec: '%(300,100,440);loops=2' });
    await leg.hangup('NORMAL_CLEARING');
    const ended = await leg.ended;
    assert.equal(ended.side, 'local');
    assert.equal(ended.cause, 'NORMAL_CLEARING');
    assert.deepEqual(events.map((x) => x.type), ['playback.done', 'hangup']);
  });

  describe('originate failures map to normalised causes', () => {
    const failures = (): Script =>
      only(scriptOf('inbound-esl-originate.jsonl'), (r) => r.startsWith('auth') || r.startsWith('event') || r.includes('trace-leg-busy') || r.includes('trace-leg-none') || r.includes('no-such-uuid') || r.includes('bad syntax'));

    it('busy, unreachable, and -ERR No such channel! from api', async () => {
      peer = new FakeInboundPeer(failures);
      engine = await startEngine(peer, { defaultGateway: 'carrier1' });
      const busy = await engine
        .originate({ to: { kind: 'number', number: '+15550002' }, callerId: { number: '1000' }, timeoutMs: 10000, legId: 'trace-leg-busy' })
        .then(() => null, (err: unknown) => err);
      assert.ok(busy instanceof OriginateError, String(busy));
      assert.equal(busy.failure, 'busy');
      assert.equal(busy.switchCause, 'USER_BUSY');
      assert.equal(busy.retryable, true);

      const none = await engine
        .originate({ to: { kind: 'number', number: '+15550003', gateway: 'carrier2' }, callerId: { number: '1000' }, timeoutMs: 3000, legId: 'trace-leg-none' })
        .then(() => null, (err: unknown) => err);
      assert.ok(none instanceof OriginateError);
      assert.equal(none.failure, 'unreachable');
      assert.equal(none.switchCause, 'NORMAL_TEMPORARY_FAILURE');

      const sent = peer.sessions[0]!.received.filter((c) => c.startsWith('bgapi'));
      assert.match(sent[0]!, /}sofia\/gateway\/carrier1\/\+15550002 '&socket/);
      assert.match(sent[1]!, /}sofia\/gateway\/carrier2\/\+15550003 '&socket/);

      await assert.rejects(engine.api('uuid_kill no-such-uuid'), (err: unknown) => {
        assert.ok(err instanceof MediaCommandError);
        assert.equal(err.detail, 'No such channel!');
        return true;
      });
      await assert.rejects(engine.api('originate bad syntax here'), /CHAN_NOT_IMPLEMENTED/);
      assert.deepEqual(peer.sessions[0]!.unexpected, []);
    });

    it('refuses unsafe values before sending anything', async () => {
      peer = new FakeInboundPeer(nodeScript);
      engine = await startEngine(peer, { defaultGateway: 'carrier1' });
      const base = { to: { kind: 'number' as const, number: '+15550002' }, callerId: { number: '1000' }, timeoutMs: 10000 };
      await assert.rejects(engine.originate({ ...base, variables: { note: 'a}b' } }), /variable note contains "}"/);
      await assert.rejects(engine.originate({ ...base, callerId: { number: '1000', name: "O'Brien" } }), /caller id name contains "'"/);
      await assert.rejects(engine.originate({ ...base, variables: { x: 'line\nbgapi system rm' } }), /variable x contains a control character/);
      await assert.rejects(engine.originate({ ...base, variables: { x: '${system(id)}' } }), /variable x contains "\{"/);
      await assert.rejects(engine.originate({ ...base, to: { kind: 'number', number: '900; drop' } }), /number "900; drop" must be digits/);
      await assert.rejects(engine.originate({ ...base, variables: { 'bad name': '1' } }), /variable name "bad name" must start with a letter/);
      assert.equal(peer.sessions[0]!.received.filter((c) => c.startsWith('bgapi')).length, 0);
    });
  });

  describe('originate cancelled or without its socket', () => {
    const jobReply = (job: string): Buffer => Buffer.from(`Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${job}\nJob-UUID: ${job}\n\n`);
    const job = (id: string, result: string): Buffer => eventFrame({ 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': id, 'Job-Command': 'originate' }, result);

    it('an aborted originate kills the ringing leg with ORIGINATOR_CANCEL and rejects with the abort reason', async () => {
      const base = nodeScript();
      peer = new FakeInboundPeer(() => ({
        greeting: base.greeting,
        steps: [
          ...base.steps,
          { recorded: 'bgapi originate x\n\n', reply: [jobReply('job-1')] },
          { recorded: 'api uuid_kill x\n\n', reply: [apiFrame('+OK\n'), job('job-1', '-ERR ORIGINATOR_CANCEL\n')] },
        ],
      }));
      engine = await startEngine(peer);
      const controller = new AbortController();
      const pending = engine.originate({ to: { kind: 'user', user: 'agent7' }, callerId: { number: '1000' }, timeoutMs: 20000, legId: 'leg-cancel-1', signal: controller.signal });
      await waitFor(() => peer.sessions[0]!.received.some((c) => c.startsWith('bgapi')));
      controller.abort(new Error('agent went not-ready'));
      await assert.rejects(pending, /agent went not-ready/);
      assert.ok(peer.sessions[0]!.received.includes('api uuid_kill leg-cancel-1 ORIGINATOR_CANCEL'));
    });

    it('answered but its socket never connects: fails with a cause that says so, and the call is killed', async () => {
      const base = nodeScript();
      peer = new FakeInboundPeer(() => ({
        greeting: base.greeting,
        steps: [
          ...base.steps,
          { recorded: 'bgapi originate x\n\n', reply: [jobReply('job-2'), job('job-2', '+OK leg-nosock\n')] },
          { recorded: 'api uuid_kill x\n\n', reply: [apiFrame('+OK\n')] },
        ],
      }));
      engine = await startEngine(peer, { socketWaitMs: 100 });
      const err = await engine.originate({ to: { kind: 'user', user: 'agent7' }, callerId: { number: '1000' }, timeoutMs: 20000, legId: 'leg-nosock' }).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof OriginateError);
      assert.equal(err.failure, 'failed');
      assert.equal(err.switchCause, 'SOCKET_TIMEOUT');
      assert.match(err.message, /did not reach the control plane within 100 ms \(check outboundSocket.advertiseHost\)/);
      await waitFor(() => peer.sessions[0]!.received.includes('api uuid_kill leg-nosock NORMAL_TEMPORARY_FAILURE'));
    });
  });

  it('spreads originates to the least loaded node by its HEARTBEAT', async () => {
    const beat = (sessions: number, idle: number): Buffer =>
      eventFrame({ 'Event-Name': 'HEARTBEAT', 'Core-UUID': `00000000-0000-0000-0000-000000000${sessions}`.slice(-36), 'Session-Count': String(sessions), 'Max-Sessions': '1000', 'Idle-CPU': String(idle), 'Session-Per-Sec-Last': '3' });
    const nodeWith = (sessions: number, idle: number) => (): Script => {
      const base = nodeScript();
      const [auth, event] = base.steps;
      const busy = Buffer.from(`Content-Type: command/reply\nReply-Text: +OK Job-UUID: j-${sessions}\nJob-UUID: j-${sessions}\n\n`);
      const result = eventFrame({ 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': `j-${sessions}` }, '-ERR USER_BUSY\n');
      return {
        greeting: base.greeting,
        steps: [auth!, { recorded: event!.recorded, reply: [...event!.reply, beat(sessions, idle)] }, { recorded: 'bgapi originate x\n\n', reply: [busy, result] }, { recorded: 'bgapi originate x\n\n', reply: [busy, result] }],
      };
    };
    peer = new FakeInboundPeer(nodeWith(900, 60));
    const quiet = new FakeInboundPeer(nodeWith(10, 95));
    const hot = new FakeInboundPeer(nodeWith(20, 4));
    await Promise.all([peer.listen(), quiet.listen(), hot.listen()]);
    engine = new FreeSwitchEngine({
      nodes: [{ host: '127.0.0.1', port: peer.port, id: 'busy' }, { host: '127.0.0.1', port: quiet.port, id: 'quiet' }, { host: '127.0.0.1', port: hot.port, id: 'hot-cpu' }],
      password: 'lab-secret',
      outboundSocket: { host: '127.0.0.1', port: 0 },
      logger: silentLogger(),
    });
    await engine.start();
    await waitFor(() => engine!.health().nodes.every((n) => n.status === 'up' && n.sessions > 0), 3000, 'three heartbeats');
    const err = await engine.originate({ to: { kind: 'user', user: 'a1' }, callerId: { number: '1000' }, timeoutMs: 5000 }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OriginateError && err.failure === 'busy');
    const sentTo = [peer, quiet, hot].map((p) => p.sessions[0]!.received.filter((c) => c.startsWith('bgapi')).length);
    assert.deepEqual(sentTo, [0, 1, 0]);

    // A caller on the busy node: the agent's leg must go there too, or they cannot be bridged.
    const incoming = new Promise<CallLeg>((resolve) => engine!.once('call', resolve));
    await dialOutbound(engine.outboundPort, scriptOf('outbound-socket-caller-abandons.jsonl'), { rewrite: [['92a5a26f-26b3-41f9-b1e7-fbcff1fe6ada', '00000000-0000-0000-0000-000000000900']] });
    const caller = await incoming;
    await engine.originate({ to: { kind: 'user', user: 'a1' }, callerId: { number: '1000' }, timeoutMs: 5000, near: caller }).catch(() => undefined);
    const sentAfter = [peer, quiet, hot].map((p) => p.sessions[0]!.received.filter((c) => c.startsWith('bgapi')).length);
    assert.deepEqual(sentAfter, [1, 1, 0]);
    await quiet.close();
    await hot.close();
  });

  it('lists live channels for resynchronisation (show channels as json, as recorded)', async () => {
    const recorded = scriptOf('inbound-esl-originate.jsonl');
    peer = new FakeInboundPeer(() => only(recorded, (r) => r.startsWith('auth') || r.startsWith('event') || r.startsWith('api show channels')));
    engine = await startEngine(peer);
    const { channels, errors } = await engine.listChannels();
    assert.deepEqual(errors, []);
    assert.deepEqual(channels, [
      { uuid: 'trace-leg-a', nodeId: 'fs1', direction: 'outbound', callState: 'ACTIVE', state: 'CS_EXECUTE', callerNumber: 'lead', destination: 'lead', application: 'playback', createdEpochS: 1795299707 },
    ]);
    assert.deepEqual(parseShowChannels('{"row_count":0}', 'fs1'), []);
  });

  it('peer drops mid-command: the command rejects, the client reconnects, re-subscribes and emits reconnected', async () => {
    let dropped = false;
    peer = new FakeInboundPeer(nodeScript, {
      dropOn: (_c, key) => {
        if (key === 'api status' && !dropped) {
          dropped = true;
          return true;
        }
        return false;
      },
    });
    engine = await startEngine(peer);
    const reconnected = new Promise<{ nodeId: string }>((resolve) => engine!.once('reconnected', resolve));
    await assert.rejects(engine.api('status'), (err: unknown) => {
      assert.ok(err instanceof EngineUnavailableError);
      assert.match(err.message, /connection lost before the reply/);
      return true;
    });
    assert.deepEqual(await reconnected, { nodeId: 'fs1' });
    assert.equal(peer.sessions.length, 2);
    const again = peer.sessions[1]!.received;
    assert.equal(again[0], 'auth lab-secret');
    assert.match(again[1]!, /^event plain BACKGROUND_JOB HEARTBEAT/);
    assert.equal(engine.health().status, 'up');
  });

  it('after reconnecting, ends a leg whose channel the switch no longer lists (a hang-up missed meanwhile)', async () => {
    const recorded = scriptOf('inbound-esl-originate.jsonl');
    let sessions = 0;
    // First connection: auth and subscription, dropped on `api status`. Second: the same, then
    // the recorded `show channels as json` (one channel, trace-leg-a: not our leg).
    peer = new FakeInboundPeer(
      () => {
        sessions++;
        return only(recorded, (r) => r.startsWith('auth') || r.startsWith('event') || (sessions > 1 && r.startsWith('api show channels')));
      },
      { dropOn: (_c, key) => key === 'api status' },
    );
    engine = await startEngine(peer);
    const incoming = nextCall(engine);
    await dialOutbound(engine.outboundPort, scriptOf('outbound-socket-caller-abandons.jsonl'));
    const leg = await incoming;
    await waitFor(() => leg.state === 'ringing');
    const reconnected = new Promise<{ nodeId: string }>((resolve) => engine!.once('reconnected', resolve));
    await assert.rejects(engine.api('status'));
    await reconnected;
    const ended = await leg.ended;
    assert.equal(ended.cause, 'CHANNEL_GONE');
    assert.ok(peer.sessions[1]!.received.includes('api show channels as json'));
  });

  it('a node that stays away is declared down and its legs are reported lost', async () => {
    peer = new FakeInboundPeer(nodeScript);
    engine = await startEngine(peer);
    const incoming = nextCall(engine);
    await dialOutbound(engine.outboundPort, scriptOf('outbound-socket-caller-abandons.jsonl'));
    const leg = await incoming;
    await waitFor(() => (leg as FsCallLeg).state === 'ringing');
    const down = new Promise<{ nodeId: string; lostLegIds: string[] }>((resolve) => engine!.once('node.down', resolve));
    await peer.close();
    assert.deepEqual(await down, { nodeId: 'fs1', lostLegIds: [AGENT] });
    const ended = await leg.ended;
    assert.equal(ended.cause, 'NODE_DOWN');
    assert.equal(engine.health().status, 'down');
    await assert.rejects(engine.originate({ to: { kind: 'user', user: 'a1' }, callerId: { number: '1' }, timeoutMs: 5000 }), EngineUnavailableError);
  });

  it('bgapi result arriving in the same chunk as its reply, then HEARTBEAT feeds node health', async () => {
    peer = new FakeInboundPeer(() => scriptOf('inbound-esl-json-heartbeat.jsonl'));
    engine = await startEngine(peer);
    assert.equal(await engine.api('fsctl send_sighup'), '+OK\n');
    const status = await engine.bgapi('status', 3000);
    assert.match(status, /^UP 0 years, 0 days, 0 hours, 0 minutes, 58 seconds/);
    await waitFor(() => engine!.health().nodes[0]!.detail === 'idle cpu 98.3 %, 0 cps', 3000, 'heartbeat');
    assert.deepEqual(engine.health().nodes[0], { id: 'fs1', status: 'up', sessions: 0, detail: 'idle cpu 98.3 %, 0 cps' });
  });
});
