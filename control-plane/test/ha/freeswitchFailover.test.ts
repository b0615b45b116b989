/**
 * Fault test on the production path: two real control-plane processes (control-plane/src/
 * main.ts, HA_ENABLED=true, FreeSWITCH engine) drive a fake FreeSWITCH that speaks real ESL
 * (fixtures/fakeFreeswitch: inbound ESL, outbound sockets, the dialplan's socket_resume and
 * re-attach loop). One agent talks to the first caller, four more callers wait. The active is
 * killed with SIGKILL. The standby must take over, pull the waiting callers back (same
 * channels, same order, nobody hung up or sent to the fallback), leave the conversation
 * bridged, and complete it when it ends, after which the agent serves the next caller.
 * Every interaction's events are in the log once; /metrics tells what happened.
 */
import { strict as assert } from 'node:assert';
import { TEST_DATABASE_URL } from '../helpers/db.js';
import { freePort, FsFailoverStage, killActiveWithCallers, sleep, until, type ControlPlaneProcess } from './fixtures/fsFailoverStage.js';

describe('ha fault on FreeSWITCH: the active control plane is killed with callers waiting and a call in progress', function () {
  this.timeout(90_000);
  const stage = new FsFailoverStage(TEST_DATABASE_URL);
  /** Left by the first test: the active (cp-b) and the ports of the killed one. */
  let survivor: ControlPlaneProcess | null = null;
  let freed: { http: number; sock: number } | null = null;

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(stage.outputs());
  });
  after(async function () {
    await stage.tearDown();
  });

  it('takes over, re-attaches the waiting callers in their order, keeps the conversation, loses and doubles nothing', async function () {
    const [httpA, httpB, sockA, sockB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    await stage.setUp([sockA, sockB]);
    const fs = stage.fs;
    const a = stage.startControlPlane('cp-a', httpA, sockA);
    await until('cp-a active', 30_000, async () => (await stage.role(a)) === 'active');
    const b = stage.startControlPlane('cp-b', httpB, sockB);
    await until('cp-b standby', 30_000, async () => (await stage.role(b)) === 'standby');
    const login = await stage.api(a, 'POST', '/agents/ann/login', {});
    assert.ok(login.ok, `login: ${login.status} ${await login.text()}`);

    // Callers keep dialling every 40 ms through the takeover.
    const round = await killActiveWithCallers(stage, a, b, { waiting: 4, arrivalEveryMs: 40 });
    survivor = b;
    freed = { http: httpA, sock: sockA };
    const { talking, waiters } = round;
    assert.deepEqual(round.waitingBefore, waiters, 'interaction ids are the channel uuids, in arrival order');
    assert.deepEqual(round.waitingAfter.slice(0, 4), waiters, 'same callers, same order, still first on the new active');
    const arrived = round.arrivedDuringTakeover;
    assert.ok(arrived.length >= 5, `${arrived.length} callers dialled during the takeover`);
    assert.deepEqual(new Set(round.waitingAfter.slice(4)), new Set(arrived), 'every caller who dialled meanwhile is waiting too');
    for (const u of arrived) assert.deepEqual([fs.channel(u)?.endedCause, fs.channel(u)?.fallback], [null, null], `${u} kept`);
    for (const u of waiters) {
      const c = fs.channel(u)!;
      assert.equal(c.endedCause, null, `${u} is still on the line`);
      assert.equal(c.fallback, null, `${u} never reached the fallback`);
      assert.equal(stage.socketsTo(c, sockA), 1, `${u} was driven by cp-a once`);
    }
    // The conversation went on without any control plane.
    assert.equal(fs.channel(talking)?.state, 'bridged');
    assert.equal(fs.channel(talking)?.bridgedWith, round.agentLeg);
    assert.equal((await stage.status(b)).agents.find((x) => x.id === 'ann')?.state, 'busy');

    // The first caller hangs up: cp-b completes the call, Ann wraps up and gets the next caller.
    await fs.hangup(talking);
    await until('Ann bridged to the second caller', 30_000, () => fs.channel(waiters[0]!)?.state === 'bridged');
    assert.deepEqual((await stage.status(b)).waiting.map((w) => w.interactionId).slice(0, 3), waiters.slice(1));

    // The log: for every call the IVR's 'queued' (data.flowId) and the ACD's 'queued'
    // (data.channel) once each — a re-run flow or a second enqueue after the takeover would
    // add one — and the first call's 'ended' once.
    const rows = (await stage.db('interaction_events').select('interaction_id', 'type', 'eid', 'data')) as Array<{ interaction_id: string; type: string; eid: string; data: Record<string, unknown> | null }>;
    const count = (id: string, type: string, by: (d: Record<string, unknown>) => boolean = () => true): number =>
      rows.filter((r) => r.interaction_id === id && r.type === type && by(r.data ?? {})).length;
    const lost: string[] = [];
    const doubled: string[] = [];
    const expect = (id: string, what: string, n: number): void => {
      if (n === 0) lost.push(`${id} ${what}`);
      if (n > 1) doubled.push(`${id} ${what} ×${n}`);
    };
    for (const id of [talking, ...waiters, ...arrived]) {
      expect(id, 'queued (IVR)', count(id, 'queued', (d) => 'flowId' in d));
      expect(id, 'queued (ACD)', count(id, 'queued', (d) => 'channel' in d));
    }
    expect(talking, 'ended', count(talking, 'ended'));
    const duplicateEids = rows.length - new Set(rows.map((r) => r.eid)).size;
    const abandoned = rows.filter((r) => r.type === 'abandoned').length;
    console.log(
      `      cp-b active ${round.activeMs} ms after SIGKILL; 4 waiting callers re-attached ${round.reattachedMs} ms after it, in order; ` +
        `with the ${arrived.length} callers who dialled meanwhile, all waiting ${round.allWaitingMs} ms after it ` +
        `(${round.pulled} pulled back by uuid_transfer, ${4 - round.pulled} by the dialplan's retry); ` +
        `events lost: ${lost.length}, duplicated: ${doubled.length + duplicateEids}, abandoned: ${abandoned}`,
    );
    assert.ok(round.activeMs < 5000, `takeover took ${round.activeMs} ms`);
    assert.deepEqual(lost, []);
    assert.deepEqual(doubled, []);
    assert.equal(duplicateEids, 0);
    assert.equal(abandoned, 0, 'nobody counted as abandoned');
    assert.deepEqual(fs.unknownCommands, [], 'the control plane used only commands FreeSWITCH has');

    // What an operator's Prometheus sees on the new active.
    const metrics = await (await fetch(`${b.http}/metrics`)).text();
    const value = (line: RegExp): number => Number(line.exec(metrics)?.[1] ?? NaN);
    // Every caller queued on cp-a before it died was pulled back (the four, and the callers
    // dialling meanwhile whom cp-a had queued already), and so was every other caller nobody
    // drove (in the IVR, or holding in the dialplan's loop).
    const pulledAll = [...waiters, ...arrived].filter((u) => fs.channel(u)?.transfers.includes('reattach XML switchboard-fallback')).length;
    const reclaimed = value(/^switchboard_reattach_calls_total\{outcome="reclaimed"\} (\d+)$/m);
    const pulledIn = value(/^switchboard_reattach_calls_total\{outcome="caller_pulled_in"\} (\d+)$/m) || 0;
    assert.ok(reclaimed >= 4);
    assert.equal(reclaimed + pulledIn, pulledAll);
    assert.equal(value(/^switchboard_reattach_calls_total\{outcome="conversation_followed"\} (\d+)$/m), 1);
    assert.equal(value(/^switchboard_ha_takeovers_total (\d+)$/m), 1);
    assert.ok(value(/^switchboard_routing_decision_seconds_count (\d+)$/m) >= 1, 'routing decisions are timed');
    assert.ok(value(/^switchboard_esl_events_total\{node="127\.0\.0\.1:\d+",event="CHANNEL_EXECUTE_COMPLETE"\} (\d+)$/m) > 0, 'ESL events are counted per node');
  });

  it('a caller whose agent was ringing when the active died is offered to the agent again and connected', async function () {
    if (!survivor || !freed) this.skip();
    const fs = stage.fs;
    const active = survivor!;
    // Clear the first test's calls; the killed instance comes back as the standby.
    for (const c of fs.channels()) if (c.state !== 'ended') await fs.hangup(c.uuid).catch(() => undefined);
    await until('nothing waiting, Ann ready', 20_000, async () => {
      const s = await stage.status(active);
      return s.waiting.length === 0 && s.agents.find((x) => x.id === 'ann')?.state === 'ready';
    });
    const standby = stage.startControlPlane('cp-a2', freed!.http, freed!.sock);
    await until('cp-a2 standby', 30_000, async () => (await stage.role(standby)) === 'standby');

    // Ann's phone rings for 1.5 s: the active dies while it rings.
    fs.setUser('ann', { answerAfterMs: 1500 });
    const caller = fs.placeCall({ from: '+15550002000', did: '+18005550199' });
    const ringing = await until('Ann\'s phone ringing', 10_000, () => fs.channels().find((c) => c.direction === 'outbound' && c.state === 'ringing'));
    assert.equal((await stage.status(active)).agents.find((x) => x.id === 'ann')?.state, 'reserved');
    active.child.kill('SIGKILL');
    await until('cp-a2 active', 10_000, async () => (await stage.role(standby)) === 'active');
    // The dead active's ring ends with it (its socket is gone); the new active rings Ann again.
    await until('the caller bridged to Ann by the new active', 15_000, () => fs.channel(caller.uuid)?.state === 'bridged');
    const agentLeg = fs.channel(fs.channel(caller.uuid)!.bridgedWith!)!;
    assert.notEqual(agentLeg.uuid, ringing.uuid, 'a new call to Ann');
    assert.equal(stage.socketsTo(agentLeg, freed!.sock), 1, 'placed by the new active');
    assert.equal(fs.channel(caller.uuid)?.fallback, null);
    const s = await stage.status(standby);
    assert.deepEqual(s.agents.find((x) => x.id === 'ann')?.interactionId, caller.uuid);
    await sleep(50);
  });
});
