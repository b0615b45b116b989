/**
 * What `npm run load` does: a plain run of a profile, --find-max (the highest rate that
 * still meets every pass criterion) and --compare (the same load against a plain
 * FreeSWITCH static-bridge target and against the Switchboard path, with the ratio).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeTrial, type TrialSummary } from './analyze.js';
import { prepareMedia } from './media.js';
import type { Profile } from './profile.js';
import { writeReport, type FindMaxStep, type RunReport } from './report.js';
import { runTrial, type TrialOptions } from './trial.js';

export const DEFAULT_REPORTS_DIR = fileURLToPath(new URL('../reports/', import.meta.url));

export class ComparisonUnavailableError extends Error {
  override readonly name = 'ComparisonUnavailableError';
}

export interface RunContext {
  outDir: string;
  trunkPassword?: string;
  log: (line: string) => void;
}

export interface ProfileOutcome {
  report: RunReport;
  dir: string;
  files: { json: string; md: string; html: string };
}

export function reportDirName(now = new Date()): string {
  return now.toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
}

async function trial(profile: Profile, ctx: RunContext, name: string, extra: Partial<TrialOptions>, rateLabel: string): Promise<{ summary: TrialSummary; dir: string }> {
  const dir = path.join(ctx.outDir, name);
  const mediaDir = path.join(ctx.outDir, 'media');
  await prepareMedia(mediaDir);
  const run = await runTrial(profile, { dir, mediaDir, log: ctx.log, trunkPassword: ctx.trunkPassword, ...extra });
  return { summary: await analyzeTrial(profile, run, rateLabel), dir };
}

function rampLabel(p: Profile): string {
  const r = p.rate;
  return r.step > 0 ? `ramp ${r.start} → ${r.max} calls/s, +${r.step} every ${r.stepSeconds} s` : `${r.start} calls/s`;
}

/** A plain run with the profile's ramp. */
export async function runProfile(profile: Profile, ctx: RunContext, extra: Partial<TrialOptions> = {}): Promise<ProfileOutcome> {
  await mkdir(ctx.outDir, { recursive: true });
  const { summary, dir } = await trial(profile, ctx, 'run', extra, rampLabel(profile));
  const report: RunReport = { summary };
  const files = await writeReport(dir, report);
  return { report, dir, files };
}

export const FIND_MAX_METHOD =
  'RFC 7501/7502 style: constant-rate trials of fixed duration; the rate rises by findMax.step (or rate.step) from findMax.start (or rate.start) until a pass criterion breaks or the maximum is reached, then a binary search between the last passing and the first failing rate down to findMax.resolution';

/**
 * The search itself: step up from `start` by `step` until a trial fails or `max` is
 * passed, then bisect between the last pass and the first failure until they are at most
 * `resolution` apart. Returns the highest passing rate, or null if `start` already fails.
 */
export async function searchMaxRate(
  start: number,
  step: number,
  max: number,
  resolution: number,
  attempt: (rate: number) => Promise<boolean>,
): Promise<number | null> {
  let lastPass: number | null = null;
  let firstFail: number | null = null;
  for (let rate = start; rate <= max; rate += Math.max(1, step)) {
    if (await attempt(rate)) lastPass = rate;
    else {
      firstFail = rate;
      break;
    }
  }
  if (firstFail === null || lastPass === null) return lastPass;
  let lo = lastPass;
  let hi = firstFail;
  while (hi - lo > Math.max(1, resolution)) {
    const mid = Math.floor((lo + hi) / 2);
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Highest rate (calls/s) at which every pass criterion holds. */
export async function findMax(profile: Profile, ctx: RunContext, extra: Partial<TrialOptions> = {}): Promise<ProfileOutcome> {
  await mkdir(ctx.outDir, { recursive: true });
  const steps: FindMaxStep[] = [];
  const summaries = new Map<number, { summary: TrialSummary; dir: string }>();
  const seconds = profile.findMax.trialSeconds;
  const attempt = async (rate: number): Promise<boolean> => {
    const t = await trial(profile, ctx, `trial-${String(steps.length + 1).padStart(2, '0')}-${rate}cps`, { ...extra, constantRate: rate, durationSeconds: seconds }, `${rate} calls/s constant`);
    summaries.set(rate, t);
    await writeReport(t.dir, { summary: t.summary });
    steps.push({ rate, verdict: t.summary.verdict, failedPercent: t.summary.totals.failedPercent, p99SetupMs: t.summary.setupMs.p99, dir: path.relative(ctx.outDir, t.dir) });
    ctx.log(`find-max: ${rate} calls/s → ${t.summary.verdict}`);
    return t.summary.verdict === 'pass';
  };
  const fm = profile.findMax;
  const start = fm.start ?? profile.rate.start;
  const lastPass = await searchMaxRate(start, fm.step ?? (profile.rate.step || start), fm.max ?? profile.rate.max, fm.resolution, attempt);
  const best = summaries.get(lastPass ?? -1) ?? summaries.get(steps[0]!.rate)!;
  const report: RunReport = {
    summary: { ...best.summary, verdict: lastPass === null ? 'fail' : 'pass' },
    findMax: { maxPassingRate: lastPass, steps, method: FIND_MAX_METHOD },
  };
  const files = await writeReport(ctx.outDir, report);
  return { report, dir: ctx.outDir, files };
}

export interface Comparison {
  staticBridge: ProfileOutcome;
  switchboard: ProfileOutcome;
  /** Switchboard / static bridge, for the throughput figure that was measured. */
  throughputRatio: number | null;
  p99SetupRatio: number | null;
  figure: 'max passing calls/s' | 'achieved calls/s';
}

export async function compare(profile: Profile, ctx: RunContext, withFindMax: boolean): Promise<Comparison> {
  if (profile.target.kind !== 'sip' || !profile.compare) {
    throw new ComparisonUnavailableError(
      `comparison mode needs a FreeSWITCH: profile "${profile.name}" must set target.kind: sip with target.host/port (the Switchboard path) and compare.staticTarget (a FreeSWITCH extension that bridges statically, without the control plane). No comparison was run.`,
    );
  }
  const st = profile.compare.staticTarget;
  const one = (name: string, extra: Partial<TrialOptions>) =>
    (withFindMax ? findMax : runProfile)(profile, { ...ctx, outDir: path.join(ctx.outDir, name) }, extra);
  const staticBridge = await one('static-bridge', { targetOverride: { host: st.host, port: st.port, ...(st.service ? { service: st.service } : {}) } });
  const switchboard = await one('switchboard', {});
  const through = (o: ProfileOutcome) => (withFindMax ? (o.report.findMax?.maxPassingRate ?? null) : o.report.summary.totals.achievedCps);
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
  return {
    staticBridge,
    switchboard,
    throughputRatio: ratio(through(switchboard), through(staticBridge)),
    p99SetupRatio: ratio(switchboard.report.summary.setupMs.p99, staticBridge.report.summary.setupMs.p99),
    figure: withFindMax ? 'max passing calls/s' : 'achieved calls/s',
  };
}
