import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Acd } from '../../src/acd/Acd.js';
import { rebuildFromLog } from '../../src/acd/rebuild.js';
import { requirementsSchema } from '../../src/acd/AcdTypes.js';
import { EventLog } from '../../src/store/EventLog.js';
import { AgentRepository } from '../../src/store/repositories/agents.js';
import { QueueRepository } from '../../src/store/repositories/queues.js';
import { ReasonCodeRepository } from '../../src/store/repositories/reasonCodes.js';
import { SkillRepository } from '../../src/store/repositories/skills.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { agent, ManualClock, queue } from './helpers.js';

describe('ACD rebuild from the event log (real PostgreSQL)', function () {
  this.timeout(60_000);
  let t: TestDb;
  before(async () => {
    t = await createTestDb('acd_rebuild');
    const skills = new SkillRepository(t.db);
    for (const id of ['en', 'fr', 'vip']) await skills.upsert({ id, name: id });
    await new ReasonCodeRepository(t.db).upsert({ id: 'break', label: 'Break', productive: false });
    const queues = new QueueRepository(t.db);
    await queues.upsert(queue({ id: 'fr', name: 'French', settings: { skills: [{ skillId: 'fr', minLevel: 1 }] } }));
    await queues.upsert(
      queue({
        id: 'sales',
        name: 'Sales',
        strategy: 'ring-all',
        settings: {
          skills: [{ skillId: 'en', minLevel: 5 }],
          wrapUp: { mode: 'auto', seconds: 20, maxExtensionSec: 0 },
          escalation: [{ afterSec: 40, action: { kind: 'relax-level', minLevel: 2 } }, { afterSec: 90, action: { kind: 'overflow', queueId: 'fr' } }],
          ageing: { everySec: 30, step: 5, max: 60 },
        },
      }),
    );
    await queues.upsert(queue({ id: 'chat', name: 'Chat', strategy: 'least-occupied', settings: { wrapUp: { mode: 'manual', seconds: 0, maxExtensionSec: 0 } } }));
    const agents = new AgentRepository(t.db);
    for (let n = 0; n < 6; n++) {
      await agents.upsert(agent({ id: `a${n}`, name: `A${n}`, skills: { en: 1 + ((n * 3) % 10), ...(n % 2 ? { fr: 4 } : {}) }, languages: ['en'], capacity: { voice: 1, chat: 2 }, nonVoiceWhileVoice: n % 3 }));
    }
  });
  after(async () => t?.drop());

  it('state after rebuild equals state before, for random activity', async () => {
    const stats = { interactions: 0, offered: 0, connected: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ op: fc.nat(11), x: fc.nat(50), y: fc.nat(5), ms: fc.integer({ min: 0, max: 12_000 }) }),
          { minLength: 5, maxLength: 60 },
        ),
        async (ops) => {
          await t.db.raw('truncate interaction_events, agent_state_events, interactions');
          const clock = new ManualClock();
          const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });
          const acd = new Acd({ clock, events: log, logger: silentLogger() });
          await rebuildFromLog(t.db, acd); // empty log: config only
          const ids: string[] = [];
          for (const o of ops) {
            clock.advance(o.ms);
            const agentId = `a${o.y}`;
            try {
              switch (o.op) {
                case 0:
                  acd.login(agentId, o.x % 3 !== 0);
                  break;
                case 1:
                  acd.setReady(agentId);
                  break;
                case 2:
                  acd.setNotReady(agentId, 'break');
                  break;
                case 3:
                case 4: {
                  const q = ['sales', 'chat', 'fr'][o.x % 3]!;
                  const r = acd.enqueue({ requirements: requirementsSchema.parse({ queueId: q, channel: q === 'chat' ? 'chat' : 'voice', priority: o.x % 4 === 0 ? 50 : 0, vip: o.x % 7 === 0 }) });
                  ids.push(r.interactionId);
                  break;
                }
                default: {
                  const id = ids[o.x % Math.max(1, ids.length)];
                  const i = id ? acd.router.interaction(id) : undefined;
                  if (!i) break;
                  if ((o.op === 5 || o.op >= 10) && i.offeredTo.size) acd.accept(id!, [...i.offeredTo][o.y % i.offeredTo.size]!);
                  else if (o.op === 6 && i.offeredTo.size) acd.decline(id!, [...i.offeredTo][0]!);
                  else if (o.op === 7 && i.phase === 'connected') acd.complete(id!);
                  else if (o.op === 8 && i.phase !== 'connected') acd.abandon(id!);
                  else if (o.op === 9) acd.logout(agentId);
                }
              }
            } catch {
              // conflicts are part of random activity
            }
          }
          const before = acd.router.snapshot();
          await log.close();
          acd.close();
          const acd2 = new Acd({ clock, events: new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 }), logger: silentLogger() });
          const decisions: string[] = [];
          acd2.on('offer', (o) => decisions.push(o.interactionId));
          const counts = await rebuildFromLog(t.db, acd2);
          assert.equal(counts.agents, 6);
          const after = acd2.router.snapshot();
          assert.deepEqual(decisions, [], 'a rebuild puts state back; it makes no new routing decisions');
          stats.interactions += before.interactions.length;
          stats.offered += before.interactions.filter((i) => i.phase === 'offered').length;
          stats.connected += before.interactions.filter((i) => i.phase === 'connected').length;
          acd2.close();
          assert.deepEqual(after, before);
        },
      ),
      { numRuns: 25 },
    );
    assert.ok(stats.offered + stats.connected > 0, `the random runs must reach offered and connected states: ${JSON.stringify(stats)}`);
  });
});
