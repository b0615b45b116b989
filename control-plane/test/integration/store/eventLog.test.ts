import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { createTestDb, type TestDb } from '../../helpers/db.js';
import { EventLog } from '../../../src/store/EventLog.js';
import { silentLogger } from '../../../src/logger.js';

describe('EventLog (real PostgreSQL)', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb('evlog');
  });
  afterEach(async () => {
    await t.drop();
  });

  it('commits appended events in append order and folds interaction patches into the row', async () => {
    const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 5 });
    const id = randomUUID();
    const t0 = Date.parse('2026-01-05T09:00:00Z');
    log.createInteraction({ id, channel: 'voice', direction: 'inbound', state: 'arrived', arrivedAt: t0, callerNumber: '+15551230001' });
    log.interactionEvent({ interactionId: id, type: 'arrived', at: t0 });
    log.updateInteraction(id, { state: 'queued', queueId: 'sales', queuedAt: t0 + 1000 });
    log.interactionEvent({ interactionId: id, type: 'queued', at: t0 + 1000, queueId: 'sales', data: { priority: 5 } });
    log.agentState({ agentId: 'a1', state: 'reserved', at: t0 + 2000, interactionId: id });
    await log.flush();
    log.updateInteraction(id, { state: 'ended', outcome: 'abandoned', endedAt: t0 + 9000 });
    await log.close();

    const events = await t.db('interaction_events').orderBy('id');
    assert.deepEqual(events.map((e) => e.type), ['arrived', 'queued']);
    assert.equal(events[1].queue_id, 'sales');
    assert.deepEqual(events[1].data, { priority: 5 });
    const row = await t.db('interactions').where({ id }).first();
    assert.equal(row.state, 'ended');
    assert.equal(row.outcome, 'abandoned');
    assert.equal(row.queue_id, 'sales');
    assert.equal(new Date(row.queued_at).getTime(), t0 + 1000);
    const states = await t.db('agent_state_events');
    assert.equal(states.length, 1);
    assert.equal(states[0].state, 'reserved');
  });

  it('retries a failed batch until it commits, without losing or duplicating events', async () => {
    const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1, retryMs: 5, maxRetryMs: 20 });
    let failuresLeft = 3;
    log.onCommit(async () => {
      if (failuresLeft-- > 0) throw new Error('simulated failure inside the transaction');
    });
    const errors: string[] = [];
    log.on('error', (e) => errors.push(e.message));
    const id = randomUUID();
    for (let i = 0; i < 250; i++) log.interactionEvent({ interactionId: id, type: 'ivr.node', at: 1_700_000_000_000 + i, data: { i } });
    await log.flush();
    assert.equal(errors.length, 3);
    const rows = await t.db('interaction_events').orderBy('id').select('data');
    assert.equal(rows.length, 250);
    assert.deepEqual(rows.map((r) => (r.data as { i: number }).i), [...Array(250).keys()]);
    await log.close();
  });

  it('refuses writes after close with a clear error', async () => {
    const log = new EventLog({ db: t.db, logger: silentLogger() });
    await log.close();
    assert.throws(() => log.agentState({ agentId: 'a', state: 'ready', at: 0 }), /event log is closed/);
  });
});
