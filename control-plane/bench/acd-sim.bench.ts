/**
 * One simulated day on the simulator: ~20,000 calls, 50 agents, Poisson arrivals whose
 * rate changes every 15 minutes (a daily curve). Calls go through VoiceQueue (MOH, ringing
 * the agent's phone, bridge, hang-up) and the Acd. Prints SL, ASA and abandon rate per
 * interval, and compares the simulated SL with Erlang C for the same load: Poisson
 * arrivals, exponential talk time, no abandonment (callers are patient), no wrap-up, so
 * Erlang C's assumptions hold up to the interval boundaries.
 *
 *   npm run bench:acd-sim [-- --calls 20000 --agents 50 --talk-s 100 --patience-s 0 --seed 1]
 */
import { performance } from 'node:perf_hooks';
import { SimEngine } from '../src/engine/sim/SimEngine.js';
import { Acd, type AcdEventSink } from '../src/acd/Acd.js';
import { VoiceQueue } from '../src/acd/VoiceQueue.js';
import { agentSchema, queueSchema } from '../src/acd/AcdTypes.js';
import { erlangCPredict } from '../src/acd/erlang.js';
import { byInterval, INTERVAL_MS, queueStats, type QueueRecord } from '../src/acd/metrics.js';
import { silentLogger } from '../src/logger.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const CALLS = arg('calls', 20_000);
const AGENTS = arg('agents', 50);
const SEED = arg('seed', 1);
const TALK_MEAN_MS = arg('talk-s', 100) * 1000;
/** Mean caller patience (exponential) in seconds; 0 = callers never abandon (Erlang C's assumption). */
const PATIENCE_S = arg('patience-s', 0);
const ANSWER_DELAY_MS = 1_000;
const THRESHOLD_SEC = 20;
const START = Date.parse('2026-01-05T00:00:00Z');

// Daily curve: quiet night, morning ramp, lunch dip, afternoon peak (relative weights per hour).
const HOURLY = [0.25, 0.2, 0.15, 0.15, 0.2, 0.3, 0.5, 0.8, 1.2, 1.45, 1.5, 1.4, 1.2, 1.3, 1.45, 1.5, 1.4, 1.2, 1.0, 0.8, 0.65, 0.5, 0.4, 0.3];
const weights: number[] = [];
for (let k = 0; k < 96; k++) weights.push(HOURLY[Math.floor(k / 4)]!);
const total = weights.reduce((s, w) => s + w, 0);
const per15Min = weights.map((w) => (CALLS * w) / total);

const nullSink: AcdEventSink = {
  interactionEvent: () => '',
  agentState: () => '',
  createInteraction: () => undefined,
  updateInteraction: () => undefined,
};

const engine = new SimEngine({ seed: SEED, startTime: START });
await engine.start();
const acd = new Acd({ clock: engine.clock, events: nullSink, logger: silentLogger(), timeZone: 'UTC' });
const voice = new VoiceQueue({ acd, engine, logger: silentLogger() });
acd.upsertQueue(queueSchema.parse({ id: 'main', name: 'Main', settings: { offerTimeoutSec: 30, sl: { thresholdSec: THRESHOLD_SEC, target: 0.8, shortAbandonSec: 5 } } }));
for (let n = 1; n <= AGENTS; n++) {
  engine.addAgentEndpoint({ user: `agent-${n}`, answerDelayMs: { kind: 'fixed', ms: ANSWER_DELAY_MS } });
  acd.upsertAgent(agentSchema.parse({ id: `agent-${n}`, name: `Agent ${n}`, sipUser: `agent-${n}` }));
  acd.login(`agent-${n}`);
}

const records: QueueRecord[] = [];
let outcomes = 0;
engine.on('call', (leg) => {
  const enqueuedAt = engine.clock.now();
  void voice.enqueueVoice(leg, { queueId: 'main' }).then((o) => {
    outcomes++;
    const at = engine.clock.now();
    if (o.outcome === 'answered') return; // answered records come from the Acd (answer time, talk)
    records.push({ queueId: 'main', enqueuedAt, ...(o.outcome === 'abandoned' ? { abandonedAt: at } : { exitedAt: at }) });
  });
});
acd.on('interaction.connected', (e) => {
  const i = acd.router.interaction(e.interactionId);
  if (i) records.push({ queueId: 'main', enqueuedAt: i.enqueuedAt, answeredAt: engine.clock.now() });
});

engine.addArrivals({
  to: '+18005550100',
  per15Min,
  durationMs: 24 * 3600_000,
  patienceMs: PATIENCE_S > 0 ? { kind: 'exponential', meanMs: PATIENCE_S * 1000 } : { kind: 'fixed', ms: 6 * 3600_000 },
  talkTimeMs: { kind: 'exponential', meanMs: TALK_MEAN_MS },
});

const wall0 = performance.now();
await engine.clock.runUntil(START + 24 * 3600_000);
await engine.clock.runUntilIdle(6 * 3600_000);
const wallMs = performance.now() - wall0;

const sl = { thresholdSec: THRESHOLD_SEC, shortAbandonSec: 5 };
const rows = [...byInterval(records)].sort((a, b) => a[0] - b[0]);
const ahtSec = (TALK_MEAN_MS + ANSWER_DELAY_MS) / 1000;
console.log('interval  calls   SL_sim  SL_erlangC  ASA_s  abandon');
let diffSum = 0;
let diffN = 0;
let weightedSim = 0;
let weightedErl = 0;
let n = 0;
for (const [start, recs] of rows) {
  const s = queueStats(recs, sl);
  const k = Math.floor((start - START) / INTERVAL_MS);
  const rate = (per15Min[k] ?? 0) * 4; // calls per hour expected in this interval
  // The caller's wait includes the agent's ring time; Erlang C's wait ends when an agent is seized.
  const erl = erlangCPredict(rate, ahtSec, AGENTS, THRESHOLD_SEC - ANSWER_DELAY_MS / 1000);
  const hhmm = new Date(start).toISOString().slice(11, 16);
  console.log(
    `${hhmm}     ${String(s.offered).padStart(5)}  ${fmt(s.serviceLevel)}  ${fmt(erl.serviceLevel)}      ${(s.asaMs === null ? '-' : (s.asaMs / 1000).toFixed(1)).padStart(5)}  ${fmt(s.abandonRate)}`,
  );
  if (s.serviceLevel !== null) {
    diffSum += Math.abs(s.serviceLevel - erl.serviceLevel);
    diffN++;
    weightedSim += s.serviceLevel * s.offered;
    weightedErl += erl.serviceLevel * s.offered;
    n += s.offered;
  }
}
const day = queueStats(records, sl);
console.log(`day: calls=${day.offered} answered=${day.answered} SL=${fmt(day.serviceLevel)} ASA=${((day.asaMs ?? 0) / 1000).toFixed(1)} s abandon=${fmt(day.abandonRate)} wall=${(wallMs / 1000).toFixed(1)} s outcomes=${outcomes}`);
console.log(`call-weighted SL: simulated ${(100 * weightedSim / n).toFixed(1)} %, Erlang C ${(100 * weightedErl / n).toFixed(1)} %; mean |difference| per interval ${(100 * diffSum / diffN).toFixed(1)} points`);
console.log(
  `calls=${day.offered} sl_sim_pct=${(100 * weightedSim / n).toFixed(1)} sl_erlang_pct=${(100 * weightedErl / n).toFixed(1)} mean_abs_diff_pts=${(100 * diffSum / diffN).toFixed(1)} asa_s=${((day.asaMs ?? 0) / 1000).toFixed(1)} abandon_pct=${(100 * (day.abandonRate ?? 0)).toFixed(2)} wall_s=${(wallMs / 1000).toFixed(1)}`,
);
acd.close();
await engine.stop();

function fmt(v: number | null): string {
  return v === null ? '   -  ' : `${(100 * v).toFixed(1).padStart(5)}%`;
}
