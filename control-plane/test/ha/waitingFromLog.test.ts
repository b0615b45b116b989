import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { waitingFromLog, type LoggedEvent } from '../../src/ha/waitingFromLog.js';

const ev = (id: number, interactionId: string, type: string, at: number, queueId: string | null = 'q1', data?: Record<string, unknown>): LoggedEvent => ({
  id,
  interactionId,
  type,
  at,
  queueId,
  ...(data ? { data } : {}),
});

describe('ha: waiting interactions rebuilt from the event log', function () {
  it('keeps callers in the order they entered the queue, dropping those who left', function () {
    const events = [
      ev(1, 'c1', 'queued', 1000),
      ev(2, 'c2', 'queued', 1100),
      ev(3, 'c3', 'queued', 1050),
      ev(4, 'c1', 'offered', 1200, 'q1'),
      ev(5, 'c1', 'offer.rejected', 1300, 'q1'),
      ev(6, 'c2', 'answered', 1400),
      ev(7, 'c4', 'queued', 1500, 'q2'),
      ev(8, 'c5', 'queued', 1600),
      ev(9, 'c5', 'abandoned', 1700),
      ev(10, 'c3', 'overflowed', 1800, 'q1', { toQueue: 'q2' }),
    ];
    assert.deepEqual(Object.fromEntries(waitingFromLog(events)), { q1: ['c1'], q2: ['c4', 'c3'] });
  });

  it('gives the same answer whatever order the rows are read in, and never lists a caller who left', function () {
    fc.assert(
      fc.property(
        fc.array(fc.record({ who: fc.integer({ min: 0, max: 9 }), leaves: fc.boolean(), at: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 40 }),
        fc.integer(),
        (steps, seed) => {
          const events: LoggedEvent[] = [];
          const queuedAt = new Map<string, number>();
          steps.forEach((s, i) => {
            const id = `c${s.who}`;
            if (s.leaves) {
              events.push(ev(i + 1, id, 'ended', s.at));
              queuedAt.delete(id);
            } else {
              events.push(ev(i + 1, id, 'queued', s.at));
              if (!queuedAt.has(id)) queuedAt.set(id, s.at);
            }
          });
          const shuffled = [...events].sort((a, b) => ((a.id * 7919 + seed) % 101) - ((b.id * 7919 + seed) % 101));
          const waiting = waitingFromLog(shuffled).get('q1') ?? [];
          assert.deepEqual(waitingFromLog(events).get('q1') ?? [], waiting);
          assert.deepEqual(new Set(waiting), new Set(queuedAt.keys()));
          for (let i = 1; i < waiting.length; i++) assert.ok(queuedAt.get(waiting[i - 1]!)! <= queuedAt.get(waiting[i]!)!);
        },
      ),
    );
  });
});
