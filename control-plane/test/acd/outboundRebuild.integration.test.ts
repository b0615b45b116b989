/** After a restart the dialer's waiting and reserved calls are not put back (their owner is gone); inbound ones are. */
import { strict as assert } from 'node:assert';
import { Acd } from '../../src/acd/Acd.js';
import { rebuildFromLog } from '../../src/acd/rebuild.js';
import { requirementsSchema } from '../../src/acd/AcdTypes.js';
import { EventLog } from '../../src/store/EventLog.js';
import { AgentRepository } from '../../src/store/repositories/agents.js';
import { QueueRepository } from '../../src/store/repositories/queues.js';
import { SkillRepository } from '../../src/store/repositories/skills.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { agent, ManualClock, queue } from './helpers.js';

const req = (r: Parameters<typeof requirementsSchema.parse>[0]) => requirementsSchema.parse(r);

describe('ACD rebuild and the dialer’s outbound calls (real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  before(async () => {
    t = await createTestDb('acd_outbound_rebuild');
    await new SkillRepository(t.db).upsert({ id: 'sales', name: 'Sales' });
    await new QueueRepository(t.db).upsert(queue({ id: 'sales', name: 'Sales', settings: { skills: [{ skillId: 'sales', minLevel: 1 }] } }));
    const agents = new AgentRepository(t.db);
    for (const id of ['ann', 'bob', 'cid']) await agents.upsert(agent({ id, name: id, skills: { sales: 5 } }));
  });
  after(async () => t?.drop());

  it('drops reserved and waiting dialer calls, keeps connected ones and inbound callers', async () => {
    const clock = new ManualClock();
    const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });
    const acd = new Acd({ clock, events: log, logger: silentLogger() });
    await rebuildFromLog(t.db, acd);
    for (const id of ['ann', 'bob', 'cid']) acd.login(id);
    const dialer = { direction: 'outbound' as const, countInQueueStats: false, restoreAfterRestart: false };
    const reserved = acd.reserve({ agentId: 'ann', requirements: req({ queueId: 'sales', priority: 100 }), ...dialer });
    const talking = acd.reserve({ agentId: 'bob', requirements: req({ queueId: 'sales', priority: 100 }), ...dialer });
    acd.accept(talking, 'bob');
    const inbound = acd.enqueue({ requirements: req({ queueId: 'sales' }) }).interactionId; // offered to cid
    const inboundWaiting = acd.enqueue({ requirements: req({ queueId: 'sales' }) }).interactionId;
    const outboundWaiting = acd.enqueue({ requirements: req({ queueId: 'sales', priority: 100 }), ...dialer }).interactionId;
    assert.equal(acd.router.interaction(inbound)?.phase, 'offered');
    assert.equal(acd.router.interaction(inboundWaiting)?.phase, 'waiting');
    assert.equal(acd.router.interaction(outboundWaiting)?.phase, 'waiting');
    clock.advance(1000);
    await log.close();
    acd.close();

    const acd2 = new Acd({ clock, events: new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 }), logger: silentLogger() });
    await rebuildFromLog(t.db, acd2);
    const ids = [...acd2.router.interactions()].map((i) => i.id).sort();
    assert.deepEqual(ids, [inbound, inboundWaiting, talking].sort(), 'the reserved and the waiting dialer calls are not put back');
    assert.equal(acd2.router.agent('bob').state, 'busy', 'the connected outbound call is');
    assert.equal(acd2.router.interaction(reserved), undefined);
    const annHas = [...acd2.router.agent('ann').assignments.keys()];
    assert.ok(annHas.length === 0 || annHas.every((id) => id === inbound || id === inboundWaiting), 'ann is no longer held by the old reservation');
    acd2.close();
  });
});
