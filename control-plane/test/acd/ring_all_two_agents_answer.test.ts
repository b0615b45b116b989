/**
 * The Asterisk app_queue failure: two agents pick up the same ring-all call. Here the first
 * answer wins, the other phone is told to stop ringing, and the late answer is refused.
 */
import { strict as assert } from 'node:assert';
import { Acd, AcdError } from '../../src/acd/Acd.js';
import { requirementsSchema } from '../../src/acd/AcdTypes.js';
import { silentLogger } from '../../src/logger.js';
import { agent, ManualClock, MemorySink, queue } from './helpers.js';

describe('ring-all: two agents answer the same call', () => {
  it('connects exactly one agent; the other is cancelled and freed, the late answer gets a conflict', () => {
    const clock = new ManualClock();
    const sink = new MemorySink();
    const acd = new Acd({ clock, events: sink, logger: silentLogger() });
    acd.upsertQueue(queue({ id: 'q', name: 'Q', strategy: 'ring-all' }));
    for (const id of ['a1', 'a2', 'a3']) {
      acd.upsertAgent(agent({ id, name: id }));
      acd.login(id);
    }
    const cancelled: string[] = [];
    acd.on('offer.cancelled', (c) => cancelled.push(`${c.agentId}:${c.why}`));
    const { interactionId } = acd.enqueue({ requirements: requirementsSchema.parse({ queueId: 'q', channel: 'voice' }) });
    assert.deepEqual([...acd.router.interaction(interactionId)!.offeredTo].sort(), ['a1', 'a2', 'a3']);

    acd.accept(interactionId, 'a2');
    assert.throws(
      () => acd.accept(interactionId, 'a1'),
      (e: unknown) => e instanceof AcdError && e.code === 'conflict' && /already connected to agent a2/.test(e.message),
    );
    assert.deepEqual(cancelled.sort(), ['a1:taken-by-other', 'a3:taken-by-other']);
    assert.equal(acd.router.agent('a2').state, 'busy');
    assert.equal(acd.router.agent('a1').state, 'ready');
    assert.equal(acd.router.agent('a3').state, 'ready');
    assert.equal(sink.interactionEvents.filter((e) => e.type === 'answered').length, 1);
    // No RONA later for the cancelled offers.
    clock.advance(60_000);
    assert.equal(acd.router.agent('a1').state, 'ready');
  });
});
