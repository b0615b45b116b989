/**
 * bench:dialer — one 8-hour campaign on the simulator: 50 agents, 200,000 leads, 25 % live
 * answers, 10 % answering machines, 10 % busy, the rest no answer; ring 5–25 s; talk
 * exponential with mean 120 s; wrap-up 15 s. Runs preview, progressive, power (2:1) and
 * predictive with the same seed and prints, per mode: calls placed, occupancy
 * ((talk + wrap-up) / logged-in time), talk minutes with people per agent-hour, abandon rate
 * overall and in the worst rolling hour, and the mean wait between calls. AMD is off (with
 * the simulator's default 90 % AMD accuracy, dropping "machines" would drop 10 % of people,
 * which the rules count as abandons); simulated agents hang up on a machine after 3 s and
 * disposition it `answering-machine` in 3 s of wrap-up.
 *
 * BENCH_HOURS, BENCH_LEADS, BENCH_AGENTS and BENCH_MODES (comma list) shrink it for a quick look.
 */
import { SimEngine } from '../src/engine/sim/SimEngine.js';
import type { SimCallLeg } from '../src/engine/sim/SimCallLeg.js';
import { silentLogger } from '../src/logger.js';
import { parseCampaignConfig, type Campaign, type DialMode } from '../src/dialer/campaign.js';
import { CampaignRunner } from '../src/dialer/CampaignRunner.js';
import { MemoryDialerStore, type MemoryLeadInput } from '../src/dialer/MemoryDialerStore.js';
import { SimAgentPool } from '../src/dialer/SimAgentPool.js';
import { timeZoneForNumber } from '../src/dialer/timeZones.js';

const HOURS = Number(process.env.BENCH_HOURS ?? 8);
const LEADS = Number(process.env.BENCH_LEADS ?? 200_000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 50);
const MODES = (process.env.BENCH_MODES ?? 'preview,progressive,power,predictive').split(',') as DialMode[];
const START = Date.parse('2026-01-05T14:00:00Z'); // Monday 09:00 in New York
const AREA_CODES = ['212', '617', '404', '305', '312', '214', '713', '303', '602', '415', '213', '206'];

function leads(): MemoryLeadInput[] {
  const zones = new Map(AREA_CODES.map((a) => [a, timeZoneForNumber(`+1${a}2345678`) ?? 'America/New_York']));
  const out: MemoryLeadInput[] = [];
  for (let i = 0; i < LEADS; i++) {
    const area = AREA_CODES[i % AREA_CODES.length] as string;
    out.push({ phone: `+1${area}${String(2000000 + i).padStart(7, '0')}`, timeZone: zones.get(area) as string });
  }
  return out;
}

interface ModeResult {
  mode: DialMode;
  calls: number;
  occupancyPct: number;
  talkMinPerAgentHour: number;
  abandonPct: number;
  worstHourAbandonPct: number;
  waitS: number;
  wallS: number;
}

async function runMode(mode: DialMode): Promise<ModeResult> {
  const t0 = performance.now();
  const engine = new SimEngine({ seed: 7, startTime: START });
  await engine.start();
  engine.setTargetModel({
    answerProbability: 0.25,
    machineProbability: 0.1,
    busyProbability: 0.1,
    ringTimeMs: { kind: 'uniform', minMs: 5000, maxMs: 25000 },
    talkTimeMs: { kind: 'exponential', meanMs: 120_000 },
  });
  const agents = Array.from({ length: AGENTS }, (_, i) => ({ agentId: `a${i + 1}`, user: `agent-${i + 1}` }));
  for (const a of agents) engine.addAgentEndpoint({ user: a.user, answerDelayMs: { kind: 'uniform', minMs: 200, maxMs: 600 } });
  const config = parseCampaignConfig({
    name: `bench ${mode}`,
    mode,
    powerRatio: 2,
    target: { kind: 'agents', agentIds: agents.map((a) => a.agentId) },
    callerId: { number: '+12125550100' },
    dialTimeoutSec: 26,
    callingWindow: { start: '09:00', end: '21:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    wrapUpSec: 15,
    previewSec: 10,
    amd: { enabled: false },
  });
  const campaign: Campaign = { id: 'bench', state: 'draft', config, createdAt: START, updatedAt: START };
  const store = new MemoryDialerStore();
  store.addLeads(campaign.id, leads(), START);
  const isMachine = (leg: unknown): boolean => (leg as SimCallLeg).answeredBy === 'machine';
  const pool = new SimAgentPool({
    engine,
    clock: engine.clock,
    campaignId: campaign.id,
    agents,
    wrapUpMs: 15_000,
    wrapUpMsFor: (leg) => (isMachine(leg) ? 3000 : undefined),
    agentHangsUpAfterMs: (leg) => (isMachine(leg) ? 3000 : undefined),
    dispose: (leg) => ({ code: isMachine(leg) ? 'answering-machine' : 'not-interested' }),
  });
  pool.start();
  const runner = new CampaignRunner({ campaign, engine, clock: engine.clock, store, pool, logger: silentLogger() });
  await engine.clock.runFor(2000);
  const loggedInFrom = engine.clock.now();

  runner.start();
  const end = START + HOURS * 3600_000;
  await engine.clock.runUntil(end);
  const totals = pool.totals();
  if (process.env.BENCH_DEBUG) console.log(mode, runner.counters, runner.lastDecision);
  runner.stop();
  pool.close();

  const staffedMs = (end - loggedInFrom) * AGENTS;
  const attempts = store.attempts();
  // Live answers: people connected (not machines) and every abandoned answer (counted as a person, as regulators do).
  const minutes = Math.ceil((end - START) / 60_000);
  const live = new Array<number>(minutes).fill(0);
  const aband = new Array<number>(minutes).fill(0);
  let humanTalkMs = 0;
  for (const a of attempts) {
    if (a.endedAt === null) continue;
    const m = Math.min(minutes - 1, Math.floor(((a.answeredAt ?? a.endedAt) - START) / 60_000));
    if (a.outcome === 'abandoned') {
      live[m] = (live[m] as number) + 1;
      aband[m] = (aband[m] as number) + 1;
    } else if (a.outcome === 'answered' && a.disposition !== 'answering-machine') {
      live[m] = (live[m] as number) + 1;
      if (a.connectedAt !== null) humanTalkMs += Math.min(a.endedAt, end) - a.connectedAt;
    }
  }
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
  let worst = 0;
  for (let m = 60; m <= minutes; m++) {
    const l = sum(live.slice(m - 60, m));
    const ab = sum(aband.slice(m - 60, m));
    if (l > 0) worst = Math.max(worst, (100 * ab) / l);
  }
  const totalLive = sum(live);
  return {
    mode,
    calls: runner.counters.dials,
    occupancyPct: (100 * (totals.talkingMs + totals.wrapUpMs)) / staffedMs,
    talkMinPerAgentHour: humanTalkMs / 60_000 / ((end - loggedInFrom) / 3600_000) / AGENTS,
    abandonPct: totalLive > 0 ? (100 * sum(aband)) / totalLive : 0,
    worstHourAbandonPct: worst,
    waitS: totals.calls > 0 ? totals.readyMs / totals.calls / 1000 : 0,
    wallS: (performance.now() - t0) / 1000,
  };
}

console.log(`dialer bench: ${HOURS} h, ${AGENTS} agents, ${LEADS} leads, 25% live, 10% machines, ring 5-25 s, talk mean 120 s, wrap 15 s`);
const results: ModeResult[] = [];
for (const mode of MODES) results.push(await runMode(mode));
const fmt = (x: number): string => x.toFixed(2);
for (const r of results) {
  console.log(
    `mode=${r.mode} calls_placed=${r.calls} occupancy_pct=${fmt(r.occupancyPct)} talk_min_per_agent_hour=${fmt(r.talkMinPerAgentHour)} ` +
      `abandon_pct=${fmt(r.abandonPct)} worst_hour_abandon_pct=${fmt(r.worstHourAbandonPct)} wait_between_calls_s=${fmt(r.waitS)} wall_s=${fmt(r.wallS)}`,
  );
}
const p = results.find((r) => r.mode === 'predictive');
if (p) {
  console.log(`mode=predictive abandon_pct=${fmt(p.abandonPct)} worst_hour_abandon_pct=${fmt(p.worstHourAbandonPct)} occupancy_pct=${fmt(p.occupancyPct)} talk_min_per_agent_hour=${fmt(p.talkMinPerAgentHour)}`);
}
