/**
 * The behavioural fake FreeSWITCH (test/fixtures/fakeFreeswitch) against the REAL
 * FreeSwitchEngine over real TCP: calls in through the emulated dialplan, applications,
 * originate, bridge, hang-up, and what happens to callers when the control plane's
 * sockets die (socket_resume, reattach, fallback). Where the fake and the recorded
 * traces overlap, its header names must cover the recorded ones the adapter reads.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../src/logger.js';
import { EslConnection } from '../../../src/engine/freeswitch/EslConnection.js';
import { EslEvent } from '../../../src/engine/freeswitch/EslEvent.js';
import { EslParser, type EslFrame } from '../../../src/engine/freeswitch/EslParser.js';
import { readTrace } from '../../../src/engine/freeswitch/eslTrace.js';
import { FreeSwitchEngine, INBOUND_EVENTS } from '../../../src/engine/freeswitch/FreeSwitchEngine.js';
import type { FsCallLeg } from '../../../src/engine/freeswitch/FsCallLeg.js';
import type { FsEvent } from '../../../src/engine/freeswitch/fsEvents.js';
import { OriginateError } from '../../../src/engine/errors.js';
import { SystemClock } from '../../../src/clock.js';
import { FakeFreeSwitch, type ChannelSnapshot, type FakeFreeSwitchOptions } from '../../fixtures/fakeFreeswitch/FakeFreeSwitch.js';
import type { FakeReply, FakeRequest } from '../../fixtures/fakeFreeswitch/ipc.js';
import { tracePath } from './fakeEslPeer.js';

const PASSWORD = 'fake-secret';

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A control plane written by hand: accepts the switch's socket, sends connect / myevents /
 * linger and keeps every frame, so a test can read the raw replies and then kill it.
 */
class ManualControlPlane {
  readonly frames: EslFrame[] = [];
  socket: Socket | null = null;
  #server: Server | null = null;
  #waiters = new Set<() => void>();

  async listen(): Promise<number> {
    const server = createServer((socket) => {
      this.socket = socket;
      socket.on('error', () => undefined);
      const parser = new EslParser((f) => {
        this.frames.push(f);
        for (const w of [...this.#waiters]) w();
      });
      socket.on('data', (c: Buffer) => parser.push(c));
      socket.write('connect\n\nmyevents\n\nlinger\n\n');
      for (const w of [...this.#waiters]) w();
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  send(text: string): void {
    this.socket?.write(text.endsWith('\n\n') ? text : `${text}\n\n`);
  }

  /** The first frame (in arrival order) that matches. */
  async frame(match: (f: EslFrame) => boolean, ms = 3000): Promise<EslFrame> {
    const find = (): EslFrame | undefined => this.frames.find(match);
    const found = find();
    if (found) return found;
    return withTimeout(
      new Promise<EslFrame>((resolve) => {
        const w = (): void => {
          const f = find();
          if (f) {
            this.#waiters.delete(w);
            resolve(f);
          }
        };
        this.#waiters.add(w);
      }),
      ms,
      'manual control plane frame',
    );
  }

  /** The process dies: the listener goes away and the socket is reset. */
  async crash(): Promise<void> {
    this.socket?.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function eventOf(f: EslFrame): EslEvent | null {
  return f.headers['Content-Type'] === 'text/event-plain' && f.body ? EslEvent.fromPlainBuffer(f.body) : null;
}

describe('fake FreeSWITCH with the real FreeSwitchEngine', function () {
  this.timeout(10000);
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function fakeSwitch(options: FakeFreeSwitchOptions = {}): Promise<FakeFreeSwitch> {
    const fake = new FakeFreeSwitch({ password: PASSWORD, heartbeatMs: 100, promptMs: 20, retryDelayMs: 200, ...options });
    await fake.start();
    cleanups.push(() => fake.stop());
    return fake;
  }

  async function engineFor(fake: { eslPort: number }): Promise<FreeSwitchEngine> {
    const engine = new FreeSwitchEngine({
      nodes: [{ host: '127.0.0.1', port: fake.eslPort }],
      password: PASSWORD,
      outboundSocket: { host: '127.0.0.1', port: 0 },
      logger: silentLogger(),
      commandTimeoutMs: 2000,
      socketWaitMs: 3000,
      nodeDownGraceMs: 500,
      startTimeoutMs: 3000,
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    await engine.start();
    cleanups.push(() => engine.stop());
    return engine;
  }

  /** The control plane process dies: every call socket is reset, nothing listens any more. */
  async function crash(engine: FreeSwitchEngine): Promise<void> {
    for (const leg of engine.legs()) leg.lose('CONTROL_PLANE_CRASHED');
    await engine.stop();
  }

  function nextCall(engine: FreeSwitchEngine, ms = 3000): Promise<FsCallLeg> {
    return withTimeout(new Promise<FsCallLeg>((resolve) => engine.once('call', (leg) => resolve(leg as FsCallLeg))), ms, 'call on the engine');
  }

  const cp = (engine: FreeSwitchEngine): { host: string; port: number } => ({ host: '127.0.0.1', port: engine.outboundPort });
  const byId = (uuid: string) => (chs: ChannelSnapshot[]) => chs.find((c) => c.uuid === uuid);

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

  it('tries the control-plane addresses in order: the first refuses, the second takes the call', async () => {
    const fake = await fakeSwitch();
    const engine = await engineFor(fake);
    const dead = await refusedPort();
    fake.setControlPlanes([{ host: '127.0.0.1', port: dead }, cp(engine)]);
    const arriving = nextCall(engine);
    const call = fake.placeCall({ from: '+15550002', did: '15550100' });
    const leg = await arriving;
    assert.equal(leg.id, call.uuid);
    assert.deepEqual(
      fake.channel(call.uuid)?.socketSessions.map((s) => s.port),
      [engine.outboundPort],
    );
  });

  it('a waiting caller whose control plane dies holds, then reattaches to whichever address listens, same uuid and variables', async () => {
    const fake = await fakeSwitch({ retryDelayMs: 300 });
    const engine = await engineFor(fake);
    const manual = new ManualControlPlane();
    const manualPort = await manual.listen();
    cleanups.push(() => manual.crash());
    fake.setControlPlanes([{ host: '127.0.0.1', port: manualPort }, cp(engine)]);
    const call = fake.placeCall({ from: '+15550003', did: '15550100', variables: { sip_h_X_Ticket: 'T-7' } });
    await manual.frame((f) => f.headers['Reply-Text'] === '+OK will linger');
    assert.equal(fake.channel(call.uuid)?.application, 'socket');

    const arriving = nextCall(engine);
    await manual.crash();
    const holding = await fake.waitFor((chs) => {
      const c = byId(call.uuid)(chs);
      return c?.application === 'playback' && c;
    });
    assert.equal(holding.state, 'ringing');
    assert.equal(holding.socketSessions[0]?.end, 'closed by control plane');
    const leg = await arriving;
    assert.equal(leg.id, call.uuid);
    assert.equal(leg.variables.sip_h_X_Ticket, 'T-7');
    assert.equal(leg.variables.socket_resume, 'true');
    assert.deepEqual(
      fake.channel(call.uuid)?.socketSessions.map((s) => s.port),
      [manualPort, engine.outboundPort],
    );
  });

  it('a bridged caller with socket_resume=false stays bridged when the control plane dies; its hang-up still reaches inbound ESL', async () => {
    const fake = await fakeSwitch();
    const engine = await engineFor(fake);
    fake.setControlPlanes([cp(engine)]);
    const arriving = nextCall(engine);
    const call = fake.placeCall({ from: '+15550004', did: '15550100', socketResume: false });
    const leg = await arriving;
    await leg.answer();
    const agent = await engine.originate({ to: { kind: 'user', user: '1001' }, callerId: { number: '15550100' }, timeoutMs: 3000 });
    await leg.bridge(agent);
    await fake.waitFor((chs) => chs.filter((c) => c.state === 'bridged').length === 2);

    await crash(engine);
    await new Promise((r) => setTimeout(r, 300));
    const after = fake.channels();
    assert.deepEqual(
      after.map((c) => [c.uuid, c.state, c.bridgedWith]).sort(),
      [
        [call.uuid, 'bridged', agent.id],
        [agent.id, 'bridged', call.uuid],
      ].sort(),
    );
    assert.ok(after.every((c) => c.socketSessions.every((s) => s.end === 'closed by control plane')));

    // Another process on the inbound connection still learns how the call ends.
    const listener = new EslConnection({ host: '127.0.0.1', port: fake.eslPort, password: PASSWORD, clock: new SystemClock(), logger: silentLogger(), events: INBOUND_EVENTS });
    const completes: FsEvent[] = [];
    listener.on('event', (e) => {
      if (e.type === 'CHANNEL_HANGUP_COMPLETE') completes.push(e);
    });
    await listener.start();
    cleanups.push(() => listener.stop());
    await fake.hangup(call.uuid);
    await fake.waitFor((chs) => chs.every((c) => c.state === 'ended'));
    await withTimeout(
      (async () => {
        while (completes.length < 2) await new Promise((r) => setTimeout(r, 10));
      })(),
      2000,
      'two CHANNEL_HANGUP_COMPLETE',
    );
    assert.deepEqual(completes.map((e) => e.uuid).sort(), [call.uuid, agent.id].sort());
  });

  it('a bridged caller with socket_resume=true is taken out of the bridge (agent hung up) and reattaches to the standby', async () => {
    const fake = await fakeSwitch({ retryDelayMs: 200 });
    const primary = await engineFor(fake);
    const standby = await engineFor(fake);
    fake.setControlPlanes([cp(primary), cp(standby)]);
    const arriving = nextCall(primary);
    const call = fake.placeCall({ from: '+15550005', did: '15550100' });
    const leg = await arriving;
    await leg.answer();
    const agent = await primary.originate({ to: { kind: 'user', user: '1001' }, callerId: { number: '15550100' }, timeoutMs: 3000 });
    await leg.bridge(agent);
    await fake.waitFor((chs) => chs.filter((c) => c.state === 'bridged').length === 2);
    // The engine turns resuming off before it bridges (a crash must not break a conversation);
    // this is what happens to a bridge made with it still on.
    assert.equal(fake.channel(call.uuid)?.variables.socket_resume, 'false');
    await primary.api(`uuid_setvar ${call.uuid} socket_resume true`);

    const reattached = nextCall(standby);
    const primaryPort = primary.outboundPort;
    await crash(primary);
    const again = await reattached;
    assert.equal(again.id, call.uuid);
    assert.equal(again.state, 'answered');
    const chs = fake.channels();
    assert.equal(byId(agent.id)(chs)?.state, 'ended');
    assert.equal(byId(agent.id)(chs)?.endedCause, 'NORMAL_CLEARING');
    assert.equal(byId(call.uuid)(chs)?.bridgedWith, null);
    assert.deepEqual(
      byId(call.uuid)(chs)?.socketSessions.map((s) => s.port),
      [primaryPort, standby.outboundPort],
    );
  });

  it('HA: a standby refuses calls until it takes them, then lists the dead active\'s calls, pulls the waiting caller back and follows the conversation', async () => {
    const fake = await fakeSwitch({ retryDelayMs: 5000, retryRounds: 5 });
    const active = await engineFor(fake);
    const standbyPort = await refusedPort();
    const standby = new FreeSwitchEngine({
      nodes: [{ host: '127.0.0.1', port: fake.eslPort }],
      password: PASSWORD,
      outboundSocket: { host: '127.0.0.1', port: standbyPort },
      logger: silentLogger(),
      commandTimeoutMs: 2000,
      startTimeoutMs: 3000,
      takeCallsOnStart: false,
    });
    await standby.start();
    cleanups.push(() => standby.stop());
    // The dialplan tries the standby first here: it must be refused and the call go on to the active.
    fake.setControlPlanes([{ host: '127.0.0.1', port: standbyPort }, cp(active)]);
    const first = nextCall(active);
    const waiting = fake.placeCall({ from: '+15550010', did: '15550100' });
    const waitingLeg = await first;
    await waitingLeg.answer();
    await waitingLeg.startMusicOnHold();
    assert.deepEqual(fake.channel(waiting.uuid)?.socketSessions.map((x) => x.port), [active.outboundPort], 'the standby took nothing');
    const second = nextCall(active);
    const talking = fake.placeCall({ from: '+15550011', did: '15550100' });
    const talkingLeg = await second;
    await talkingLeg.answer();
    const agent = await active.originate({ to: { kind: 'user', user: '1001' }, callerId: { number: '15550100' }, timeoutMs: 3000 });
    await talkingLeg.bridge(agent);

    await crash(active);
    await fake.waitFor((chs) => byId(waiting.uuid)(chs)?.application === 'playback', 3000); // holding in the reattach loop
    await standby.setTakingCalls(true);
    const { calls, errors } = await standby.orphanCalls();
    assert.deepEqual(errors, []);
    const orphan = (id: string) => calls.find((c) => c.id === id);
    assert.deepEqual(
      calls.map((c) => [c.id, c.bridged]).sort(),
      [
        [waiting.uuid, false],
        [talking.uuid, true],
        [agent.id, true],
      ].sort(),
    );

    // Pulled back at once (the dialplan alone would wait 5 s), same channel.
    const back = nextCall(standby, 1500);
    await orphan(waiting.uuid)!.reclaim();
    const again = await back;
    assert.equal(again.id, waiting.uuid);
    assert.equal(again.state, 'answered');
    assert.deepEqual(fake.channel(waiting.uuid)?.transfers, ['reattach XML switchboard-fallback']);
    assert.equal((await standby.orphanCalls()).calls.some((c) => c.id === waiting.uuid), false, 'driven again: no longer an orphan');

    // The conversation goes on untouched; its end reaches the standby over its inbound connection.
    assert.equal(fake.channel(talking.uuid)?.state, 'bridged');
    await fake.hangup(talking.uuid);
    assert.deepEqual(await withTimeout(orphan(talking.uuid)!.ended, 2000, 'end of the conversation'), { cause: 'NORMAL_CLEARING' });
    // Not taking calls any more: the server stops listening, live legs keep their sockets.
    await standby.setTakingCalls(false);
    assert.equal(again.state, 'answered');
  });

  it('uuid_transfer <uuid> reattach XML switchboard-fallback reconnects a holding caller at once, and ends a live socket first', async () => {
    const fake = await fakeSwitch({ retryDelayMs: 5000, retryRounds: 5 });
    const engine = await engineFor(fake);
    fake.setControlPlanes([{ host: '127.0.0.1', port: await refusedPort() }]);
    const call = fake.placeCall({ from: '+15550006', did: '15550100' });
    await fake.waitFor((chs) => byId(call.uuid)(chs)?.application === 'playback');

    fake.setControlPlanes([cp(engine)]);
    const started = Date.now();
    const arriving = nextCall(engine, 1500);
    assert.equal(await engine.api(`uuid_transfer ${call.uuid} reattach XML switchboard-fallback`), '+OK\n');
    const leg = await arriving;
    assert.equal(leg.id, call.uuid);
    assert.ok(Date.now() - started < 1500);

    // With a socket: the switch ends it (disconnect notice) and the dialplan connects again.
    const second = nextCall(engine, 1500);
    await engine.api(`uuid_transfer ${call.uuid} reattach XML switchboard-fallback`);
    const first = await withTimeout(leg.ended, 2000, 'first leg released');
    assert.equal(first.side, 'remote');
    assert.equal((await second).id, call.uuid);
    const snap = fake.channel(call.uuid);
    assert.deepEqual(snap?.transfers, ['reattach XML switchboard-fallback', 'reattach XML switchboard-fallback']);
    assert.equal(snap?.socketSessions.length, 2);
    assert.equal(snap?.socketSessions[0]?.end, 'transfer reattach XML switchboard-fallback');
  });

  it('with no control plane at all the caller gets the fallback: NORMAL_TEMPORARY_FAILURE', async () => {
    const fake = await fakeSwitch({ retryDelayMs: 50, retryRounds: 2 });
    fake.setControlPlanes([{ host: '127.0.0.1', port: await refusedPort() }]);
    const call = fake.placeCall({ from: '+15550007', did: '15550100' });
    const ended = await fake.waitFor((chs) => {
      const c = byId(call.uuid)(chs);
      return c?.state === 'ended' && c;
    }, 3000);
    assert.equal(ended.endedCause, 'NORMAL_TEMPORARY_FAILURE');
    assert.equal(ended.fallback, 'unavailable');
    assert.equal(ended.socketSessions.length, 0);
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
