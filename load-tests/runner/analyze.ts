/**
 * Turns a trial's raw SIPp output into figures: totals, failures by reason, time series
 * (CPS, concurrent calls, failures, latency percentiles per second), per-call timing
 * joined across processes by the X-Load-Call id, and the pass/fail verdict.
 */
import { readFile } from 'node:fs/promises';
import type { Profile } from './profile.js';
import { SCENARIOS } from './scenarios.js';
import type { SippResult } from './sipp.js';
import type { TrialRun } from './trial.js';
import { num, parseCountsCsv, parseLoadLog, parseRttCsv, parseStatCsv, percentile, type LogEvent, type RttSample, type StatRow } from './parse.js';

export interface ProcessSummary {
  label: string;
  scenario: string;
  role: 'uac' | 'uas';
  exitCode: number | null;
  killedAtDeadline: boolean;
  created: number;
  successful: number;
  failed: number;
  failureReasons: Record<string, number>;
  retransmissions: number;
  messageCounts: Record<string, number>;
  problem?: string;
}

export interface SeriesPoint {
  t: number;
  cps: number;
  concurrent: number;
  failures: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Distribution {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface CriterionResult {
  name: string;
  limit: string;
  observed: string;
  pass: boolean;
}

export interface TrialSummary {
  profile: string;
  target: string;
  startedAt: string;
  durationSeconds: number;
  rate: string;
  verdict: 'pass' | 'fail';
  criteria: CriterionResult[];
  totals: {
    callsOriginated: number;
    callsSuccessful: number;
    legs: number;
    failedLegs: number;
    failedPercent: number;
    peakCps: number;
    peakConcurrent: number;
    achievedCps: number;
  };
  setupMs: Distribution;
  timeToAgentMs: Distribution;
  agentAnswerToAckMs: Distribution;
  processes: ProcessSummary[];
  series: SeriesPoint[];
  metrics?: { serviceLevelPercent?: number; error?: string };
}

const round = (n: number, d = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : NaN);

function distribution(values: number[]): Distribution {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  return { count: v.length, p50: round(percentile(v, 50)), p95: round(percentile(v, 95)), p99: round(percentile(v, 99)), max: round(Math.max(...v)) };
}

async function readOr(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads a gauge from Prometheus text format (first sample of that name). */
export function metricValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) {
      const v = Number(m[3]);
      if (Number.isFinite(v)) return v;
    }
  }
  return undefined;
}

interface Loaded {
  result: SippResult;
  stats: StatRow[];
  rtt: RttSample[];
  events: LogEvent[];
  counts: Record<string, number>;
  problem?: string;
}

async function load(result: SippResult): Promise<Loaded> {
  const out: Loaded = { result, stats: [], rtt: [], events: [], counts: {} };
  const stat = await readOr(result.files.stat);
  try {
    if (stat === undefined) throw new Error('SIPp wrote no statistics file');
    out.stats = parseStatCsv(stat);
  } catch (err) {
    out.problem = `${(err as Error).message}${result.stderr ? ` (stderr: ${result.stderr.split('\n').slice(-2).join(' ')})` : ''}`;
  }
  const rtt = await readOr(result.files.rtt);
  if (rtt) out.rtt = parseRttCsv(rtt);
  const logs = await readOr(result.files.logs);
  if (logs) out.events = parseLoadLog(logs);
  const counts = await readOr(result.files.counts);
  if (counts) out.counts = parseCountsCsv(counts);
  return out;
}

export async function analyzeTrial(profile: Profile, run: TrialRun, rateLabel: string): Promise<TrialSummary> {
  const loaded = await Promise.all(run.results.map(load));
  const t0 = run.startedAt / 1000;

  const processes: ProcessSummary[] = loaded.map((l) => {
    const last = l.stats[l.stats.length - 1];
    const reasons: Record<string, number> = {};
    for (const [k, v] of Object.entries(last?.values ?? {})) {
      const m = /^Failed(.+)\(C\)$/.exec(k);
      if (m && m[1] !== 'Call' && Number(v) > 0) reasons[m[1]!] = Number(v);
    }
    const role = SCENARIOS[l.result.spec.scenario]!.role;
    const exitOk = l.result.exitCode !== null && [0, 1, 97, 99].includes(l.result.exitCode);
    let problem = l.problem;
    if (!problem && l.result.killed) problem = 'still running at the deadline: killed (calls stuck or SIPp hung)';
    if (!problem && !exitOk) problem = `SIPp exited with ${l.result.exitCode ?? l.result.signal}${l.result.stderr ? `: ${l.result.stderr.split('\n').slice(-1)[0]}` : ''}`;
    return {
      label: l.result.spec.label,
      scenario: l.result.spec.scenario,
      role,
      exitCode: l.result.exitCode,
      killedAtDeadline: l.result.killed,
      created: num(last, 'TotalCallCreated'),
      successful: num(last, 'SuccessfulCall(C)'),
      failed: num(last, 'FailedCall(C)'),
      failureReasons: reasons,
      retransmissions: num(last, 'Retransmissions(C)'),
      messageCounts: l.counts,
      ...(problem ? { problem } : {}),
    };
  });

  // Time series, one bucket per second since the trial started.
  // Counts (new calls, failures) add up; concurrent calls take each process's last value
  // in the second, summed over processes.
  const buckets = new Map<number, { cps: number; concurrent: Map<number, number>; failures: number; lat: number[] }>();
  const bucket = (t: number) => {
    const k = Math.max(0, Math.floor(t));
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = { cps: 0, concurrent: new Map(), failures: 0, lat: [] }));
    return b;
  };
  const setup: number[] = [];
  loaded.forEach((l, index) => {
    const info = SCENARIOS[l.result.spec.scenario]!;
    for (const row of l.stats) {
      const b = bucket(row.time - t0);
      b.failures += num(row, 'FailedCall(P)');
      if (info.role === 'uac') {
        b.cps += num(row, 'OutgoingCall(P)');
        b.concurrent.set(index, num(row, 'CurrentCall'));
      }
    }
    const timers = new Set(info.setupTimers ?? []);
    const start = l.stats[0]?.start ?? t0;
    for (const s of l.rtt) {
      if (!timers.has(s.timer)) continue;
      setup.push(s.valueMs);
      bucket(start + s.atMs / 1000 - t0).lat.push(s.valueMs);
    }
  });
  const lastConcurrent = new Map<number, number>();
  const series: SeriesPoint[] = [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, b]) => {
      // A process with no row in this second keeps its previous value.
      for (const [i, v] of b.concurrent) lastConcurrent.set(i, v);
      return [t, b, [...lastConcurrent.values()].reduce((x, y) => x + y, 0)] as const;
    })
    .map(([t, b, concurrent]) => ({
      t,
      cps: b.cps,
      concurrent,
      failures: b.failures,
      p50: b.lat.length ? percentile(b.lat, 50) : null,
      p95: b.lat.length ? percentile(b.lat, 95) : null,
      p99: b.lat.length ? percentile(b.lat, 99) : null,
    }));

  // Per-call timing joined by the X-Load-Call id.
  const sent = new Map<string, number>();
  const recv = new Map<string, number>();
  const answered = new Map<string, number>();
  const acked = new Map<string, number>();
  for (const l of loaded) {
    for (const e of l.events) {
      const into = e.event === 'invite_sent' ? sent : e.event === 'invite_recv' ? recv : e.event === 'answered' ? answered : e.event === 'ack_recv' ? acked : undefined;
      if (into && e.id && !into.has(e.id)) into.set(e.id, e.at);
    }
  }
  const timeToAgent = [...recv.entries()].flatMap(([id, at]) => (sent.has(id) ? [at - sent.get(id)!] : []));
  const answerToAck = [...acked.entries()].flatMap(([id, at]) => (answered.has(id) ? [at - answered.get(id)!] : []));

  const uacs = processes.filter((p) => p.role === 'uac');
  const callsOriginated = uacs.reduce((s, p) => s + p.created, 0);
  const callsSuccessful = uacs.reduce((s, p) => s + p.successful, 0);
  const legs = processes.reduce((s, p) => s + p.created, 0);
  const failedLegs = processes.reduce((s, p) => s + p.failed, 0);
  const failedPercent = legs > 0 ? (failedLegs / legs) * 100 : 0;
  const elapsed = Math.max(1, (run.endedAt - run.startedAt) / 1000);

  const c = profile.criteria;
  const criteria: CriterionResult[] = [];
  criteria.push({ name: 'calls placed', limit: `≥ ${c.minCalls}`, observed: String(callsOriginated), pass: callsOriginated >= c.minCalls });
  criteria.push({
    name: 'failed call legs',
    limit: `≤ ${c.maxFailedPercent} %`,
    observed: `${round(failedPercent, 3)} % (${failedLegs} of ${legs})`,
    pass: legs > 0 && failedPercent <= c.maxFailedPercent,
  });
  const broken = processes.filter((p) => p.problem);
  criteria.push({
    name: 'SIPp processes ended cleanly',
    limit: 'all',
    observed: broken.length === 0 ? 'all' : broken.map((p) => `${p.label}: ${p.problem}`).join('; '),
    pass: broken.length === 0,
  });
  const setupDist = distribution(setup);
  if (c.p99SetupMs !== undefined) {
    criteria.push({
      name: 'p99 call setup (INVITE → 200 OK)',
      limit: `≤ ${c.p99SetupMs} ms`,
      observed: setupDist.p99 === null ? 'no samples' : `${setupDist.p99} ms`,
      pass: setupDist.p99 !== null && setupDist.p99 <= c.p99SetupMs,
    });
  }
  const ttaDist = distribution(timeToAgent);
  if (c.p99TimeToAgentMs !== undefined) {
    criteria.push({
      name: 'p99 time to agent (caller INVITE → agent INVITE)',
      limit: `≤ ${c.p99TimeToAgentMs} ms`,
      observed: ttaDist.p99 === null ? 'not measured: no agent INVITE carried an X-Load-Call id seen from a caller' : `${ttaDist.p99} ms`,
      pass: ttaDist.p99 !== null && ttaDist.p99 <= c.p99TimeToAgentMs,
    });
  }
  let metrics: TrialSummary['metrics'];
  if (c.minServiceLevelPercent) {
    const v = run.metricsAfter !== undefined ? metricValue(run.metricsAfter, c.minServiceLevelPercent.metric) : undefined;
    metrics = { ...(v !== undefined ? { serviceLevelPercent: v } : {}), ...(run.metricsError ? { error: run.metricsError } : {}) };
    criteria.push({
      name: `service level (${c.minServiceLevelPercent.metric})`,
      limit: `≥ ${c.minServiceLevelPercent.min} %`,
      observed:
        v !== undefined
          ? `${v} %`
          : run.metricsAfter === undefined
            ? `not measured: ${run.metricsError ?? 'no target.metricsUrl in the profile'}`
            : `not measured: /metrics has no ${c.minServiceLevelPercent.metric}`,
      pass: v !== undefined && v >= c.minServiceLevelPercent.min,
    });
  }

  const target = profile.target.kind === 'sip' ? `sip ${profile.target.host}:${profile.target.port}` : 'selftest (SIPp to SIPp on loopback)';
  return {
    profile: profile.name,
    target,
    startedAt: new Date(run.startedAt).toISOString(),
    durationSeconds: run.durationSeconds,
    rate: rateLabel,
    verdict: criteria.every((x) => x.pass) ? 'pass' : 'fail',
    criteria,
    totals: {
      callsOriginated,
      callsSuccessful,
      legs,
      failedLegs,
      failedPercent: round(failedPercent, 3),
      peakCps: Math.max(0, ...series.map((s) => s.cps)),
      peakConcurrent: Math.max(0, ...series.map((s) => s.concurrent)),
      achievedCps: round(callsOriginated / Math.max(1, Math.min(elapsed, run.durationSeconds)), 2),
    },
    setupMs: setupDist,
    timeToAgentMs: ttaDist,
    agentAnswerToAckMs: distribution(answerToAck),
    processes,
    series,
    ...(metrics ? { metrics } : {}),
  };
}
