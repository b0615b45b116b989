/**
 * The active role's start-up and wind-down sequence, driven by real elections on PostgreSQL.
 */
import { strict as assert } from 'node:assert';
import { SystemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { ActiveRole, type RoleParticipant } from '../../src/ha/ActiveRole.js';
import { LeaderElector } from '../../src/ha/LeaderElector.js';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('ha: the active role runs its participants in order', function () {
  this.timeout(15_000);
  let tdb: TestDb;
  const electors: LeaderElector[] = [];

  const elector = (instanceId: string, lockName: string): LeaderElector => {
    const e = new LeaderElector({ connectionString: TEST_DATABASE_URL, schema: tdb.schema, lockName, instanceId, clock: new SystemClock(), logger: silentLogger(), pollMs: 50 });
    electors.push(e);
    return e;
  };

  const participant = (name: string, journal: string[], options: { failActivate?: boolean; activateMs?: number } = {}): RoleParticipant => ({
    name,
    async activate(ctx) {
      if (options.activateMs) await sleep(options.activateMs);
      if (options.failActivate) throw new Error(`${name} could not read the event log`);
      journal.push(`${ctx.instanceId}:${name}+`);
    },
    async deactivate(reason) {
      journal.push(`${name}-(${reason})`);
    },
  });

  before(async function () {
    tdb = await createTestDb('harole');
  });

  afterEach(async function () {
    for (const e of electors.splice(0)) await e.stop();
  });

  after(async function () {
    await tdb?.drop();
  });

  it('is ready only after every participant activated, and winds down in reverse order', async function () {
    const journal: string[] = [];
    const e = elector('cp-a', `${tdb.schema}-1`);
    const role = new ActiveRole({
      elector: e,
      participants: [participant('acd', journal, { activateMs: 150 }), participant('esl-reattach', journal), participant('intake', journal)],
      clock: new SystemClock(),
      logger: silentLogger(),
    });
    const ready: Array<{ steps: Array<{ name: string }> }> = [];
    role.on('ready', (r) => ready.push(r));
    e.start();
    await e.whenActive();
    assert.equal(role.ready, false, 'not ready while the ACD is still rebuilding');
    await assert.rejects(role.readinessCheck().check(), { message: 'becoming active (instance cp-a): rebuilding state' });
    await role.settled();
    assert.equal(role.ready, true);
    assert.equal(await role.readinessCheck().check(), 'active (instance cp-a)');
    assert.deepEqual(ready[0]!.steps.map((s) => s.name), ['acd', 'esl-reattach', 'intake']);
    await e.stop();
    await role.settled();
    assert.equal(role.ready, false);
    assert.deepEqual(journal, ['cp-a:acd+', 'cp-a:esl-reattach+', 'cp-a:intake+', 'intake-(stopped)', 'esl-reattach-(stopped)', 'acd-(stopped)']);
  });

  it('gives the role up when a participant cannot activate, so the standby takes over', async function () {
    const lock = `${tdb.schema}-2`;
    const journal: string[] = [];
    const a = elector('cp-a', lock);
    const roleA = new ActiveRole({
      elector: a,
      participants: [participant('acd', journal), participant('esl-reattach', journal, { failActivate: true })],
      clock: new SystemClock(),
      logger: silentLogger(),
    });
    const failures: string[] = [];
    roleA.on('activation-failed', ({ participant: p, error }) => failures.push(`${p}: ${error.message}`));
    a.start();
    await a.whenActive();
    const b = elector('cp-b', lock);
    const roleB = new ActiveRole({ elector: b, participants: [participant('acd', journal)], clock: new SystemClock(), logger: silentLogger() });
    b.start();
    await roleA.settled();
    assert.deepEqual(failures, ['esl-reattach: esl-reattach could not read the event log']);
    assert.equal(a.role, 'stopped');
    await b.whenActive();
    await roleB.settled();
    assert.equal(roleB.ready, true);
    assert.deepEqual(journal, ['cp-a:acd+', 'acd-(activation-failed)', 'cp-b:acd+']);
  });
});
