import { strict as assert } from 'node:assert';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { startAcd } from '../../src/acd/index.js';
import { seedAcdDemo } from '../../src/acd/demo.js';
import { EventLog } from '../../src/store/EventLog.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

describe('startAcd wiring with the demo seed (simulator + real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  before(async () => void (t = await createTestDb('acd_start')));
  after(async () => t?.drop());

  it('serves a demo call end to end, shows it on the status snapshot, and comes back after a restart', async () => {
    const start = Date.parse('2026-01-05T09:00:00Z');
    const engine = new SimEngine({ seed: 5, startTime: start });
    await engine.start();
    const eventLog = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });
    const config = { timeZone: 'Europe/Paris', windowMs: 30 * 60_000, rebuildLookbackMs: 48 * 3600_000, reattachWindowMs: 15_000 };
    const svc = await startAcd({ db: t.db, eventLog, engine, logger: silentLogger(), config });
    const seeded = await seedAcdDemo(svc.admin, 4);
    assert.deepEqual(seeded.queues, ['support', 'billing', 'sales']);
    for (const user of seeded.agents) engine.addAgentEndpoint({ user, answerDelayMs: { kind: 'fixed', ms: 2000 } });
    const outcomes: string[] = [];
    engine.on('call', (leg) => void svc.voice.enqueueVoice(leg, { queueId: 'support', skills: [{ skillId: 'support', minLevel: 3 }] }).then((o) => outcomes.push(o.outcome)));
    engine.placeCall({ from: '+15550001111', to: '+18005550100', talkTimeMs: 60_000 });
    await engine.clock.runFor(10_000);
    const status = svc.acd.statusSnapshot();
    const support = status.queues.find((q) => q.id === 'support')!;
    assert.equal(support.agentsBusy, 1);
    assert.equal(status.agents.filter((a) => a.state === 'busy').length, 1);
    await engine.clock.runFor(120_000);
    assert.deepEqual(outcomes, ['answered']);
    assert.equal(svc.acd.queueRealtime('support').today.answered, 1);
    svc.close();
    await eventLog.flush();

    const engine2 = new SimEngine({ seed: 6, startTime: start + 140_000 });
    await engine2.start();
    const svc2 = await startAcd({ db: t.db, eventLog, engine: engine2, logger: silentLogger(), config });
    assert.deepEqual(svc2.rebuilt, { queues: 3, agents: 4, interactions: 0 });
    assert.deepEqual(
      [...svc2.acd.router.agents()].map((a) => a.state),
      [...svc.acd.router.agents()].map((a) => a.state),
      'agents come back logged in, in the same states',
    );
    svc2.close();
    await eventLog.close();
    await engine.stop();
    await engine2.stop();
  });
});
