/**
 * After a takeover the switch still carries the previous active's calls. The new active's
 * CallReattacher asks for them (orphanCalls), pulls waiting callers back (reclaim → they
 * arrive again as calls with their interaction id), keeps their order, follows a conversation
 * still going on until the switch reports its end (then the agent goes to wrap-up), counts a
 * caller who left meanwhile as an abandon, and drops one that never comes back once the
 * window has passed. Simulator for the media, real PostgreSQL for the log.
 */
import { strict as assert } from 'node:assert';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import type { CallLeg, OrphanCall, OrphanCallList } from '../../src/engine/port.js';
import { Acd } from '../../src/acd/Acd.js';
import { VoiceQueue } from '../../src/acd/VoiceQueue.js';
import { CallReattacher } from '../../src/acd/reattach.js';
import { interactionIdForLeg } from '../../src/ivr/interactionId.js';
import { EventLog } from '../../src/store/EventLog.js';
import { AgentRepository } from '../../src/store/repositories/agents.js';
import { QueueRepository } from '../../src/store/repositories/queues.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { agent, queue } from './helpers.js';

/** Interactions waiting in queue `q`, in queue order. */
function waitingIn(acd: Acd): string[] {
  return [...acd.router.interactions()]
    .filter((i) => i.queueId === 'q' && i.phase !== 'connected')
    .map((i) => i.id)
    .sort((a, b) => acd.position(a) - acd.position(b));
}

describe('ACD re-attachment of the previous active\'s calls (simulator + real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  before(async () => {
    t = await createTestDb('acd_reattach');
    await new QueueRepository(t.db).upsert(queue({ id: 'q', name: 'Q' }));
    await new AgentRepository(t.db).upsert(agent({ id: 'ann', name: 'Ann', sipUser: 'ann' }));
  });
  after(async () => t?.drop());

  it('pulls waiting callers back in their order, follows the conversation, abandons the gone, drops the silent', async () => {
    const start = Date.parse('2026-03-02T09:00:00Z');
    const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });

    // The active that will die: Ann talks to the first caller, four more wait.
    const sim1 = new SimEngine({ seed: 7, startTime: start });
    await sim1.start();
    sim1.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 500 } });
    const acd1 = new Acd({ clock: sim1.clock, events: log, logger: silentLogger() });
    await acd1.rebuildFromLog(t.db);
    const voice1 = new VoiceQueue({ acd: acd1, engine: sim1, logger: silentLogger() });
    sim1.on('call', (leg) => void voice1.enqueueVoice(leg, { queueId: 'q', interactionId: interactionIdForLeg(leg) }).catch(() => undefined));
    acd1.login('ann');
    for (let n = 0; n < 5; n++) sim1.placeCall({ from: `+1555000000${n}`, to: '+18005550100', at: start + 1000 * (n + 1), talkTimeMs: 600_000 });
    await sim1.clock.runFor(10_000);
    const before = [...acd1.router.interactions()];
    const talking = before.find((i) => i.phase === 'connected');
    assert.ok(talking, 'Ann is talking to the first caller');
    const waiting = waitingIn(acd1);
    assert.equal(waiting.length, 4);
    const [stillThere1, stillThere2, leftMeanwhile, neverBack] = waiting as [string, string, string, string];
    await log.flush();
    acd1.close(); // crash: nothing ends, the switch keeps the calls

    // The new active on the same switch (a fresh simulator stands for it).
    const sim2 = new SimEngine({ seed: 8, startTime: start + 12_000 });
    await sim2.start();
    sim2.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 500 } });
    const acd2 = new Acd({ clock: sim2.clock, events: log, logger: silentLogger() });
    const rebuilt = await acd2.rebuildFromLog(t.db);
    assert.equal(rebuilt.interactions, 5);
    const voice2 = new VoiceQueue({ acd: acd2, engine: sim2, logger: silentLogger() });

    // What the switch still carries, as the FreeSWITCH engine would list it.
    let endConversation!: (e: { cause: string }) => void;
    const reclaimed: string[] = [];
    const orphan = (id: string, over: Partial<OrphanCall> = {}): OrphanCall => ({
      id,
      nodeId: 'fs1',
      direction: 'inbound',
      bridged: false,
      ended: new Promise(() => undefined),
      reclaim: async () => {
        reclaimed.push(id);
        // The dialplan's re-attach loop: the same channel reaches the control plane again.
        sim2.placeCall({ from: '+15550009999', to: '+18005550100', variables: { interaction_id: id }, talkTimeMs: 60_000 });
      },
      ...over,
    });
    const engine2 = Object.assign(Object.create(sim2) as SimEngine, {
      orphanCalls: async (): Promise<OrphanCallList> => ({
        calls: [
          orphan(talking.id, { bridged: true, ended: new Promise((resolve) => (endConversation = resolve)) }),
          orphan(stillThere2),
          orphan(stillThere1),
          orphan(neverBack, { reclaim: () => Promise.reject(new Error('-ERR No such channel!')) }),
          // A caller who was still in the IVR: pulled in too, the flow starts again.
          orphan('0f0f0f0f-0000-4000-8000-00000000ff01', {
            reclaim: async () => void sim2.placeCall({ from: '+15550007777', to: '+18005550100', variables: { interaction_id: '0f0f0f0f-0000-4000-8000-00000000ff01' } }),
          }),
          // The dead active's ring to an agent: not a caller, left alone.
          orphan('0f0f0f0f-0000-4000-8000-00000000ff02', { direction: 'outbound', reclaim: () => Promise.reject(new Error('an outbound leg must not be pulled')) }),
        ],
        errors: [],
      }),
    });
    const reattacher = new CallReattacher({ acd: acd2, voice: voice2, engine: engine2, logger: silentLogger(), interactionIdOf: interactionIdForLeg, windowMs: 10_000 });
    const claimedByIvr: CallLeg[] = [];
    sim2.on('call', (leg) => {
      if (!reattacher.claim(leg)) claimedByIvr.push(leg);
    });
    const connected: string[] = [];
    acd2.on('interaction.connected', (e) => connected.push(e.interactionId));
    const report = await reattacher.start();
    assert.deepEqual(report, { restored: 5, reclaimed: 3, othersReclaimed: 1, reclaimFailed: 1, goneWhileAway: 1, connectedFollowed: 1, connectedEnded: 0, nodeErrors: [], unsupported: false });
    assert.equal(acd2.router.interaction(leftMeanwhile), undefined, 'the caller who left is no longer queued');

    await sim2.clock.runFor(1000);
    assert.deepEqual(claimedByIvr.map((l) => l.variables.interaction_id), ['0f0f0f0f-0000-4000-8000-00000000ff01'], 'queued callers never restart the IVR; the IVR caller does');
    assert.ok(voice2.isHandling(stillThere1) && voice2.isHandling(stillThere2));
    assert.deepEqual(waitingIn(acd2), [stillThere1, stillThere2, neverBack], 'the same order as before the crash');
    assert.equal(acd2.router.agent('ann').state, 'busy', 'Ann is still in her conversation');

    // The conversation ends on the switch: Ann goes to wrap-up, then serves the next in order.
    endConversation({ cause: 'NORMAL_CLEARING' });
    await sim2.clock.runFor(100);
    assert.equal(acd2.isLive(talking.id), false);
    await sim2.clock.runFor(300_000);
    assert.deepEqual(connected.slice(0, 2), [stillThere1, stillThere2]);
    assert.equal(acd2.isLive(neverBack), false, 'dropped once the window passed');

    const rows = (await (async () => {
      await log.flush();
      return t.db('interaction_events').whereIn('interaction_id', [leftMeanwhile, neverBack, talking.id]).select('interaction_id', 'type', 'data');
    })()) as Array<{ interaction_id: string; type: string; data: unknown }>;
    const typesOf = (id: string): string[] => rows.filter((r) => r.interaction_id === id).map((r) => r.type);
    assert.ok(typesOf(leftMeanwhile).includes('abandoned'));
    assert.ok(typesOf(neverBack).includes('ended'));
    assert.ok(typesOf(talking.id).includes('ended'));
    reattacher.close();
    acd2.close();
    await log.close();
    await sim1.stop();
    await sim2.stop();
  });

  it('follows a connected call whose customer leg is not the interaction id (the dialer\'s leg_id) until the switch ends it', async () => {
    const start = Date.parse('2026-03-02T11:00:00Z');
    const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });
    const sim1 = new SimEngine({ seed: 3, startTime: start });
    const acd1 = new Acd({ clock: sim1.clock, events: log, logger: silentLogger() });
    await acd1.rebuildFromLog(t.db);
    if (acd1.router.agent('ann').state === 'logged-out') acd1.login('ann');
    assert.equal(acd1.router.agent('ann').state, 'ready');
    const legId = '5a5a5a5a-0000-4000-8000-000000000001';
    const res = acd1.enqueue({ requirements: { queueId: 'q', channel: 'voice', skills: [], priority: 0, vip: false }, direction: 'outbound', variables: { campaign_id: 'c1', leg_id: legId } });
    assert.ok(res.accepted);
    acd1.accept(res.interactionId, 'ann');
    await log.flush();
    acd1.close();

    const sim2 = new SimEngine({ seed: 4, startTime: start + 5000 });
    const acd2 = new Acd({ clock: sim2.clock, events: log, logger: silentLogger() });
    await acd2.rebuildFromLog(t.db);
    assert.deepEqual(acd2.restoredVoice().map((r) => [r.id, r.legId, r.phase]), [[res.interactionId, legId, 'connected']]);
    const voice2 = new VoiceQueue({ acd: acd2, engine: sim2, logger: silentLogger() });
    let end!: (e: { cause: string }) => void;
    const engine2 = Object.assign(Object.create(sim2) as SimEngine, {
      orphanCalls: async (): Promise<OrphanCallList> => ({
        calls: [{ id: legId, nodeId: 'fs1', direction: 'outbound', bridged: true, ended: new Promise<{ cause: string }>((r) => (end = r)), reclaim: () => Promise.reject(new Error('never pulled')) }],
        errors: [],
      }),
    });
    const reattacher = new CallReattacher({ acd: acd2, voice: voice2, engine: engine2, logger: silentLogger(), interactionIdOf: interactionIdForLeg, windowMs: 5000 });
    const report = await reattacher.start();
    assert.equal(report.connectedFollowed, 1);
    assert.equal(report.connectedEnded, 0, 'the call is still on the switch: Ann is not put in wrap-up');
    assert.equal(acd2.router.agent('ann').state, 'busy');
    end({ cause: 'NORMAL_CLEARING' });
    await sim2.clock.runFor(10);
    assert.equal(acd2.isLive(res.interactionId), false, 'completed when the switch reported the end');
    reattacher.close();
    acd2.close();
    await log.close();
  });

  it('thanks and lets go a caller whose conversation had ended (kept for a survey) instead of running the flow again', async () => {
    const start = Date.parse('2026-03-02T13:00:00Z');
    const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });
    const sim1 = new SimEngine({ seed: 5, startTime: start });
    const acd1 = new Acd({ clock: sim1.clock, events: log, logger: silentLogger() });
    await acd1.rebuildFromLog(t.db);
    if (acd1.router.agent('ann').state === 'logged-out') acd1.login('ann');
    const id = '6b6b6b6b-0000-4000-8000-000000000001';
    assert.ok(acd1.enqueue({ id, requirements: { queueId: 'q', channel: 'voice', skills: [], priority: 0, vip: false } }).accepted);
    acd1.accept(id, 'ann');
    acd1.complete(id, 'agent-hung-up'); // the agent left; the caller stays for the survey
    await log.flush();
    acd1.close();

    const sim2 = new SimEngine({ seed: 6, startTime: start + 60_000 });
    await sim2.start();
    const acd2 = new Acd({ clock: sim2.clock, events: log, logger: silentLogger() });
    await acd2.rebuildFromLog(t.db);
    assert.equal(acd2.endedBeforeRestart(id), true);
    const voice2 = new VoiceQueue({ acd: acd2, engine: sim2, logger: silentLogger() });
    const engine2 = Object.assign(Object.create(sim2) as SimEngine, {
      orphanCalls: async (): Promise<OrphanCallList> => ({
        calls: [
          {
            id,
            nodeId: 'fs1',
            direction: 'inbound',
            bridged: false,
            ended: new Promise<{ cause: string }>(() => undefined),
            reclaim: async () => void sim2.placeCall({ from: '+15550008888', to: '+18005550100', variables: { interaction_id: id } }),
          },
        ],
        errors: [],
      }),
    });
    const reattacher = new CallReattacher({ acd: acd2, voice: voice2, engine: engine2, logger: silentLogger(), interactionIdOf: interactionIdForLeg, windowMs: 5000 });
    const toIvr: CallLeg[] = [];
    let leg: CallLeg | null = null;
    sim2.on('call', (l) => {
      leg = l;
      if (!reattacher.claim(l)) toIvr.push(l);
    });
    const report = await reattacher.start();
    assert.equal(report.othersReclaimed, 1);
    await sim2.clock.runFor(30_000);
    assert.equal(toIvr.length, 0, 'the flow does not start again');
    assert.ok(leg, 'the caller came back');
    assert.equal((leg as CallLeg).state, 'ended', 'thanked and let go');
    assert.equal(acd2.isLive(id), false, 'nothing queued again');
    reattacher.close();
    acd2.close();
    await log.close();
    await sim2.stop();
  });
});
