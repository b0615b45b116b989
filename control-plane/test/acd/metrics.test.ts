import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { byInterval, estimatedWaitMs, INTERVAL_MS, intervalStart, occupancy, queueStats, recordsBetween, startOfSiteDay, stateDurations, type QueueRecord } from '../../src/acd/metrics.js';

const sl = { thresholdSec: 20, shortAbandonSec: 5 };
const T0 = Date.parse('2026-01-05T08:00:00Z');
const answered = (waitS: number, talkS = 60, wrapS = 10): QueueRecord => ({ queueId: 'q', enqueuedAt: T0, answeredAt: T0 + waitS * 1000, talkMs: talkS * 1000, holdMs: 0, wrapMs: wrapS * 1000 });
const abandoned = (waitS: number): QueueRecord => ({ queueId: 'q', enqueuedAt: T0, abandonedAt: T0 + waitS * 1000 });

describe('queue statistics (the published formulas)', () => {
  it('SL counts answered within the threshold over answered plus abandons after the short-abandon threshold', () => {
    const s = queueStats([answered(10), answered(20), answered(21), abandoned(3), abandoned(5), abandoned(30), { queueId: 'q', enqueuedAt: T0, exitedAt: T0 + 60_000 }], sl);
    assert.equal(s.offered, 7);
    assert.equal(s.answered, 3);
    assert.equal(s.answeredWithinThreshold, 2, 'a wait of exactly 20 s is within a 20 s threshold');
    assert.equal(s.shortAbandoned, 2, 'abandons at or under 5 s are short');
    assert.equal(s.abandoned, 1);
    assert.equal(s.exited, 1);
    assert.equal(s.serviceLevel, 2 / 4);
    assert.equal(s.abandonRate, 1 / 4);
    assert.equal(s.asaMs, (10 + 20 + 21) * 1000 / 3);
    assert.equal(s.ahtMs, 70_000);
    assert.equal(s.maxAnsweredWaitMs, 21_000);
  });

  it('gives null, not 0 or NaN, when nothing was answered or abandoned', () => {
    const s = queueStats([abandoned(1)], sl);
    assert.equal(s.serviceLevel, null);
    assert.equal(s.abandonRate, null);
    assert.equal(s.asaMs, null);
    assert.equal(s.ahtMs, null);
  });

  it('keeps SL and abandon rate in [0,1] for any mix', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ wait: fc.nat(300), ans: fc.boolean() })), (xs) => {
        const s = queueStats(xs.map((x) => (x.ans ? answered(x.wait) : abandoned(x.wait))), sl);
        for (const v of [s.serviceLevel, s.abandonRate]) if (v !== null) assert.ok(v >= 0 && v <= 1);
        assert.equal(s.answered + s.abandoned + s.shortAbandoned, xs.length);
      }),
    );
  });
});

describe('agent occupancy', () => {
  it('is (busy + wrap-up) over available time, leaving not-ready out', () => {
    const d = stateDurations(
      [
        { at: 0, state: 'ready' },
        { at: 100, state: 'busy' },
        { at: 400, state: 'wrap-up' },
        { at: 500, state: 'not-ready' },
        { at: 900, state: 'ready' },
      ],
      0,
      1000,
    );
    assert.deepEqual(d, { 'logged-out': 0, ready: 200, 'not-ready': 400, reserved: 0, busy: 300, 'wrap-up': 100 });
    assert.equal(occupancy(d), 400 / 600);
    assert.equal(occupancy(stateDurations([], 0, 10)), null);
  });

  it('clips to the window and carries the state from before it', () => {
    const d = stateDurations([{ at: 0, state: 'busy' }, { at: 50, state: 'ready' }], 20, 80);
    assert.equal(d.busy, 30);
    assert.equal(d.ready, 30);
  });
});

describe('periods', () => {
  it('buckets by 15-minute interval of queue entry', () => {
    const a = { queueId: 'q', enqueuedAt: T0 + 14 * 60_000, answeredAt: T0 + 16 * 60_000 };
    const b = { queueId: 'q', enqueuedAt: T0 + 15 * 60_000, answeredAt: T0 + 15 * 60_000 + 1 };
    const m = byInterval([a, b]);
    assert.deepEqual([...m.keys()], [T0, T0 + INTERVAL_MS]);
    assert.equal(intervalStart(T0 + INTERVAL_MS - 1), T0);
    assert.deepEqual(recordsBetween([a, b], T0 + 15 * 60_000, T0 + 16 * 60_000), [b]);
  });

  it('finds midnight in the site time zone, not UTC', () => {
    assert.equal(startOfSiteDay(Date.parse('2026-01-05T03:00:00Z'), 'America/New_York'), Date.parse('2026-01-04T05:00:00Z'));
    assert.equal(startOfSiteDay(Date.parse('2026-01-05T03:00:00Z'), 'Europe/Paris'), Date.parse('2026-01-04T23:00:00Z'));
    assert.throws(() => startOfSiteDay(0, 'Mars/Olympus'), /unknown time zone Mars\/Olympus/);
  });

  it('estimates the wait from position, handle time and staffing', () => {
    assert.equal(estimatedWaitMs(3, 120_000, 4), 90_000);
    assert.equal(estimatedWaitMs(3, 120_000, 0), null);
    assert.equal(estimatedWaitMs(1, null, 2), null);
  });
});
