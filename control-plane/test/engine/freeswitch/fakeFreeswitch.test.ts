/**
 * The behavioural fake FreeSWITCH (test/fixtures/fakeFreeswitch) against the REAL
 * FreeSwitchEngine over real TCP: calls in through the emulated dialplan, applications,
 * originate, bridge, hang-up, and the child-process mode. Where the fake and the recorded
 * traces overlap, its header names must cover the recorded ones the adapter reads. What
 * happens to callers when the control plane dies: fakeFreeswitch.dialplan.test.ts.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../src/logger.js';
import { EslEvent } from '../../../src/engine/freeswitch/EslEvent.js';
import { EslParser, type EslFrame } from '../../../src/engine/freeswitch/EslParser.js';
import { FreeSwitchEngine } from '../../../src/engine/freeswitch/FreeSwitchEngine.js';
import type { FsCallLeg } from '../../../src/engine/freeswitch/FsCallLeg.js';
import type { ChannelSnapshot } from '../../fixtures/fakeFreeswitch/FakeFreeSwitch.js';
import { readTrace } from '../../../src/engine/freeswitch/eslTrace.js';
import { OriginateError } from '../../../src/engine/errors.js';
import type { FakeReply, FakeRequest } from '../../fixtures/fakeFreeswitch/ipc.js';
import { tracePath } from './fakeEslPeer.js';
import { eventOf, fakeSwitchKit, ManualControlPlane, PASSWORD, refusedPort, withTimeout } from './fakeSwitchKit.js';

describe('fake FreeSWITCH with the real FreeSwitchEngine', function () {
  this.timeout(10000);
  const { cleanups, fakeSwitch, engineFor, nextCall, cp, byId } = fakeSwitchKit();

  it('authenticates the engine, subscribes its events, beats, and answers show channels as json', async () => {
    const fake = await fakeSwitch({ retryDelayMs: 5000 });
    const engine = await engineFor(fake);
    assert.equal(engine.health().nodes[0]?.status, 'up');
    // The first HEARTBEAT replaces the initial idle CPU (100) with the fake's 98.5.
    await withTimeout(
      (async () => {
        while (!/idle cpu 98\.5/.test(engine.health().nodes[0]?.detail ?? '')) await new Promise((r) => setTimeout(r, 20));
      })(),
      2000,
      'heartbeat',
    );
    assert.deepEqual((await engine.listChannels()).channels, []);
    assert.match(await engine.api('status'), /FreeSWITCH .* is ready/);

    // A caller held by the dialplan (no control plane reachable) is listed.
    fake.setControlPlanes([{ host: '127.0.0.1', port: await refusedPort() }]);
    const call = fake.placeCall({ from: '+15550001', did: '15550100' });
    await fake.waitFor(byId(call.uuid));
    const { channels, errors } = await engine.listChannels();
    assert.deepEqual(errors, []);
    assert.equal(channels.length, 1);
    assert.equal(channels[0]?.uuid, call.uuid);
    assert.equal(channels[0]?.direction, 'inbound');
    assert.equal(channels[0]?.callerNumber, '+15550001');
    assert.equal(channels[0]?.destination, '15550100');
    assert.equal(channels[0]?.callState, 'RINGING');
    assert.ok((channels[0]?.createdEpochS ?? 0) > 1.7e9);
    assert.deepEqual(fake.unknownCommands, []);
  });

  it('refuses a wrong ESL password like FreeSWITCH (-ERR invalid, then closes)', async () => {
    const fake = await fakeSwitch();
    const engine = new FreeSwitchEngine({
      nodes: [{ host: '127.0.0.1', port: fake.eslPort }],
      password: 'wrong',
      outboundSocket: { host: '127.0.0.1', port: 0 },
      logger: silentLogger(),
      startTimeoutMs: 2000,
    });
    cleanups.push(() => engine.stop());
    await assert.rejects(engine.start(), /refused the ESL password \(invalid\)/);
  });

  it('an inbound call: answer, prompts, collect, music on hold, originate to an agent, bridge, caller hangs up', async () => {
    const fake = await fakeSwitch();
    const engine = await engineFor(fake);
    fake.setControlPlanes([cp(engine)]);
    const arriving = nextCall(engine);
    const call = fake.placeCall({ from: '+15550001', did: '15550100', callerName: 'Caller 1', variables: { sip_h_X_Ticket: 'T-42' } });
    const leg = await arriving;
    assert.equal(leg.id, call.uuid);
    assert.equal(leg.direction, 'inbound');
    assert.deepEqual(leg.callerId, { number: '+15550001', name: 'Caller 1' });
    assert.equal(leg.destination, '15550100');
    assert.equal(leg.variables.sip_h_X_Ticket, 'T-42');
    assert.equal(leg.variables.switchboard_did, '15550100');
    assert.equal(leg.variables.socket_resume, 'true');
    assert.equal(leg.state, 'ringing');

    await leg.answer();
    assert.equal(leg.state, 'answered');
    assert.equal(fake.channel(call.uuid)?.state, 'answered');

    assert.deepEqual(await leg.play({ kind: 'tts', text: 'Welcome to the fake switch' }), {});
    assert.deepEqual(await leg.play([{ kind: 'file', path: '/srv/prompts/menu.wav' }, { kind: 'tone', spec: '%(200,0,600)' }]), {});

    const collecting = leg.collect({ minDigits: 1, maxDigits: 1, timeoutMs: 3000, prompt: { kind: 'tone', spec: '%(200,0,600)' } });
    await fake.waitFor((chs) => byId(call.uuid)(chs)?.application === 'play_and_get_digits');
    const digits: string[] = [];
    leg.on('dtmf', (e) => digits.push(e.digit));
    fake.sendDtmf(call.uuid, '2');
    assert.deepEqual(await collecting, { digits: '2', outcome: 'ok', attempts: 1 });
    assert.deepEqual(digits, ['2']);
    assert.equal(fake.channel(call.uuid)?.variables.ivr_choice, '2');

    await leg.startMusicOnHold();
    assert.equal(fake.channel(call.uuid)?.application, 'playback');
    assert.equal(fake.channel(call.uuid)?.applicationData, 'local_stream://moh');
    await leg.stopMusicOnHold();
    await fake.waitFor((chs) => byId(call.uuid)(chs)?.application === 'socket');

    const agent = (await engine.originate({ to: { kind: 'user', user: '1001' }, callerId: { number: '15550100' }, timeoutMs: 3000, variables: { interaction_id: 'i-1' }, near: leg })) as FsCallLeg;
    assert.equal(agent.state, 'answered');
    assert.equal(agent.direction, 'outbound');
    assert.equal(agent.variables.interaction_id, 'i-1');
    assert.equal(fake.channel(agent.id)?.direction, 'outbound');
    assert.equal(fake.channel(agent.id)?.destination, '1001');

    const agentBridged = new Promise((resolve) => agent.once('bridged', resolve));
    await leg.bridge(agent);
    await withTimeout(agentBridged, 2000, 'agent bridged');
    assert.equal(leg.state, 'bridged');
    assert.equal(agent.state, 'bridged');
    const snapshot = await fake.waitFor((chs) => chs.filter((c) => c.state === 'bridged').length === 2 && chs);
    assert.equal(snapshot.find((c) => c.uuid === call.uuid)?.bridgedWith, agent.id);

    await fake.hangup(call.uuid);
    const [callerEnd, agentEnd] = await withTimeout(Promise.all([leg.ended, agent.ended]), 3000, 'both legs end');
    assert.deepEqual([callerEnd.cause, callerEnd.side], ['NORMAL_CLEARING', 'remote']);
    // FreeSWITCH hangs the agent up itself when the bridge ends (send_bye): a local hang-up to the adapter.
    assert.deepEqual([agentEnd.cause, agentEnd.side], ['NORMAL_CLEARING', 'local']);
    await fake.waitFor((chs) => chs.every((c) => c.state === 'ended'));
    assert.deepEqual(fake.unknownCommands, []);
  });

  it('originate to a busy, a non-answering and an unregistered user rejects with the normalised cause', async () => {
    const fake = await fakeSwitch();
    const engine = await engineFor(fake);
    fake.setUser('2001', { busy: true });
    fake.setUser('2002', { noAnswer: true });
    fake.setUser('2003', { unregistered: true });
    const attempt = (user: string): Promise<unknown> => engine.originate({ to: { kind: 'user', user }, callerId: { number: '100' }, timeoutMs: 1000 });
    const causes: Array<[string, string]> = [];
    for (const user of ['2001', '2002', '2003']) {
      await assert.rejects(attempt(user), (err: unknown) => {
        assert.ok(err instanceof OriginateError);
        causes.push([err.failure, err.switchCause]);
        return true;
      });
    }
    assert.deepEqual(causes, [
      ['busy', 'USER_BUSY'],
      ['no-answer', 'NO_ANSWER'],
      ['unreachable', 'USER_NOT_REGISTERED'],
    ]);
    assert.ok(fake.channels().every((c) => c.state === 'ended'));
  });

  it('runs as a child process driven over IPC', async () => {
    const main = fileURLToPath(new URL('../../fixtures/fakeFreeswitch/main.ts', import.meta.url));
    const child = fork(main, [JSON.stringify({ password: PASSWORD, heartbeatMs: 100, promptMs: 20 })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    let stdout = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    const replies = new Map<number, (r: FakeReply) => void>();
    const ready = new Promise<number>((resolve) => {
      child.on('message', (m: FakeReply) => {
        if (m.type === 'ready') resolve(m.eslPort);
        if (m.type === 'reply') replies.get(m.id)?.(m);
      });
    });
    let nextId = 1;
    const request = (r: Omit<FakeRequest, 'id'>): Promise<FakeReply> => {
      const id = nextId++;
      const p = new Promise<FakeReply>((resolve) => replies.set(id, resolve));
      child.send({ ...r, id });
      return withTimeout(p, 3000, `ipc ${r.op}`);
    };
    const eslPort = await withTimeout(ready, 8000, 'child ready');
    assert.deepEqual(JSON.parse(stdout.trim()), { eslPort });
    const engine = await engineFor({ eslPort });
    await request({ op: 'setControlPlanes', controlPlanes: [cp(engine)] } as Omit<FakeRequest, 'id'>);
    const arriving = nextCall(engine);
    const placed = await request({ op: 'placeCall', call: { from: '+15550008', did: '15550100' } } as Omit<FakeRequest, 'id'>);
    assert.ok(placed.type === 'reply' && placed.ok);
    const uuid = (placed.result as ChannelSnapshot).uuid;
    const leg = await arriving;
    assert.equal(leg.id, uuid);
    await leg.answer();
    const hung = await request({ op: 'hangup', uuid } as Omit<FakeRequest, 'id'>);
    assert.ok(hung.type === 'reply' && hung.ok && hung.channels.find((c) => c.uuid === uuid)?.state === 'ended');
    assert.equal((await withTimeout(leg.ended, 2000, 'leg ended')).side, 'remote');
    const stopped = await request({ op: 'stop' } as Omit<FakeRequest, 'id'>);
    assert.ok(stopped.type === 'reply' && stopped.ok);
    assert.equal(await withTimeout(exited, 3000, 'child exit'), 0);
  });

  describe('frames shaped like the recordings', () => {
    /** Frames FreeSWITCH sent in a trace, in order. */
    function recordedFrames(name: string): EslFrame[] {
      const frames: EslFrame[] = [];
      const parser = new EslParser((f) => frames.push(f));
      for (const c of readTrace(tracePath(name))) if (c.dir === 'fs>cp') parser.push(c.bytes);
      return frames;
    }
    /** Channel-specific or SIP/RTP-specific names a simulated channel has no reason to carry. */
    const isMediaDetail = (name: string): boolean => /^variable_(sip_|rtp_|switch_r_sdp|ep_codec|remote_|local_media|advertised_media|sofia_|recovery_|video_|text_|audio_|read_|write_|original_|max_forwards|dtmf_type|endpoint_disposition|DP_MATCH|session_id|current_loop|total_loops|playback_)/.test(name);

    /** The headers the adapter reads from the connect reply (OutboundServer, FsCallLeg). */
    const ADAPTER_READS = ['Unique-ID', 'Core-UUID', 'Call-Direction', 'Answer-State', 'Channel-Caller-ID-Number', 'Channel-Caller-ID-Name', 'Channel-Destination-Number', 'Caller-Caller-ID-Number', 'Caller-Caller-ID-Name', 'Caller-Destination-Number', 'Channel-Unique-ID', 'Channel-Direction'];

    it('the connect reply and a play_and_get_digits completion carry every recorded header name the adapter could read', async () => {
      const recorded = recordedFrames('outbound-socket-inbound-call.jsonl');
      const recConnect = recorded[0]!;
      assert.equal(recConnect.headers['Content-Type'], 'command/reply');
      const recComplete = recorded.map(eventOf).find((e) => e?.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application') === 'play_and_get_digits')!;

      const fake = await fakeSwitch();
      const manual = new ManualControlPlane();
      const port = await manual.listen();
      cleanups.push(() => manual.crash());
      fake.setControlPlanes([{ host: '127.0.0.1', port }]);
      const call = fake.placeCall({ from: '+15550001', did: '1000', callerName: 'Caller 1' });
      const connect = await manual.frame((f) => f.headers['Event-Name'] === 'CHANNEL_DATA');
      assert.equal(connect.headers['Content-Type'], 'command/reply');
      assert.equal(connect.headers['Reply-Text'], '%2BOK%0A');
      assert.equal(connect.headers['Socket-Mode'], 'async');
      assert.equal(connect.headers['Control'], 'full');
      assert.equal(connect.headers['Caller-Caller-ID-Number'], '%2B15550001');
      await manual.frame((f) => f.headers['Reply-Text'] === '+OK will linger');
      assert.ok((await manual.frame((f) => f.headers['Reply-Text'] === '+OK Events Enabled')) !== undefined);

      const recNames = Object.keys(recConnect.headers).filter((n) => !isMediaDetail(n));
      const fakeNames = new Set(Object.keys(connect.headers));
      assert.deepEqual(recNames.filter((n) => !fakeNames.has(n)), [], 'connect reply: recorded names the fake lacks');
      for (const n of ADAPTER_READS) {
        assert.ok(n in recConnect.headers, `${n} is in the recording`);
        assert.ok(fakeNames.has(n), `${n} is in the fake's connect reply`);
      }

      manual.send('sendmsg\ncall-command: execute\nexecute-app-name: play_and_get_digits\nexecute-app-arg: 1 1 1 5000 # tone_stream://%(200,0,600) silence_stream://250 ivr_choice \\d 2000\nEvent-UUID: cap-3');
      await manual.frame((f) => eventOf(f)?.name === 'CHANNEL_EXECUTE');
      fake.sendDtmf(call.uuid, '1');
      const completeFrame = await manual.frame((f) => eventOf(f)?.name === 'CHANNEL_EXECUTE_COMPLETE');
      const complete = eventOf(completeFrame)!;
      assert.equal(complete.get('Application-UUID'), 'cap-3');
      assert.equal(complete.get('Application-Response'), '_none_');
      assert.equal(complete.get('variable_ivr_choice'), '1');
      const dtmf = eventOf((await manual.frame((f) => eventOf(f)?.name === 'DTMF'))!)!;
      const recDtmf = recorded.map(eventOf).find((e) => e?.name === 'DTMF')!;

      const missing = (rec: EslEvent, got: EslEvent): string[] => {
        const have = new Set(Object.keys(got.headers()));
        return Object.keys(rec.headers()).filter((n) => !isMediaDetail(n) && !have.has(n));
      };
      assert.deepEqual(missing(recComplete, complete), [], 'CHANNEL_EXECUTE_COMPLETE: recorded names the fake lacks');
      assert.deepEqual(missing(recDtmf, dtmf), [], 'DTMF: recorded names the fake lacks');
    });

    it('hang-up on a socket: CHANNEL_HANGUP, CHANNEL_HANGUP_COMPLETE with the cause, then the linger notice', async () => {
      const fake = await fakeSwitch();
      const manual = new ManualControlPlane();
      const port = await manual.listen();
      cleanups.push(() => manual.crash());
      fake.setControlPlanes([{ host: '127.0.0.1', port }]);
      const call = fake.placeCall({ from: '+15550001', did: '1001' });
      await manual.frame((f) => f.headers['Reply-Text'] === '+OK will linger');
      manual.send('sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: local_stream://moh\nEvent-UUID: cap-2');
      await manual.frame((f) => eventOf(f)?.name === 'CHANNEL_EXECUTE');
      await fake.hangup(call.uuid);
      const notice = await manual.frame((f) => f.headers['Content-Type'] === 'text/disconnect-notice');
      assert.equal(notice.headers['Content-Disposition'], 'linger');
      assert.equal(notice.headers['Controlled-Session-UUID'], call.uuid);
      const names = manual.frames.map((f) => eventOf(f)?.name ?? f.headers['Content-Type']);
      const from = names.indexOf('CHANNEL_HANGUP');
      assert.deepEqual(names.slice(from), ['CHANNEL_HANGUP', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP_COMPLETE', 'text/disconnect-notice']);
      const completes = manual.frames.map(eventOf).filter((e) => e?.name === 'CHANNEL_EXECUTE_COMPLETE');
      assert.equal(completes.at(-1)?.get('Application-Response'), 'PLAYBACK ERROR');
      const hc = manual.frames.map(eventOf).find((e) => e?.name === 'CHANNEL_HANGUP_COMPLETE')!;
      assert.equal(hc.get('Hangup-Cause'), 'NORMAL_CLEARING');
      assert.equal(hc.get('variable_hangup_cause'), 'NORMAL_CLEARING');
      assert.equal(hc.get('variable_sip_hangup_disposition'), 'recv_bye');
    });
  });
});
