/**
 * Pacing (pure): how many calls to place now. No I/O, no clock: the runner hands in a
 * snapshot and places what this returns.
 *
 * - preview / progressive: one call per ready agent, and the agent is reserved for it, so
 *   a live answer always has an agent (no abandons other than AMD mistakes).
 * - power: `powerRatio` calls per ready agent, agents not reserved.
 * - predictive: place calls so that the expected number of live answers matches the agents
 *   expected to be free when those answers arrive (ready now + about to finish), allowing
 *   an expected overflow (abandons) of at most τ of the live answers, where τ is the target
 *   abandon rate, lowered while few answers are known and as the measured rate nears the cap.
 *
 * Hard limit: when the abandon rate measured over the campaign's window (or the rolling
 * hour) reaches the back-off threshold, every mode falls back to one reserved call per ready
 * agent, which cannot abandon. That is a rule, not a weight in an optimiser.
 */
import type { DialMode } from './campaign.js';

export interface BusyAgent {
  state: 'talking' | 'wrap-up';
  /** Time spent in that state so far. */
  elapsedMs: number;
}

export interface PacingEstimates {
  /** Calls placed so far (the sample the rates come from). */
  dials: number;
  /** Dials that produced a live answer needing an agent (humans, plus machines passed to agents). */
  connects: number;
  /** Mean time from dialling to the moment an answer needs an agent (ring + AMD). */
  meanTimeToConnectMs: number;
  meanTalkMs: number;
  meanWrapMs: number;
}

export interface AbandonSnapshot {
  /** Rate over the campaign's legal window (30 days or 24 h) and the live answers it is over. */
  windowRatePct: number;
  windowLive: number;
  /** Rate over the last rolling hour. */
  hourRatePct: number;
  hourLive: number;
}

export interface PacingInput {
  mode: DialMode;
  powerRatio: number;
  /** Agents ready and not reserved for a call. */
  readyAgents: number;
  busyAgents: BusyAgent[];
  /** Calls placed and not yet answered or failed (unreserved ones, in power/predictive). */
  dialsInFlight: number;
  /** Answered calls waiting for an agent right now (in AMD or in the 2 s connect window). */
  liveWaiting: number;
  estimates: PacingEstimates;
  abandon: AbandonSnapshot;
  capPct: number;
  targetPct: number;
  maxDialsPerAgent: number;
  warmupAnswers: number;
}

export interface PacingDecision {
  /** Calls to place now. */
  dials: number;
  /** Place them reserved (one agent held per call) — progressive behaviour. */
  reserveAgents: boolean;
  /** Why this number (for the live view and logs). */
  reason: 'preview' | 'progressive' | 'power' | 'predictive' | 'hard-limit' | 'no-agents';
  /** Abandon fraction of live answers the predictive step allowed (0 when reserved). */
  allowedOverflow: number;
  /** Agents expected free when the next answers arrive (predictive). */
  expectedFreeAgents: number;
}

/** A live person waited a rolling hour over this is the worst-hour guard (UK-style practice). */
export const HOUR_GUARD_PCT = 4.5;

/** The measured rate is near the cap: stop over-dialling. */
export function hardLimitReached(input: Pick<PacingInput, 'abandon' | 'capPct'>): boolean {
  const a = input.abandon;
  const capBackoff = input.capPct * 0.9;
  if (a.windowLive > 0 && a.windowRatePct >= capBackoff) return true;
  // The rolling hour only counts once it has enough answers to mean something.
  if (a.hourLive >= 20 && a.hourRatePct >= Math.min(HOUR_GUARD_PCT, input.capPct * 1.5)) return true;
  return false;
}

export function decidePacing(input: PacingInput): PacingDecision {
  const base = { allowedOverflow: 0, expectedFreeAgents: input.readyAgents };
  if (input.readyAgents <= 0 && input.mode !== 'predictive') return { ...base, dials: 0, reserveAgents: true, reason: 'no-agents' };
  switch (input.mode) {
    case 'preview':
      return { ...base, dials: input.readyAgents, reserveAgents: true, reason: 'preview' };
    case 'progressive':
      return { ...base, dials: input.readyAgents, reserveAgents: true, reason: 'progressive' };
    case 'power': {
      if (hardLimitReached(input)) return { ...base, dials: input.readyAgents, reserveAgents: true, reason: 'hard-limit' };
      const wanted = Math.floor(input.powerRatio * input.readyAgents + 1e-9);
      return { ...base, dials: Math.max(0, wanted - input.dialsInFlight), reserveAgents: false, reason: 'power' };
    }
    case 'predictive':
      return decidePredictive(input);
  }
}

/** Probability a live answer needs an agent, leaning high (fewer dials) while the sample is small. */
export function cautiousConnectRate(e: Pick<PacingEstimates, 'dials' | 'connects'>): number {
  const priorDials = 20;
  const priorRate = 0.5;
  const n = e.dials + priorDials;
  const p = (e.connects + priorRate * priorDials) / n;
  const upper = p + 1.645 * Math.sqrt((p * (1 - p)) / n);
  return Math.min(1, Math.max(0.01, upper));
}

/** Expected number of agents free `horizonMs` from now. */
export function expectedFreeAgents(readyAgents: number, busy: BusyAgent[], horizonMs: number, meanTalkMs: number, meanWrapMs: number): number {
  let free = readyAgents;
  for (const agent of busy) {
    if (agent.state === 'wrap-up') {
      const remaining = Math.max(0, meanWrapMs - agent.elapsedMs);
      if (remaining <= horizonMs) free += 1;
    } else {
      // Remaining talk modelled as exponential (memoryless), then a full wrap-up.
      const talkBudget = horizonMs - meanWrapMs;
      if (talkBudget > 0 && meanTalkMs > 0) free += 1 - Math.exp(-talkBudget / meanTalkMs);
    }
  }
  return free;
}

/**
 * E[(X − a)⁺] for X ~ Binomial(n, p): the expected live answers that find no agent when
 * `a` agents are free.
 */
export function expectedOverflow(n: number, p: number, a: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return Math.max(0, n - a);
  const start = Math.max(0, Math.floor(a) + 1);
  if (start > n) return 0;
  // pmf(k) computed in log space from k = start upward.
  let logPmf = logChoose(n, start) + start * Math.log(p) + (n - start) * Math.log1p(-p);
  let sum = 0;
  const ratio = p / (1 - p);
  for (let k = start; k <= n; k++) {
    const pmf = Math.exp(logPmf);
    sum += pmf * (k - a);
    if (pmf < 1e-12 && k > n * p) break;
    logPmf += Math.log((n - k) / (k + 1)) + Math.log(ratio);
  }
  return sum;
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

const LOG_FACT: number[] = [0];
function logFactorial(n: number): number {
  for (let i = LOG_FACT.length; i <= n; i++) LOG_FACT[i] = (LOG_FACT[i - 1] as number) + Math.log(i);
  return LOG_FACT[n] as number;
}

/** The abandon fraction predictive pacing may plan for now. */
export function allowedOverflowFraction(input: Pick<PacingInput, 'abandon' | 'capPct' | 'targetPct' | 'estimates' | 'warmupAnswers'>): number {
  const target = Math.min(input.targetPct, input.capPct) / 100;
  if (target <= 0) return 0;
  // Early: few answers known, so trust grows with the sample.
  const warm = input.warmupAnswers > 0 ? Math.min(1, input.estimates.connects / input.warmupAnswers) : 1;
  // Back off linearly as the window rate climbs from half the cap to the back-off threshold.
  const cap = input.capPct;
  const w = input.abandon.windowRatePct;
  const windowRoom = w <= cap * 0.5 ? 1 : Math.max(0, (cap * 0.9 - w) / (cap * 0.4));
  // Same for the rolling hour against the worst-hour guard.
  const hourGuard = Math.min(HOUR_GUARD_PCT, cap * 1.5);
  const h = input.abandon.hourLive >= 20 ? input.abandon.hourRatePct : 0;
  const hourRoom = h <= target * 100 ? 1 : Math.max(0, (hourGuard - h) / (hourGuard - target * 100));
  // The overflow model is cautious (unanswered calls in flight are counted at the full answer
  // rate); when the measured rate stays well under the target, allow more, up to 3×. The
  // back-off terms above and the hard limit still apply.
  const targetPct = target * 100;
  const boost = input.abandon.windowLive >= input.warmupAnswers && w < targetPct * 0.5 ? Math.min(3, targetPct / Math.max(w, targetPct / 3)) : 1;
  return target * warm * boost * Math.min(windowRoom, hourRoom);
}

function decidePredictive(input: PacingInput): PacingDecision {
  const est = input.estimates;
  const horizon = Math.max(1000, est.meanTimeToConnectMs);
  const free = expectedFreeAgents(input.readyAgents, input.busyAgents, horizon, est.meanTalkMs, est.meanWrapMs);
  const available = Math.max(0, free - input.liveWaiting);
  if (hardLimitReached(input)) {
    return { dials: Math.max(0, input.readyAgents), reserveAgents: true, reason: 'hard-limit', allowedOverflow: 0, expectedFreeAgents: free };
  }
  const tau = allowedOverflowFraction(input);
  const p = cautiousConnectRate(est);
  const agents = input.readyAgents + input.busyAgents.length;
  const maxOutstanding = Math.floor(input.maxDialsPerAgent * agents);
  const ok = (n: number): boolean => expectedOverflow(n, p, available) <= tau * n * p + 1e-9;
  // Largest total outstanding N (in flight + new) within the allowed overflow; ok() is monotone in N.
  let lo = Math.min(input.dialsInFlight, maxOutstanding);
  if (!ok(lo)) return { dials: 0, reserveAgents: false, reason: 'predictive', allowedOverflow: tau, expectedFreeAgents: free };
  let hi = maxOutstanding;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return { dials: Math.max(0, lo - input.dialsInFlight), reserveAgents: false, reason: 'predictive', allowedOverflow: tau, expectedFreeAgents: free };
}
