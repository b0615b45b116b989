/**
 * Fault test: PostgreSQL becomes unreachable under load (a TCP proxy between the control
 * plane and the shared server is cut, then restored; the server itself is never touched).
 * The control plane keeps appending (routing from memory), the EventLog queues the writes
 * and flushes them in order when the database is back, and the active keeps its role.
 */
import { strict as assert } from 'node:assert';
import { SystemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EventLog } from '../../src/store/EventLog.js';
import { LeaderElector, withApplicationName } from '../../src/ha/LeaderElector.js';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db.js';
import { TcpProxy } from './tcpProxy.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ha fault: PostgreSQL unreachable under load', function () {
  this.timeout(30_000);
  let tdb: TestDb;
  let proxy: TcpProxy;
  let db: Db;
  let elector: LeaderElector;

  before(async function () {
    tdb = await createTestDb('haout');
    const target = new URL(TEST_DATABASE_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    const url = proxy.rewrite(TEST_DATABASE_URL);
    db = await openDatabase({ kind: 'postgres', url: withApplicationName(url, 'cp-outage') }, { schema: tdb.schema, poolMax: 4 });
    // The outage is on purpose: keep knex's per-attempt connection warnings out of the test output.
    (db.client as { logger: { _warn?: (m: string) => void } }).logger._warn = () => undefined;
    elector = new LeaderElector({
      connectionString: url,
      schema: tdb.schema,
      lockName: tdb.schema,
      instanceId: 'cp-outage',
      clock: new SystemClock(),
      logger: silentLogger(),
      pollMs: 100,
    });
    elector.start();
    await elector.whenActive();
  });

  after(async function () {
    await elector?.stop();
    await db?.destroy();
    await proxy?.close();
    await tdb?.drop();
  });

  it('queues every write while the database is away and flushes them in order, none lost or doubled', async function () {
    const log = new EventLog({ db, logger: silentLogger(), batchMs: 10, retryMs: 50, maxRetryMs: 300 });
    let errors = 0;
    log.on('error', () => errors++);
    const appended: string[] = [];
    let seq = 0;
    let peakPending = 0;
    const interactionId = '00000000-0000-4000-8000-00000000abcd';
    log.createInteraction({ id: interactionId, channel: 'voice', direction: 'inbound', state: 'queued', arrivedAt: Date.now() });
    const load = setInterval(() => {
      for (let i = 0; i < 5; i++) {
        seq += 1;
        appended.push(
          seq % 2 === 0
            ? log.interactionEvent({ interactionId, type: 'escalated', at: Date.now(), queueId: 'support', data: { seq } })
            : log.agentState({ agentId: 'agent-1', state: seq % 4 === 1 ? 'ready' : 'busy', at: Date.now(), data: { seq } }),
        );
      }
      peakPending = Math.max(peakPending, log.pending);
    }, 5);

    await sleep(600);
    const cutAt = Date.now();
    proxy.cut();
    const pendingAtCut = log.pending;
    await sleep(1500);
    const roleDuringOutage = elector.role;
    const lockHeldDuringOutage = elector.status().lockHeld;
    const appendedDuringOutage = seq;
    proxy.restore();
    const restoredAt = Date.now();
    await sleep(600);
    clearInterval(load);
    await log.flush();
    const flushedAt = Date.now();
    await log.close();

    const events = (await tdb.db('interaction_events').select('eid', 'data').orderBy('id')) as Array<{ eid: string; data: { seq: number } }>;
    const states = (await tdb.db('agent_state_events').select('eid', 'data').orderBy('id')) as Array<{ eid: string; data: { seq: number } }>;
    const stored = [...events, ...states];
    const storedEids = new Set(stored.map((r) => r.eid));
    const lost = appended.filter((eid) => !storedEids.has(eid)).length;
    const duplicates = stored.length - storedEids.size;
    const inOrder = (rows: Array<{ data: { seq: number } }>): boolean => rows.every((r, i) => i === 0 || rows[i - 1]!.data.seq < r.data.seq);

    console.log(
      `      appended ${appended.length} writes (${appendedDuringOutage} by the end of a ${restoredAt - cutAt} ms outage; ${pendingAtCut} pending at the cut, peak backlog ${peakPending});\n` +
        `      write errors retried: ${errors}; all flushed ${flushedAt - restoredAt} ms after the database returned (incl. 600 ms of further load); lost ${lost}, duplicated ${duplicates}`,
    );
    assert.ok(errors > 0, 'the outage was real: writes failed meanwhile');
    assert.ok(peakPending > 50, `writes queued in memory during the outage (peak ${peakPending})`);
    assert.equal(lost, 0, 'no write lost');
    assert.equal(duplicates, 0, 'no write doubled');
    assert.equal(stored.length, appended.length);
    assert.ok(inOrder(events) && inOrder(states), 'committed in append order');
    assert.equal(roleDuringOutage, 'active', 'the control plane stays active and routes from memory');
    assert.equal(lockHeldDuringOutage, false);
    const deadline = Date.now() + 3000;
    while (!elector.status().lockHeld && Date.now() < deadline) await sleep(20);
    assert.equal(elector.status().lockHeld, true, 'the lock is re-taken when the database is back');
    assert.equal(elector.takeovers, 1, 'no change of active role');
    const row = await tdb.db('interactions').where({ id: interactionId }).first();
    assert.equal(row.state, 'queued');
  });
});
