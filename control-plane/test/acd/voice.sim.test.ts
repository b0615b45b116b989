/** Scenario tests of the voice ACD on the simulator (virtual time, deterministic). */
import { strict as assert } from 'node:assert';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { Acd } from '../../src/acd/Acd.js';
import { VoiceQueue, type VoiceOutcome } from '../../src/acd/VoiceQueue.js';
import { silentLogger } from '../../src/logger.js';
import { agent, MemorySink, queue } from './helpers.js';
import type { QueueInput } from '../../src/acd/AcdTypes.js';

const START = Date.parse('2026-01-05T08:00:00Z');

async function setup(queues: QueueInput[], agents: Array<{ id: string; skills?: Record<string, number>; noAnswer?: boolean; answerMs?: number }>, entryQueue?: string) {
  const engine = new SimEngine({ seed: 3, startTime: START });
  await engine.start();
  const sink = new MemorySink();
  const acd = new Acd({ clock: engine.clock, events: sink, logger: silentLogger() });
  const voice = new VoiceQueue({ acd, engine, logger: silentLogger() });
  for (const q of queues) acd.upsertQueue(queue(q));
  for (const a of agents) {
    engine.addAgentEndpoint({ user: a.id, answerDelayMs: { kind: 'fixed', ms: a.answerMs ?? 2000 }, noAnswerProbability: a.noAnswer ? 1 : 0 });
    acd.upsertAgent(agent({ id: a.id, name: a.id, sipUser: a.id, skills: a.skills ?? {} }));
  }
  const outcomes = new Map<string, VoiceOutcome & { at: number }>();
  const connected: Array<{ interactionId: string; agentId: string; at: number }> = [];
  acd.on('interaction.connected', (e) => connected.push({ interactionId: e.interactionId, agentId: e.agentId, at: engine.clock.now() }));
  const callQueue = new Map<string, string>();
  engine.on('call', (leg) => {
    const queueId = callQueue.get(leg.callerId.number) ?? entryQueue ?? queues[0]!.id;
    void voice.enqueueVoice(leg, { queueId }).then((o) => outcomes.set(leg.callerId.number, { ...o, at: engine.clock.now() }));
  });
  return { engine, acd, sink, voice, outcomes, connected, callQueue };
}

describe('voice ACD on the simulator', function () {
  this.timeout(20_000);

  it('RONA: the agent who does not answer goes not-ready "no-answer"; the call rings the next agent and keeps its enqueue time', async () => {
    const { engine, acd, outcomes, connected } = await setup(
      [{ id: 'q', name: 'Q', settings: { offerTimeoutSec: 10, ronaMaxCount: 1 } }],
      [{ id: 'sleepy', noAnswer: true }, { id: 'alert' }],
    );
    acd.login('sleepy');
    await engine.clock.runFor(1000);
    acd.login('alert');
    engine.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 30_000 });
    await engine.clock.runFor(9_000);
    assert.equal(acd.router.agent('sleepy').state, 'reserved', 'rings the longest-idle agent first');
    await engine.clock.runFor(2_000);
    assert.equal(acd.router.agent('sleepy').state, 'not-ready');
    assert.equal(acd.router.agent('sleepy').reason, 'no-answer');
    await engine.clock.runFor(5_000);
    assert.equal(connected.length, 1);
    assert.equal(connected[0]!.agentId, 'alert');
    await engine.clock.runFor(60_000);
    assert.equal(outcomes.get('+15550000001')?.outcome, 'answered');
    assert.equal(acd.router.agent('alert').state, 'ready');
    const rec = acd.queueRealtime('q').today;
    assert.equal(rec.answered, 1);
    assert.ok(rec.asaMs! >= 10_000, `ASA counts from the first enqueue (${rec.asaMs} ms)`);
  });

  it('wrap-up: after the caller hangs up the agent is in wrap-up for the queue time, then ready and offered the next call', async () => {
    const { engine, acd, connected } = await setup([{ id: 'q', name: 'Q', settings: { wrapUp: { mode: 'auto', seconds: 30, maxExtensionSec: 0 } } }], [{ id: 'ann', answerMs: 1000 }]);
    const states: Array<{ state: string; at: number }> = [];
    acd.on('agent.state', (e) => states.push({ state: e.state, at: e.at }));
    acd.login('ann');
    engine.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 20_000 });
    engine.placeCall({ from: '+15550000002', to: '+18005550100', talkTimeMs: 20_000, at: START + 5_000 });
    await engine.clock.runFor(25_000);
    assert.equal(acd.router.agent('ann').state, 'wrap-up');
    await engine.clock.runFor(60_000);
    const wrap = states.find((s) => s.state === 'wrap-up')!;
    const ready = states.find((s) => s.at > wrap.at && s.state !== 'wrap-up')!;
    assert.equal(ready.state, 'reserved', 'straight from wrap-up to the waiting caller');
    assert.equal(ready.at - wrap.at, 30_000, 'wrap-up lasts exactly the queue setting');
    assert.equal(connected.length, 2);
    assert.ok(connected[1]!.at >= ready.at, 'the waiting caller is offered only after wrap-up');
  });

  it('callback keeps its place: the caller hangs up, is routed before later callers, the agent is rung first, then the customer is dialled', async () => {
    const { engine, acd, sink, outcomes, connected } = await setup(
      [{ id: 'q', name: 'Q', settings: { callback: { enabled: true, digit: '*', autoOnAbandon: false, callerId: '+18005550100' } } }],
      [{ id: 'ann', answerMs: 1000 }],
    );
    acd.login('ann');
    engine.setTarget('5551234', { outcome: 'answer', ringTimeMs: 3000, talkTimeMs: 15_000 });
    engine.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 120_000 });
    engine.placeCall({
      from: '+15550000002',
      to: '+18005550100',
      at: START + 2_000,
      script: [{ afterMs: 3_000, dtmf: '*' }, { waitForPrompt: 'enter the number', afterMs: 500, dtmf: '5551234#' }],
    });
    engine.placeCall({ from: '+15550000003', to: '+18005550100', at: START + 4_000, talkTimeMs: 10_000 });
    await engine.clock.runFor(40_000);
    const cb = outcomes.get('+15550000002');
    assert.equal(cb?.outcome, 'callback', JSON.stringify(cb));
    assert.equal(cb?.outcome === 'callback' && cb.number, '5551234');
    assert.equal(acd.isLive(cb!.interactionId), true, 'still in the queue');
    await engine.clock.runFor(200_000);
    assert.deepEqual(connected.map((c) => c.interactionId).slice(1, 3)[0], cb!.interactionId, 'the callback is served before the later caller');
    assert.ok(sink.types(cb!.interactionId).includes('callback.dialled'));
    assert.equal(outcomes.get('+15550000003')?.outcome, 'answered');
  });

  it('overflow: nobody has the skill, after 30 s the call moves to the backup queue and is answered there', async () => {
    const { engine, acd, connected, sink } = await setup(
      [
        { id: 'backup', name: 'Backup' },
        { id: 'expert', name: 'Expert', settings: { skills: [{ skillId: 'rare', minLevel: 9 }], escalation: [{ afterSec: 30, action: { kind: 'overflow', queueId: 'backup' } }] } },
      ],
      [{ id: 'gen', skills: { rare: 2 }, answerMs: 1000 }],
      'expert',
    );
    acd.login('gen');
    engine.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 10_000 });
    await engine.clock.runFor(29_000);
    assert.equal(connected.length, 0);
    await engine.clock.runFor(5_000);
    assert.equal(connected.length, 1);
    assert.ok(connected[0]!.at - START >= 31_000);
    assert.ok(sink.types(connected[0]!.interactionId).includes('overflowed'));
  });

  it('ring-all on real legs: two phones answer at the same moment, one call is bridged, the other phone is hung up', async () => {
    const { engine, acd, connected, outcomes } = await setup([{ id: 'q', name: 'Q', strategy: 'ring-all' }], [{ id: 'a1', answerMs: 2000 }, { id: 'a2', answerMs: 2000 }, { id: 'a3', answerMs: 2500 }]);
    for (const id of ['a1', 'a2', 'a3']) acd.login(id);
    engine.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 20_000 });
    await engine.clock.runFor(5_000);
    assert.equal(connected.length, 1);
    const busy = [...acd.router.agents()].filter((a) => a.state === 'busy').map((a) => a.id);
    assert.equal(busy.length, 1);
    await engine.clock.runFor(30_000);
    assert.equal(outcomes.get('+15550000001')?.outcome, 'answered');
    assert.deepEqual([...acd.router.agents()].map((a) => a.state), ['ready', 'ready', 'ready']);
  });

  it('announces position and estimated wait periodically while the caller waits, and max wait sends to voicemail', async () => {
    const { engine, acd, outcomes } = await setup(
      [{ id: 'q', name: 'Q', settings: { announcements: { everySec: 30, position: true, ewt: true, skippable: true }, maxWaitSec: 100, maxWaitAction: { kind: 'voicemail', target: 'sip:sales@voicemail.local' } } }],
      [{ id: 'ann', answerMs: 1000 }],
    );
    acd.upsertAgent({ ...acd.router.agent('ann').config });
    acd.login('ann', false);
    let legId = '';
    engine.on('call', (leg) => void (legId ||= leg.id));
    engine.placeCall({ from: '+15550000001', to: '+18005550100' });
    engine.placeCall({ from: '+15550000002', to: '+18005550100', at: START + 1000 });
    await engine.clock.runFor(65_000);
    const heard = engine.leg(legId)!.promptsHeard.map((p) => p.text).filter((t) => t.includes('in the queue'));
    assert.deepEqual(heard, ['You are number 1 in the queue.', 'You are number 1 in the queue.'], 'no EWT is announced before any handle time is known');
    await engine.clock.runFor(60_000);
    assert.equal(outcomes.get('+15550000001')?.outcome, 'voicemail');
    assert.equal(engine.stats().transfers, 2);
  });

  it('auto-callback: a caller who abandons after the short-abandon threshold is called back when an agent is free', async () => {
    const { engine, acd, sink, outcomes } = await setup(
      [{ id: 'q', name: 'Q', settings: { callback: { enabled: true, digit: '*', autoOnAbandon: true, callerId: '+18005550100' }, sl: { thresholdSec: 20, target: 0.8, shortAbandonSec: 5 } } }],
      [{ id: 'ann', answerMs: 1000 }],
    );
    engine.setTarget('+15550000001', { outcome: 'answer', ringTimeMs: 2000, talkTimeMs: 10_000 });
    engine.placeCall({ from: '+15550000001', to: '+18005550100', patienceMs: 30_000 });
    engine.placeCall({ from: '+15550000002', to: '+18005550100', patienceMs: 3_000 });
    await engine.clock.runFor(40_000);
    assert.equal(outcomes.get('+15550000001')?.outcome, 'abandoned');
    assert.equal(outcomes.get('+15550000002')?.outcome, 'abandoned');
    const callbacks = sink.interactionEvents.filter((e) => e.type === 'callback.requested');
    assert.equal(callbacks.length, 1, 'only the caller who waited past the short-abandon threshold');
    assert.equal(callbacks[0]!.data!.number, '+15550000001');
    acd.login('ann');
    await engine.clock.runFor(30_000);
    assert.ok(sink.types(callbacks[0]!.interactionId).includes('callback.dialled'));
    assert.ok(sink.types(callbacks[0]!.interactionId).includes('ended'));
  });
});
