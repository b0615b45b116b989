/**
 * VoiceQueue shares the ACD with other owners of voice interactions (the dialer's AcdAgentPool
 * enqueues its answered customers directly): VoiceQueue treats as orphans only interactions
 * rebuilt from the log after a takeover, never a live interaction it did not enqueue.
 */
import { strict as assert } from 'node:assert';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { Acd } from '../../src/acd/Acd.js';
import { VoiceQueue } from '../../src/acd/VoiceQueue.js';
import { silentLogger } from '../../src/logger.js';
import { agent, MemorySink, queue } from './helpers.js';

const START = Date.parse('2026-01-05T08:00:00Z');

describe('VoiceQueue beside another owner of voice interactions (simulator)', function () {
  this.timeout(20_000);

  it('leaves the offer of a voice interaction enqueued by another component alone, and dropUnadopted keeps its waiting ones', async () => {
    const engine = new SimEngine({ seed: 5, startTime: START });
    await engine.start();
    const sink = new MemorySink();
    const acd = new Acd({ clock: engine.clock, events: sink, logger: silentLogger() });
    const voice = new VoiceQueue({ acd, engine, logger: silentLogger() });
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { offerTimeoutSec: 30 } }));
    engine.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 1000 } });
    acd.upsertAgent(agent({ id: 'ann', name: 'Ann', sipUser: 'ann' }));
    acd.login('ann');

    // Another owner (as the dialer does) enqueues two answered customers; it rings the agent itself.
    const enqueue = (n: number) =>
      acd.enqueue({ direction: 'outbound', countInQueueStats: false, restoreAfterRestart: false, requirements: { queueId: 'q', channel: 'voice', skills: [], priority: 100, vip: false }, dialledNumber: `+1212555000${n}` });
    const first = enqueue(1);
    const second = enqueue(2);
    assert.ok(first.accepted && second.accepted);
    await engine.clock.runFor(5000);

    const offered = acd.router.interaction(first.interactionId);
    assert.equal(offered?.phase, 'offered', 'the offer is still with the agent for its owner to ring');
    assert.deepEqual([...offered.offeredTo], ['ann']);
    assert.ok(!sink.types(first.interactionId).includes('offer.rejected'), `offer rejected: ${sink.types(first.interactionId).join(',')}`);
    assert.equal(acd.router.agent('ann').state, 'reserved', 'ann still holds the offer: no failure charged to her');

    assert.deepEqual(voice.dropUnadopted(), [], 'not a rebuilt call: nothing to drop');
    assert.equal(acd.router.interaction(second.interactionId)?.phase, 'waiting', 'the other owner’s waiting call is still queued');
    acd.close();
    await engine.stop();
  });
});
