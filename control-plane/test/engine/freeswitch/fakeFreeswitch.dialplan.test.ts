/**
 * The fake FreeSWITCH's dialplan against the real FreeSwitchEngine: what happens to callers
 * when the control plane's sockets die (socket_resume, the reattach loop, the fallback), a
 * standby that takes calls only once active, and uuid_transfer pulling a caller back.
 */
import assert from 'node:assert/strict';
import { EslConnection } from '../../../src/engine/freeswitch/EslConnection.js';
import { FreeSwitchEngine, INBOUND_EVENTS } from '../../../src/engine/freeswitch/FreeSwitchEngine.js';
import type { FsEvent } from '../../../src/engine/freeswitch/fsEvents.js';
import { SystemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logger.js';
import { fakeSwitchKit, ManualControlPlane, PASSWORD, refusedPort, withTimeout } from './fakeSwitchKit.js';

describe('fake FreeSWITCH: callers when the control plane dies (real FreeSwitchEngine)', function () {
  this.timeout(10000);
  const { cleanups, fakeSwitch, engineFor, crash, nextCall, cp, byId } = fakeSwitchKit();

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
});
