import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { Acd } from '../../src/acd/Acd.js';
import { VoiceQueue } from '../../src/acd/VoiceQueue.js';
import { AcdIvrHandoff } from '../../src/acd/ivrHandoff.js';
import type { QueueResult } from '../../src/ivr/types.js';
import { silentLogger } from '../../src/logger.js';
import { agent, MemorySink, queue } from './helpers.js';

describe('the ACD behind the IVR queue and callback nodes (simulator)', () => {
  it('queues under the IVR interaction id, reports the agent, gives stats, refuses unknown queues, and takes callbacks', async () => {
    const start = Date.parse('2026-01-05T08:00:00Z');
    const engine = new SimEngine({ seed: 9, startTime: start });
    await engine.start();
    const sink = new MemorySink();
    const acd = new Acd({ clock: engine.clock, events: sink, logger: silentLogger() });
    const voice = new VoiceQueue({ acd, engine, logger: silentLogger() });
    const handoff = new AcdIvrHandoff(acd, voice);
    acd.upsertQueue(queue({ id: 'sales', name: 'Sales', settings: { skills: [{ skillId: 'sales', minLevel: 1 }] } }));
    acd.upsertAgent(agent({ id: 'ann', name: 'Ann', sipUser: 'ann', skills: { sales: 5 } }));
    engine.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 1000 } });
    engine.setTarget('+15557654321', { outcome: 'answer', ringTimeMs: 2000, talkTimeMs: 5000 });
    const results: QueueResult[] = [];
    const ids: string[] = [];
    engine.on('call', (leg) => {
      const interactionId = randomUUID();
      ids.push(interactionId);
      const base = { interactionId, skills: ['sales'], priority: 5, vip: false, variables: { account: 42 }, flow: { id: 'main', version: 3 }, signal: new AbortController().signal };
      void handoff.enqueue(leg, { ...base, queue: ids.length === 1 ? 'nowhere' : 'sales' }).then((r) => results.push(r));
    });
    engine.placeCall({ from: '+15550000001', to: '+18005550100' });
    engine.placeCall({ from: '+15550000002', to: '+18005550100', at: start + 1000, talkTimeMs: 20_000 });
    await engine.clock.runFor(3000);
    assert.deepEqual(handoff.stats('sales'), { waiting: 1, ewtSeconds: 0 }, 'one caller waits; no handle time known yet, so no estimate');
    acd.login('ann');
    await engine.clock.runFor(60_000);
    assert.deepEqual(results, [{ outcome: 'failed', reason: 'queue nowhere does not exist' }, { outcome: 'ended', agentId: 'ann' }]);
    assert.ok(sink.types(ids[1]!).includes('answered'), 'logged under the IVR interaction id');
    const cb = await handoff.requestCallback({ interactionId: ids[1]!, queue: 'sales', number: '+15557654321', variables: {}, flow: { id: 'main', version: 3 }, requestedAt: engine.clock.now() });
    await engine.clock.runFor(60_000);
    assert.deepEqual(sink.types(cb.id).filter((t) => ['queued', 'callback.requested', 'answered', 'callback.dialled', 'ended'].includes(t)), ['queued', 'callback.requested', 'answered', 'callback.dialled', 'ended']);
    acd.close();
    await engine.stop();
  });

  it('post-call survey: when the agent hangs up first, a flow with after_agent gets its caller back; without it the caller is hung up', async () => {
    const start = Date.parse('2026-01-05T08:00:00Z');
    const engine = new SimEngine({ seed: 4, startTime: start });
    await engine.start();
    const acd = new Acd({ clock: engine.clock, events: new MemorySink(), logger: silentLogger() });
    const voice = new VoiceQueue({ acd, engine, logger: silentLogger() });
    const handoff = new AcdIvrHandoff(acd, voice);
    acd.upsertQueue(queue({ id: 'sales', name: 'Sales', settings: { skills: [{ skillId: 'sales', minLevel: 1 }], wrapUp: { mode: 'auto', seconds: 1, maxExtensionSec: 0 } } }));
    acd.upsertAgent(agent({ id: 'ann', name: 'Ann', sipUser: 'ann', skills: { sales: 5 } }));
    engine.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 1000 }, talkTimeMs: { kind: 'fixed', ms: 30_000 }, hangsUpFirstProbability: 1 });
    acd.login('ann');
    const results = new Map<string, { result: QueueResult; stateAfter: string }>();
    engine.on('call', (leg) => {
      const wantsSurvey = leg.callerId.number === '+15550000001';
      void handoff
        .enqueue(leg, { interactionId: randomUUID(), queue: 'sales', skills: ['sales'], priority: 0, vip: false, variables: {}, flow: { id: 'csat', version: 1 }, signal: new AbortController().signal, ...(wantsSurvey ? { returnAfterAgent: true } : {}) })
        .then((result) => results.set(leg.callerId.number, { result, stateAfter: leg.state }));
    });
    engine.placeCall({ from: '+15550000001', to: '+18005550103' });
    engine.placeCall({ from: '+15550000002', to: '+18005550103', at: start + 60_000 });
    await engine.clock.runFor(120_000);
    assert.deepEqual(results.get('+15550000001'), { result: { outcome: 'returned', agentId: 'ann' }, stateAfter: 'answered' }, 'the caller is back with the flow, still on the line');
    assert.deepEqual(results.get('+15550000002'), { result: { outcome: 'ended', agentId: 'ann' }, stateAfter: 'ended' });
    const survivor = engine.activeLegs.find((l) => l.callerId.number === '+15550000001');
    assert.ok(survivor, 'the first caller is still connected (the survey can run)');
    assert.equal(survivor.variables.park_after_bridge, 'true');
    acd.close();
    await engine.stop();
  });
});
