/**
 * The service with its timers (RONA, wrap-up, escalation, ageing, max wait) under random
 * sequences of API calls and time steps: capacity never exceeded, a call never connected
 * to two agents, every accepted interaction answered once, nothing left pairable.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Acd } from '../../src/acd/Acd.js';
import { requirementsSchema, STRATEGIES } from '../../src/acd/AcdTypes.js';
import { CHANNELS } from '../../src/domainEvents.js';
import { silentLogger } from '../../src/logger.js';
import { agent, ManualClock, MemorySink, queue } from './helpers.js';

describe('Acd with timers (property-based)', () => {
  it('never over capacity, never two agents on one call, no free agent beside a waiting interaction it can take', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STRATEGIES),
        fc.array(fc.record({ op: fc.nat(8), n: fc.nat(30), ms: fc.integer({ min: 0, max: 25_000 }) }), { minLength: 10, maxLength: 150 }),
        (strategy, ops) => {
          const clock = new ManualClock();
          const sink = new MemorySink();
          const acd = new Acd({ clock, events: sink, logger: silentLogger() });
          acd.upsertQueue(queue({ id: 'spill', name: 'Spill', settings: { maxWaitSec: 200 } }));
          acd.upsertQueue(
            queue({
              id: 'q',
              name: 'Q',
              strategy,
              settings: {
                skills: [{ skillId: 's', minLevel: 6 }],
                offerTimeoutSec: 10,
                ronaMaxCount: 2,
                wrapUp: { mode: 'auto', seconds: 15, maxExtensionSec: 0 },
                escalation: [{ afterSec: 30, action: { kind: 'relax-level', minLevel: 1 } }, { afterSec: 90, action: { kind: 'overflow', queueId: 'spill' } }],
                ageing: { everySec: 20, step: 5, max: 40 },
              },
            }),
          );
          for (let k = 0; k < 4; k++) acd.upsertAgent(agent({ id: `a${k}`, name: `A${k}`, skills: { s: 3 + 2 * k }, capacity: { voice: 1, chat: k % 3 }, nonVoiceWhileVoice: k % 2 }));
          const answered = new Map<string, number>();
          acd.on('interaction.connected', (e) => answered.set(e.interactionId, (answered.get(e.interactionId) ?? 0) + 1));
          const ids: string[] = [];
          for (const o of ops) {
            clock.advance(o.ms);
            const agentId = `a${o.n % 4}`;
            const id = ids[o.n % Math.max(1, ids.length)];
            const i = id ? acd.router.interaction(id) : undefined;
            try {
              switch (o.op) {
                case 0:
                  acd.login(agentId);
                  break;
                case 1:
                  acd.setReady(agentId);
                  break;
                case 2:
                case 3:
                  ids.push(acd.enqueue({ requirements: requirementsSchema.parse({ queueId: 'q', channel: CHANNELS[o.n % 2]!, priority: o.n % 3 === 0 ? 30 : 0 }) }).interactionId);
                  break;
                case 4:
                  if (i?.offeredTo.size) acd.accept(id!, [...i.offeredTo][o.n % i.offeredTo.size]!);
                  break;
                case 5:
                  if (i?.phase === 'connected') acd.complete(id!);
                  break;
                case 6:
                  if (i && i.phase !== 'connected') acd.abandon(id!);
                  break;
                case 7:
                  if (i?.offeredTo.size) acd.decline(id!, [...i.offeredTo][0]!);
                  break;
                default:
                  acd.logout(agentId);
              }
            } catch (err) {
              assert.ok((err as Error).name === 'AcdError', String(err));
            }
            for (const a of acd.router.agents()) {
              for (const ch of CHANNELS) assert.ok(a.counts[ch] <= a.config.capacity[ch], `${a.id} over ${ch} capacity`);
            }
            for (const [iid, n] of answered) assert.equal(n, 1, `interaction ${iid} connected ${n} times`);
            for (const w of acd.router.interactions()) {
              if (w.phase !== 'waiting') continue;
              for (const a of acd.router.agents()) assert.ok(!acd.router.eligible(a.id, w.id), `${a.id} free beside waiting ${w.id}`);
            }
          }
          const answeredEvents = sink.interactionEvents.filter((e) => e.type === 'answered').length;
          assert.equal(answeredEvents, answered.size, 'one answered event per connection');
          acd.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
