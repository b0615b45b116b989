/**
 * Active/standby election against the real PostgreSQL: one active at a time, a standby
 * that takes over when the active goes, fencing of a deposed active, and an active that
 * keeps its role across a database outage.
 */
import { strict as assert } from 'node:assert';
import pg from 'pg';
import { Registry } from 'prom-client';
import { SystemClock } from '../../src/clock.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { ConfigError } from '../../src/envSchema.js';
import { applicationName, LeaderElector, lockKey, withApplicationName } from '../../src/ha/LeaderElector.js';
import type { BecameActive, LostLeadershipReason } from '../../src/ha/LeaderElectorTypes.js';
import { loadHaConfig } from '../../src/ha/config.js';
import { createLeaderElector, haReadinessCheck, registerHaMetrics } from '../../src/ha/index.js';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db.js';
import { TcpProxy } from './tcpProxy.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, check: () => boolean): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - started;
}

describe('ha: active/standby election on a PostgreSQL advisory lock', function () {
  this.timeout(20_000);
  let tdb: TestDb;
  const electors: LeaderElector[] = [];
  const proxies: TcpProxy[] = [];
  let lockName: string;

  function elector(instanceId: string, url = TEST_DATABASE_URL, extra: { reacquireGraceMs?: number } = {}): LeaderElector {
    const e = new LeaderElector({
      connectionString: url,
      schema: tdb.schema,
      lockName,
      instanceId,
      clock: new SystemClock(),
      logger: process.env.HA_TEST_LOG ? createLogger({ level: 'debug' }) : silentLogger(),
      pollMs: 50,
      reacquireGraceMs: extra.reacquireGraceMs ?? 500,
    });
    electors.push(e);
    return e;
  }

  function lostReasons(e: LeaderElector): LostLeadershipReason[] {
    const reasons: LostLeadershipReason[] = [];
    e.on('lost-leadership', ({ reason }) => reasons.push(reason));
    return reasons;
  }

  before(async function () {
    tdb = await createTestDb('ha');
  });

  beforeEach(function () {
    lockName = `${tdb.schema}-${Math.random().toString(36).slice(2, 8)}`;
  });

  afterEach(async function () {
    for (const e of electors.splice(0)) await e.stop();
    for (const p of proxies.splice(0)) await p.close();
  });

  after(async function () {
    await tdb?.drop();
  });

  it('makes exactly one instance active and reports the other as a standby', async function () {
    const a = elector('node-a');
    a.start();
    await a.whenActive();
    const b = elector('node-b');
    b.start();
    await until('b to be a standby', 2000, () => b.role === 'standby');
    await sleep(200);
    assert.equal(a.role, 'active');
    assert.equal(b.role, 'standby');
    assert.deepEqual(a.readiness(), { ready: true, role: 'active', instanceId: 'node-a', lockHeld: true });
    assert.deepEqual(b.readiness(), { ready: false, role: 'standby', instanceId: 'node-b', lockHeld: false });
    assert.equal(await haReadinessCheck(a).check(), 'active (instance node-a)');
    await assert.rejects(haReadinessCheck(b).check(), { message: 'standby (instance node-b): another instance is active' });
    const row = await tdb.db('ha_leadership').where({ lock_name: lockName }).first();
    assert.equal(row.instance_id, 'node-a');
    assert.equal(Number(row.epoch), 1);
  });

  it('hands over at once when the active stops, with typed events and a takeover count', async function () {
    const a = elector('node-a');
    const aLost = lostReasons(a);
    a.start();
    await a.whenActive();
    const b = elector('node-b');
    const became: BecameActive[] = [];
    b.on('became-active', (e) => became.push(e));
    b.start();
    await until('b standby', 2000, () => b.role === 'standby');
    const stoppedAt = Date.now();
    await a.stop();
    const ms = await until('b active', 3000, () => b.role === 'active');
    console.log(`      hand-over after a graceful stop: ${Date.now() - stoppedAt} ms (${ms} ms after stop() returned)`);
    assert.deepEqual(aLost, ['stopped']);
    assert.equal(a.role, 'stopped');
    assert.deepEqual(became, [{ instanceId: 'node-b', previousInstanceId: 'node-a', epoch: 2, takeovers: 1, waitedMs: became[0]!.waitedMs }]);
    assert.equal(b.takeovers, 1);
  });

  it('takes over when the active loses the database, fences it, and the old active steps down when it is back', async function () {
    const proxy = await TcpProxy.start(new URL(TEST_DATABASE_URL).hostname, Number(new URL(TEST_DATABASE_URL).port || 5432));
    proxies.push(proxy);
    const a = elector('node-a', proxy.rewrite(TEST_DATABASE_URL));
    const aLost = lostReasons(a);
    a.start();
    await a.whenActive();
    // Another session of node-a (as its pooled event-log connection would be), straight to the server.
    const aPool = new pg.Client({ connectionString: withApplicationName(TEST_DATABASE_URL, 'node-a') });
    aPool.on('error', () => undefined);
    await aPool.connect();
    const b = elector('node-b');
    b.start();
    await until('b standby', 2000, () => b.role === 'standby');

    const cutAt = Date.now();
    proxy.cut();
    await until('b active', 4000, () => b.role === 'active');
    console.log(`      standby took over ${Date.now() - cutAt} ms after the active's database link was cut`);
    // a keeps routing from memory: it cannot know yet that it was replaced.
    assert.equal(a.role, 'active');
    assert.equal(a.status().lockHeld, false);
    // Fencing ended a's other session.
    await assert.rejects(aPool.query('select 1'));
    await aPool.end().catch(() => undefined);

    proxy.restore();
    await until('a to step down', 4000, () => a.role === 'standby');
    assert.deepEqual(aLost, ['taken-over']);
    assert.equal(b.role, 'active');
    assert.equal(b.status().epoch, 2);
  });

  it('keeps the same active across a database outage seen by both instances', async function () {
    const proxy = await TcpProxy.start(new URL(TEST_DATABASE_URL).hostname, Number(new URL(TEST_DATABASE_URL).port || 5432));
    proxies.push(proxy);
    const url = proxy.rewrite(TEST_DATABASE_URL);
    const a = elector('node-a', url);
    const aLost = lostReasons(a);
    a.start();
    await a.whenActive();
    const b = elector('node-b', url);
    const bBecame: unknown[] = [];
    b.on('became-active', (e) => bBecame.push(e));
    b.start();
    await until('b standby', 2000, () => b.role === 'standby');

    proxy.cut();
    await until('a to notice the outage', 2000, () => !a.status().lockHeld);
    assert.equal(a.role, 'active', 'the active keeps its role while the database is away');
    await sleep(700);
    proxy.restore();
    await until('a to re-take its lock', 4000, () => a.status().lockHeld);
    await sleep(800); // past b's re-acquire grace
    assert.equal(a.role, 'active');
    assert.equal(b.role, 'standby');
    assert.deepEqual(aLost, []);
    assert.deepEqual(bBecame, []);
    assert.equal(a.status().epoch, 1, 'the same holder keeps the same epoch');
  });

  it('exposes role, lock and takeovers as Prometheus metrics', async function () {
    const registry = new Registry();
    const a = elector('node-a');
    registerHaMetrics(registry, a);
    const text = async (): Promise<string> => registry.metrics();
    assert.match(await text(), /^switchboard_ha_active 0$/m);
    a.start();
    await a.whenActive();
    const out = await text();
    assert.match(out, /^switchboard_ha_active 1$/m);
    assert.match(out, /^switchboard_ha_lock_held 1$/m);
    assert.match(out, /^switchboard_ha_takeovers_total 1$/m);
    await a.stop();
    assert.match(await text(), /^switchboard_ha_leadership_lost_total\{reason="stopped"\} 1$/m);
  });

  it('derives a stable 64-bit lock key and a connection name per instance', function () {
    assert.equal(lockKey('switchboard'), lockKey('switchboard'));
    assert.notEqual(lockKey('switchboard'), lockKey('switchboard-2'));
    assert.match(lockKey('x'), /^-?\d+$/);
    assert.equal(applicationName('node-a'), 'switchboard:node-a');
    assert.equal(new URL(withApplicationName('postgres://u:p@db:5432/sb', 'node-a')).searchParams.get('application_name'), 'switchboard:node-a');
  });

  describe('configuration', function () {
    it('is off by default with usable defaults', function () {
      const c = loadHaConfig({});
      assert.equal(c.enabled, false);
      assert.equal(c.lockName, 'switchboard');
      assert.equal(c.pollMs, 250);
      assert.match(c.instanceId, /-\d+$/);
    });

    it('names each bad variable and what is expected', function () {
      assert.throws(
        () => loadHaConfig({ HA_ENABLED: 'maybe', HA_LOCK_NAME: 'has space', HA_POLL_MS: '5' }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.deepEqual(err.problems, [
            'HA_ENABLED="maybe" is invalid: expected true or false',
            'HA_LOCK_NAME="has space" is invalid: expected 1 to 64 letters, digits or _ . : -',
            'HA_POLL_MS="5" is invalid: expected at least 50',
          ]);
          return true;
        },
      );
    });
  });
});

describe('ha: wiring from the environment', function () {
  it('builds no elector when HA is off', function () {
    assert.equal(createLeaderElector(loadHaConfig({}), null, { clock: new SystemClock(), logger: silentLogger() }), null);
  });

  it('refuses HA on the embedded database with a message naming the variables', function () {
    assert.throws(
      () => createLeaderElector(loadHaConfig({ HA_ENABLED: 'true' }), null, { clock: new SystemClock(), logger: silentLogger() }),
      (err: unknown) => err instanceof ConfigError && err.message === 'HA_ENABLED="true" is invalid: active/standby needs DATABASE_URL=postgres://… (the embedded database serves one process)',
    );
  });

  it('builds an elector with the configured lock and instance', function () {
    const e = createLeaderElector(loadHaConfig({ HA_ENABLED: 'yes', HA_INSTANCE_ID: 'cp-9', HA_LOCK_NAME: 'site-a' }), 'postgres://u@db/x', { clock: new SystemClock(), logger: silentLogger() });
    assert.ok(e);
    assert.deepEqual({ role: e.status().role, instanceId: e.status().instanceId, lockName: e.status().lockName }, { role: 'starting', instanceId: 'cp-9', lockName: 'site-a' });
  });
});
