import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Acd, AcdError } from '../../src/acd/Acd.js';
import { requirementsSchema } from '../../src/acd/AcdTypes.js';
import { silentLogger } from '../../src/logger.js';
import { agent, ManualClock, MemorySink, queue } from './helpers.js';

function make(): { acd: Acd; clock: ManualClock; sink: MemorySink } {
  const clock = new ManualClock();
  const sink = new MemorySink();
  const acd = new Acd({ clock, events: sink, logger: silentLogger() });
  return { acd, clock, sink };
}
const req = (r: Parameters<typeof requirementsSchema.parse>[0]) => requirementsSchema.parse(r);

describe('Acd service (manual clock)', () => {
  it('RONA: unanswered offer goes back with its enqueue time; the agent goes not-ready "no-answer"', () => {
    const { acd, clock, sink } = make();
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { offerTimeoutSec: 15, ronaMaxCount: 1 } }));
    acd.upsertAgent(agent({ id: 'a1', name: 'A1' }));
    acd.upsertAgent(agent({ id: 'a2', name: 'A2' }));
    acd.login('a1');
    clock.advance(1000);
    acd.login('a2');
    const offers: string[][] = [];
    acd.on('offer', (o) => offers.push(o.agentIds));
    const t0 = clock.now();
    const { interactionId } = acd.enqueue({ requirements: req({ queueId: 'q', channel: 'voice' }) }) as { interactionId: string };
    assert.deepEqual(offers, [['a1']], 'longest idle agent first');
    clock.advance(14_999);
    assert.equal(acd.router.agent('a1').state, 'reserved');
    clock.advance(1);
    assert.equal(acd.router.agent('a1').state, 'not-ready');
    assert.equal(acd.router.agent('a1').reason, 'no-answer');
    assert.deepEqual(offers, [['a1'], ['a2']]);
    assert.equal(acd.router.interaction(interactionId)!.enqueuedAt, t0);
    assert.deepEqual(sink.types(interactionId), ['queued', 'offered', 'offer.rejected', 'offered']);
  });

  it('wrap-up: auto ready after the queue wrap-up time; extension bounded by the max', () => {
    const { acd, clock } = make();
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { wrapUp: { mode: 'auto', seconds: 30, maxExtensionSec: 20 } } }));
    acd.upsertAgent(agent({ id: 'a', name: 'A' }));
    acd.login('a');
    const r = acd.enqueue({ requirements: req({ queueId: 'q' }) });
    acd.accept(r.interactionId, 'a');
    assert.equal(acd.router.agent('a').state, 'busy');
    clock.advance(60_000);
    acd.complete(r.interactionId);
    assert.equal(acd.router.agent('a').state, 'wrap-up');
    acd.extendWrapUp('a', 15);
    assert.throws(() => acd.extendWrapUp('a', 10), (e: unknown) => e instanceof AcdError && e.code === 'conflict' && /at most 20 s in total \(already 15 s\)/.test(e.message));
    clock.advance(44_999);
    assert.equal(acd.router.agent('a').state, 'wrap-up');
    clock.advance(1);
    assert.equal(acd.router.agent('a').state, 'ready');
    const today = acd.queueRealtime('q').today;
    assert.equal(today.answered, 1);
    assert.equal(today.ahtMs, 60_000 + 45_000, 'AHT = talk + hold + wrap-up');
  });

  it('escalation fires at the configured second, not before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 0, max: 5000 }), (afterSec, lateMs) => {
        const { acd, clock } = make();
        acd.upsertQueue(queue({ id: 'other', name: 'Other', settings: { skills: [{ skillId: 'fr', minLevel: 1 }] } }));
        acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { skills: [{ skillId: 'de', minLevel: 8 }], escalation: [{ afterSec, action: { kind: 'relax-level', minLevel: 2 } }, { afterSec: afterSec + 1, action: { kind: 'overflow', queueId: 'other' } }] } }));
        acd.upsertAgent(agent({ id: 'a', name: 'A', skills: { de: 3 } }));
        acd.upsertAgent(agent({ id: 'b', name: 'B', skills: { fr: 3 } }));
        clock.advance(lateMs);
        const r = acd.enqueue({ requirements: req({ queueId: 'q' }) });
        acd.login('a');
        clock.advance(afterSec * 1000 - 1);
        assert.equal(acd.router.interaction(r.interactionId)!.phase, 'waiting');
        clock.advance(1);
        assert.equal(acd.router.interaction(r.interactionId)!.phase, 'offered', `relaxed at ${afterSec} s`);
        assert.deepEqual([...acd.router.interaction(r.interactionId)!.offeredTo], ['a']);
        acd.close();
      }),
      { numRuns: 50 },
    );
  });

  it('overflow keeps the original enqueue time and priority; max wait exits a chat with its outcome', () => {
    const { acd, clock, sink } = make();
    acd.upsertQueue(queue({ id: 'backup', name: 'Backup', settings: { maxWaitSec: 120 } }));
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { skills: [{ skillId: 'x', minLevel: 1 }], escalation: [{ afterSec: 30, action: { kind: 'overflow', queueId: 'backup' } }] } }));
    const t0 = clock.now();
    const r = acd.enqueue({ requirements: req({ queueId: 'q', channel: 'chat', priority: 7 }) });
    clock.advance(30_000);
    const i = acd.router.interaction(r.interactionId)!;
    assert.equal(i.queueId, 'backup');
    assert.equal(i.enqueuedAt, t0);
    assert.equal(i.priority, 7);
    clock.advance(90_000);
    assert.equal(acd.isLive(r.interactionId), false, 'max wait counts from the first enqueue');
    assert.equal(sink.rows.get(r.interactionId)!.outcome, 'max-wait');
    assert.deepEqual(sink.types(r.interactionId), ['queued', 'overflowed', 'ended']);
  });

  it('max queue length and join-empty refuse with the configured exit, storing the outcome', () => {
    const { acd, sink } = make();
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { maxLength: 1 } }));
    acd.upsertQueue(queue({ id: 'e', name: 'E', settings: { joinEmpty: false } }));
    assert.equal(acd.enqueue({ requirements: req({ queueId: 'q' }) }).accepted, true);
    const full = acd.enqueue({ requirements: req({ queueId: 'q' }) });
    assert.equal(full.accepted, false);
    assert.equal(!full.accepted && full.reason, 'full');
    assert.equal(sink.rows.get(full.interactionId)!.outcome, 'queue-full');
    const empty = acd.enqueue({ requirements: req({ queueId: 'e' }) });
    assert.equal(!empty.accepted && empty.reason, 'empty');
  });

  it('leave-when-empty sends waiting interactions to the exit when the last agent logs out', () => {
    const { acd } = make();
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { leaveWhenEmpty: true, skills: [{ skillId: 's', minLevel: 5 }] } }));
    acd.upsertAgent(agent({ id: 'a', name: 'A', skills: { s: 5 } }));
    acd.login('a', false);
    const exits: string[] = [];
    acd.on('exit', (e) => exits.push(`${e.interactionId}:${e.reason}`));
    const r = acd.enqueue({ requirements: req({ queueId: 'q', channel: 'email' }) });
    acd.logout('a');
    assert.deepEqual(exits, [`${r.interactionId}:empty`]);
    assert.equal(acd.isLive(r.interactionId), false);
  });

  it('not-ready needs a configured reason code; unknown ids are not-found; conflicts change nothing', () => {
    const { acd } = make();
    acd.upsertQueue(queue({ id: 'q', name: 'Q' }));
    acd.upsertAgent(agent({ id: 'a', name: 'A' }));
    acd.login('a');
    assert.throws(() => acd.setNotReady('a', 'nap'), (e: unknown) => e instanceof AcdError && e.code === 'invalid' && e.field === 'reason' && /reason code nap is not configured/.test(e.message));
    acd.setReasonCodes([{ id: 'lunch', label: 'Lunch', productive: false }]);
    acd.setNotReady('a', 'lunch');
    assert.throws(() => acd.login('zz'), (e: unknown) => e instanceof AcdError && e.code === 'not-found' && /agent zz does not exist/.test(e.message));
    const before = JSON.stringify(acd.router.snapshot());
    assert.throws(() => acd.login('a'), (e: unknown) => e instanceof AcdError && e.code === 'conflict' && /already logged in/.test(e.message));
    assert.equal(JSON.stringify(acd.router.snapshot()), before);
  });

  it('mixing rule: up to N chats while on voice, no voice while over it', () => {
    const { acd } = make();
    acd.upsertQueue(queue({ id: 'q', name: 'Q' }));
    acd.upsertAgent(agent({ id: 'a', name: 'A', capacity: { voice: 1, chat: 3 }, nonVoiceWhileVoice: 1 }));
    acd.login('a');
    const v = acd.enqueue({ requirements: req({ queueId: 'q', channel: 'voice' }) });
    acd.accept(v.interactionId, 'a');
    const c1 = acd.enqueue({ requirements: req({ queueId: 'q', channel: 'chat' }) });
    const c2 = acd.enqueue({ requirements: req({ queueId: 'q', channel: 'chat' }) });
    assert.equal(acd.router.interaction(c1.interactionId)!.phase, 'offered');
    assert.equal(acd.router.interaction(c2.interactionId)!.phase, 'waiting', 'only one chat while on voice');
    acd.complete(v.interactionId);
    assert.equal(acd.router.interaction(c2.interactionId)!.phase, 'offered', 'second chat once voice ends');
  });
});

describe('Acd priorities', () => {
  it('ageing raises a waiting interaction step by step up to the cap, so it overtakes newer higher-priority work', () => {
    const clock = new ManualClock();
    const acd = new Acd({ clock, events: new MemorySink(), logger: silentLogger() });
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { ageing: { everySec: 60, step: 10, max: 25 } } }));
    acd.upsertAgent(agent({ id: 'a', name: 'A' }));
    const old = acd.enqueue({ requirements: requirementsSchema.parse({ queueId: 'q', priority: 0 }) }).interactionId;
    clock.advance(60_000);
    assert.equal(acd.router.interaction(old)!.priority, 10);
    clock.advance(60_000);
    assert.equal(acd.router.interaction(old)!.priority, 20);
    clock.advance(600_000);
    assert.equal(acd.router.interaction(old)!.priority, 25, 'capped at max');
    const fresh = acd.enqueue({ requirements: requirementsSchema.parse({ queueId: 'q', priority: 20 }) }).interactionId;
    acd.login('a');
    assert.equal(acd.router.interaction(old)!.phase, 'offered');
    assert.equal(acd.router.interaction(fresh)!.phase, 'waiting');
    acd.close();
  });

  it('VIP adds the queue boost: a VIP at priority 0 goes before a regular caller at 10 with the default boost of 20', () => {
    const clock = new ManualClock();
    const acd = new Acd({ clock, events: new MemorySink(), logger: silentLogger() });
    acd.upsertQueue(queue({ id: 'q', name: 'Q' }));
    acd.upsertAgent(agent({ id: 'a', name: 'A' }));
    const regular = acd.enqueue({ requirements: requirementsSchema.parse({ queueId: 'q', priority: 10 }) }).interactionId;
    clock.advance(1000);
    const vip = acd.enqueue({ requirements: requirementsSchema.parse({ queueId: 'q', priority: 0, vip: true }) }).interactionId;
    acd.login('a');
    assert.equal(acd.router.interaction(vip)!.phase, 'offered');
    assert.equal(acd.router.interaction(regular)!.phase, 'waiting');
    assert.equal(acd.position(regular), 1);
    acd.close();
  });
});
