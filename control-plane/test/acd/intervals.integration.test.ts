import { strict as assert } from 'node:assert';
import { Acd } from '../../src/acd/Acd.js';
import { persistIntervals } from '../../src/acd/AcdAdmin.js';
import { requirementsSchema } from '../../src/acd/AcdTypes.js';
import { AcdIntervalRepository } from '../../src/store/repositories/acdIntervals.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { agent, ManualClock, MemorySink, queue } from './helpers.js';

describe('ACD 15-minute intervals (real PostgreSQL)', () => {
  let t: TestDb;
  before(async () => void (t = await createTestDb('acd_int')));
  after(async () => t?.drop());

  it('persists one row per queue and agent when an interval closes, with the published formulas', async () => {
    const clock = new ManualClock(Date.parse('2026-01-05T08:00:00Z'));
    const acd = new Acd({ clock, events: new MemorySink(), logger: silentLogger() });
    const repo = new AcdIntervalRepository(t.db);
    const errors: Error[] = [];
    persistIntervals(acd, repo, (e) => errors.push(e));
    acd.upsertQueue(queue({ id: 'q', name: 'Q', settings: { sl: { thresholdSec: 20, target: 0.8, shortAbandonSec: 5 } } }));
    acd.upsertAgent(agent({ id: 'a', name: 'A' }));
    const req = requirementsSchema.parse({ queueId: 'q' });
    // 1) answered after 10 s, talks 60 s
    const i1 = acd.enqueue({ requirements: req }).interactionId;
    clock.advance(10_000);
    acd.login('a');
    acd.accept(i1, 'a');
    // 2) waits behind, abandons after 30 s; 3) abandons after 2 s (short)
    const i2 = acd.enqueue({ requirements: req }).interactionId;
    const i3 = acd.enqueue({ requirements: req }).interactionId;
    clock.advance(2_000);
    acd.abandon(i3);
    clock.advance(28_000);
    acd.abandon(i2);
    clock.advance(30_000);
    acd.complete(i1);
    clock.advance(15 * 60_000);
    // The upserts run in the background: wait (bounded) until the agent row, written last, is there.
    for (let n = 0; n < 100; n++) {
      if ((await repo.agentIntervals('a', Date.parse('2026-01-05T08:00:00Z'), Date.parse('2026-01-05T09:00:00Z'))).length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(errors, []);
    const rows = await repo.queueIntervals('q', Date.parse('2026-01-05T08:00:00Z'), Date.parse('2026-01-05T09:00:00Z'));
    assert.equal(rows.length, 1);
    const r = rows[0]!;
    assert.equal(new Date(r.interval_start as string).toISOString(), '2026-01-05T08:00:00.000Z');
    assert.deepEqual([r.offered, r.answered, r.answered_within_threshold, r.abandoned, r.short_abandoned], [3, 1, 1, 1, 1]);
    assert.equal(r.service_level, 0.5, 'SL = 1 within ÷ (1 answered + 1 abandoned after 5 s)');
    assert.equal(r.asa_ms, 10_000);
    assert.equal(r.aht_ms, 60_000);
    const agentRows = await repo.agentIntervals('a', Date.parse('2026-01-05T08:00:00Z'), Date.parse('2026-01-05T09:00:00Z'));
    assert.equal(agentRows.length, 1);
    assert.equal(agentRows[0]!.handled, 1);
    assert.equal(Number(agentRows[0]!.talk_ms), 60_000);
    // Logged in at 08:00:10: ready 0 s (offered at once), reserved 0, busy 60 s, then ready until 08:15.
    const stateMs = agentRows[0]!.state_ms as Record<string, number>;
    assert.equal(stateMs.busy, 60_000);
    assert.equal(stateMs.ready, 15 * 60_000 - 10_000 - 60_000);
    assert.equal(agentRows[0]!.occupancy, 60_000 / (15 * 60_000 - 10_000));
    assert.equal(acd.agentRealtime('a').today.busy, 60_000);
    acd.close();
  });
});
