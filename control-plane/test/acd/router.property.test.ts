import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Router, RouterError, compareService, type RouterBatch } from '../../src/acd/Router.js';
import { agentSchema, queueSchema, STRATEGIES, type Strategy } from '../../src/acd/AcdTypes.js';
import { CHANNELS, type Channel } from '../../src/domainEvents.js';

const SKILLS = ['s0', 's1', 's2', 's3'];
const N_AGENTS = 6;

type Op =
  | { k: 'login'; a: number; ready: boolean }
  | { k: 'logout'; a: number }
  | { k: 'ready'; a: number }
  | { k: 'notReady'; a: number }
  | { k: 'enqueue'; q: number; ch: number; prio: number; vip: boolean; skill: number; level: number; lang: boolean }
  | { k: 'accept'; pick: number; who: number }
  | { k: 'reject'; pick: number; who: number; why: 'declined' | 'rona' | 'failed' }
  | { k: 'complete'; pick: number }
  | { k: 'remove'; pick: number }
  | { k: 'escalate'; pick: number; kind: number; q: number }
  | { k: 'wrapEnd'; a: number }
  | { k: 'reserve'; q: number; a: number }
  | { k: 'tick'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('login' as const), a: fc.nat(N_AGENTS - 1), ready: fc.boolean() }),
  fc.record({ k: fc.constant('logout' as const), a: fc.nat(N_AGENTS - 1) }),
  fc.record({ k: fc.constant('ready' as const), a: fc.nat(N_AGENTS - 1) }),
  fc.record({ k: fc.constant('notReady' as const), a: fc.nat(N_AGENTS - 1) }),
  fc.record({
    k: fc.constant('enqueue' as const),
    q: fc.nat(2),
    ch: fc.nat(3),
    prio: fc.constantFrom(0, 0, 5, 50, 100),
    vip: fc.boolean(),
    skill: fc.nat(SKILLS.length),
    level: fc.integer({ min: 1, max: 10 }),
    lang: fc.boolean(),
  }),
  fc.record({ k: fc.constant('accept' as const), pick: fc.nat(20), who: fc.nat(5) }),
  fc.record({ k: fc.constant('reject' as const), pick: fc.nat(20), who: fc.nat(5), why: fc.constantFrom('declined' as const, 'rona' as const, 'failed' as const) }),
  fc.record({ k: fc.constant('complete' as const), pick: fc.nat(20) }),
  fc.record({ k: fc.constant('remove' as const), pick: fc.nat(20) }),
  fc.record({ k: fc.constant('escalate' as const), pick: fc.nat(20), kind: fc.nat(3), q: fc.nat(2) }),
  fc.record({ k: fc.constant('wrapEnd' as const), a: fc.nat(N_AGENTS - 1) }),
  fc.record({ k: fc.constant('reserve' as const), q: fc.nat(2), a: fc.nat(N_AGENTS - 1) }),
  fc.record({ k: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30_000 }) }),
);

function setup(strategies: Strategy[], agentSeeds: Array<{ skills: number[]; levels: number[]; chat: number; mix: number; fr: boolean }>): Router {
  const r = new Router();
  strategies.forEach((strategy, n) => {
    r.upsertQueue(
      queueSchema.parse({
        id: `q${n}`,
        name: `Q${n}`,
        strategy,
        settings: {
          skills: n === 2 ? [] : [{ skillId: SKILLS[n]!, minLevel: 1 }],
          members: n === 2 ? ['a0', 'a2', 'a4'] : [],
          wrapUp: { mode: n === 1 ? 'manual' : 'auto', seconds: n === 0 ? 10 : 0 },
          ronaMaxCount: 2,
        },
      }),
    );
  });
  agentSeeds.forEach((seed, n) => {
    const skills: Record<string, number> = {};
    seed.skills.forEach((s, j) => (skills[SKILLS[s % SKILLS.length]!] = seed.levels[j] ?? 5));
    r.upsertAgent(
      agentSchema.parse({ id: `a${n}`, name: `A${n}`, skills, languages: seed.fr ? ['fr', 'en'] : ['en'], capacity: { voice: 1, chat: seed.chat, email: 1, messenger: 1 }, nonVoiceWhileVoice: seed.mix }),
      0,
    );
  });
  return r;
}

interface Model {
  /** interaction → agents it has ever been connected to */
  connectedTo: Map<string, Set<string>>;
  channel: Map<string, Channel>;
}

function checkInvariants(r: Router, model: Model, batch: RouterBatch | null): void {
  const snap = r.snapshot();
  // Capacity and mixing.
  for (const a of snap.agents) {
    const cfg = r.agent(a.id).config;
    const counts: Record<Channel, number> = { voice: 0, chat: 0, email: 0, messenger: 0 };
    for (const x of a.assignments) counts[x.channel]++;
    for (const ch of CHANNELS) assert.ok(counts[ch] <= cfg.capacity[ch], `agent ${a.id} holds ${counts[ch]} ${ch} over capacity ${cfg.capacity[ch]}`);
    const nonVoice = counts.chat + counts.email + counts.messenger;
    if (counts.voice > 0) assert.ok(nonVoice <= cfg.nonVoiceWhileVoice, `agent ${a.id} mixes ${nonVoice} non-voice with voice (rule ${cfg.nonVoiceWhileVoice})`);
    if (a.presence === 'logged-out') assert.equal(a.assignments.length, 0);
  }
  // Connected to exactly one agent; waiting ones have no agent.
  for (const i of snap.interactions) {
    const holders = snap.agents.filter((a) => a.assignments.some((x) => x.interactionId === i.id));
    if (i.phase === 'connected') {
      assert.equal(holders.length, 1, `interaction ${i.id} held by ${holders.map((h) => h.id)}`);
      assert.equal(holders[0]!.id, i.agentId);
    } else if (i.phase === 'offered') {
      assert.deepEqual(holders.map((h) => h.id).sort(), i.offeredTo);
    } else assert.equal(holders.length, 0);
  }
  // Nothing left unmatched that could be matched.
  const waiting = snap.interactions.filter((i) => i.phase === 'waiting');
  for (const i of waiting) {
    for (const a of snap.agents) assert.ok(!r.eligible(a.id, i.id), `agent ${a.id} is free for waiting ${i.id}`);
  }
  for (const [id, agents] of model.connectedTo) {
    if (model.channel.get(id) === 'voice') assert.ok(agents.size <= 1, `voice ${id} connected to ${[...agents]}`);
  }
  // Service order: an agent given X could not have taken a better waiting Y of the same channel.
  if (batch) {
    for (const offer of batch.offers) {
      const x = r.interaction(offer.interactionId);
      if (!x) continue;
      for (const agentId of offer.agentIds) {
        for (const y of waiting) {
          if (y.channel !== x.channel || !r.canServe(agentId, y.id)) continue;
          const yRec = r.interaction(y.id)!;
          assert.ok(compareService(x, yRec) < 0, `agent ${agentId} got ${x.id} (p${x.priority}) while ${y.id} (p${y.priority}, earlier or higher) waited`);
        }
      }
    }
  }
}

describe('Router (property-based, random event sequences)', () => {
  it('keeps capacity, single connection, service order and the no-idle-pair invariant', () => {
    const agentArb = fc.record({
      skills: fc.array(fc.nat(SKILLS.length - 1), { minLength: 0, maxLength: 3 }),
      levels: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 3, maxLength: 3 }),
      chat: fc.nat(3),
      mix: fc.nat(2),
      fr: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...STRATEGIES), { minLength: 3, maxLength: 3 }),
        fc.array(agentArb, { minLength: N_AGENTS, maxLength: N_AGENTS }),
        fc.array(opArb, { minLength: 1, maxLength: 120 }),
        (strategies, agentSeeds, ops) => {
          const r = setup(strategies, agentSeeds);
          const model: Model = { connectedTo: new Map(), channel: new Map() };
          let now = 1_000;
          let nextId = 0;
          const ids = (): string[] => [...r.interactions()].map((i) => i.id);
          for (const op of ops) {
            const before = JSON.stringify(r.snapshot());
            let batch: RouterBatch | null = null;
            try {
              switch (op.k) {
                case 'tick':
                  now += op.ms;
                  break;
                case 'login':
                  batch = r.login(`a${op.a}`, now, op.ready);
                  break;
                case 'logout':
                  batch = r.logout(`a${op.a}`, now);
                  break;
                case 'ready':
                  batch = r.setReady(`a${op.a}`, now);
                  break;
                case 'notReady':
                  batch = r.setNotReady(`a${op.a}`, 'break', now);
                  break;
                case 'wrapEnd':
                  batch = r.endWrapUp(`a${op.a}`, now);
                  break;
                case 'reserve': {
                  // The dialer's outbound reservation: offered to one agent, no offer to ring.
                  const id = `i${nextId++}`;
                  model.channel.set(id, 'voice');
                  const ready = [...r.agents()].filter((a) => a.state === 'ready' && r.servesQueue(a.id, `q${op.q}`));
                  const agentId = ready.length ? ready[op.a % ready.length]!.id : `a${op.a}`;
                  batch = r.reserve({ id, queueId: `q${op.q}`, channel: 'voice', priority: 100, vip: false, skills: [], enqueuedAt: now }, agentId, now);
                  assert.deepEqual(batch.offers, []);
                  assert.equal(r.agent(agentId).state, 'reserved');
                  break;
                }
                case 'enqueue': {
                  const id = `i${nextId++}`;
                  const channel = CHANNELS[op.ch]!;
                  model.channel.set(id, channel);
                  batch = r.enqueue(
                    {
                      id,
                      queueId: `q${op.q}`,
                      channel,
                      priority: op.prio,
                      vip: op.vip,
                      skills: op.skill < SKILLS.length ? [{ skillId: SKILLS[op.skill]!, minLevel: op.level }] : [],
                      language: op.lang ? 'fr' : undefined,
                      enqueuedAt: now,
                    },
                    now,
                  );
                  break;
                }
                default: {
                  const all = ids();
                  if (all.length === 0) break;
                  const id = all[op.pick % all.length]!;
                  const i = r.interaction(id)!;
                  if (op.k === 'accept' || op.k === 'reject') {
                    const offered = [...i.offeredTo];
                    const agentId = offered.length ? offered[op.who % offered.length]! : `a${op.who}`;
                    if (op.k === 'accept') {
                      batch = r.accept(id, agentId, now);
                      let set = model.connectedTo.get(id);
                      if (!set) model.connectedTo.set(id, (set = new Set()));
                      set.add(agentId);
                    } else batch = r.reject(id, agentId, op.why, now);
                  } else if (op.k === 'complete') batch = r.complete(id, now);
                  else if (op.k === 'remove') batch = r.remove(id, now);
                  else {
                    const kinds = [
                      { kind: 'relax-level' as const, minLevel: 1 },
                      { kind: 'add-skills' as const, skills: [{ skillId: SKILLS[op.q]!, minLevel: 1 }] },
                      { kind: 'add-queue-agents' as const, queueId: `q${op.q}` },
                      { kind: 'overflow' as const, queueId: `q${op.q}` },
                    ];
                    batch = r.escalate(id, kinds[op.kind]!, now);
                  }
                }
              }
            } catch (err) {
              assert.ok(err instanceof RouterError, String(err));
              assert.equal(JSON.stringify(r.snapshot()), before, `a rejected ${op.k} changed the state`);
            }
            checkInvariants(r, model, batch);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('serves FIFO within a priority and higher priority first, whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ prio: fc.constantFrom(0, 10, 20), gap: fc.nat(5000) }), { minLength: 1, maxLength: 40 }), (arrivals) => {
        const r = new Router();
        r.upsertQueue(queueSchema.parse({ id: 'q', name: 'Q' }));
        r.upsertAgent(agentSchema.parse({ id: 'a', name: 'A' }), 0);
        let now = 0;
        arrivals.forEach((x, n) => {
          now += x.gap;
          r.enqueue({ id: `i${n}`, queueId: 'q', channel: 'voice', priority: x.prio, vip: false, skills: [], enqueuedAt: now }, now);
        });
        r.login('a', now);
        const served: Array<{ prio: number; at: number; n: number }> = [];
        for (let k = 0; k < arrivals.length; k++) {
          const offered = [...r.interactions()].find((i) => i.phase === 'offered')!;
          served.push({ prio: offered.priority, at: offered.enqueuedAt, n: Number(offered.id.slice(1)) });
          r.accept(offered.id, 'a', now);
          r.complete(offered.id, now);
        }
        const expected = [...served].sort((x, y) => y.prio - x.prio || x.at - y.at || x.n - y.n);
        assert.deepEqual(served, expected);
      }),
      { numRuns: 200 },
    );
  });
});
