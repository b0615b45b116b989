/**
 * Service-level math, pure (no I/O, no clock): the ACD's real-time figures, the 15-minute
 * interval rows and the reporting helper all use these, so every screen agrees.
 * The formulas are written out in docs/acd.md; the code below is the reference.
 */
import { DateTime } from 'luxon';
import type { AgentState } from '../domainEvents.js';

/** One interaction's passage through a queue, once its outcome is known. */
export interface QueueRecord {
  queueId: string;
  /** Entered the queue (original time; RONA and overflow keep it). */
  enqueuedAt: number;
  /** Agent connected. */
  answeredAt?: number | null;
  /** Caller left while waiting (hang-up, chat closed by the customer). */
  abandonedAt?: number | null;
  /** Left the queue otherwise (overflow, callback, voicemail, timeout, hang-up with message). */
  exitedAt?: number | null;
  talkMs?: number;
  holdMs?: number;
  wrapMs?: number;
  agentId?: string | null;
}

export interface SlSettings {
  thresholdSec: number;
  shortAbandonSec: number;
}

export interface QueueStats {
  /** Records counted (entered the queue and reached an outcome). */
  offered: number;
  answered: number;
  answeredWithinThreshold: number;
  /** Abandoned after waiting longer than the short-abandon threshold. */
  abandoned: number;
  /** Abandoned within the short-abandon threshold (excluded from SL and abandon rate). */
  shortAbandoned: number;
  /** Left by overflow, callback, voicemail, max-wait or full-queue exits. */
  exited: number;
  /** answeredWithinThreshold ÷ (answered + abandoned); null when the divisor is 0. */
  serviceLevel: number | null;
  /** abandoned ÷ (answered + abandoned); null when the divisor is 0. */
  abandonRate: number | null;
  /** Mean wait of answered interactions (ms); null when none. */
  asaMs: number | null;
  /** Mean talk + hold + wrap-up of answered interactions whose handling ended (ms). */
  ahtMs: number | null;
  /** Longest wait among the answered ones (ms). */
  maxAnsweredWaitMs: number | null;
}

function waitOf(r: QueueRecord): number | null {
  const end = r.answeredAt ?? r.abandonedAt ?? r.exitedAt;
  return end == null ? null : Math.max(0, end - r.enqueuedAt);
}

/** Queue figures over a set of records (already filtered to the period you want). */
export function queueStats(records: Iterable<QueueRecord>, sl: SlSettings): QueueStats {
  const thresholdMs = sl.thresholdSec * 1000;
  const shortMs = sl.shortAbandonSec * 1000;
  let offered = 0;
  let answered = 0;
  let within = 0;
  let abandoned = 0;
  let shortAbandoned = 0;
  let exited = 0;
  let waitSum = 0;
  let maxWait: number | null = null;
  let handleSum = 0;
  let handled = 0;
  for (const r of records) {
    const wait = waitOf(r);
    if (wait === null) continue;
    offered++;
    if (r.answeredAt != null) {
      answered++;
      waitSum += wait;
      if (wait <= thresholdMs) within++;
      if (maxWait === null || wait > maxWait) maxWait = wait;
      if (r.talkMs !== undefined) {
        handleSum += r.talkMs + (r.holdMs ?? 0) + (r.wrapMs ?? 0);
        handled++;
      }
    } else if (r.abandonedAt != null) {
      if (wait > shortMs) abandoned++;
      else shortAbandoned++;
    } else exited++;
  }
  const divisor = answered + abandoned;
  return {
    offered,
    answered,
    answeredWithinThreshold: within,
    abandoned,
    shortAbandoned,
    exited,
    serviceLevel: divisor ? within / divisor : null,
    abandonRate: divisor ? abandoned / divisor : null,
    asaMs: answered ? waitSum / answered : null,
    ahtMs: handled ? handleSum / handled : null,
    maxAnsweredWaitMs: maxWait,
  };
}

/** One agent state change (as in agent_state_events). */
export interface AgentStateChange {
  at: number;
  state: AgentState;
}

export type StateDurations = Record<AgentState, number>;

/**
 * Time spent in each state within [from, to), given the agent's changes in time order.
 * The state before the first change is `initial`.
 */
export function stateDurations(changes: AgentStateChange[], from: number, to: number, initial: AgentState = 'logged-out'): StateDurations {
  const out: StateDurations = { 'logged-out': 0, ready: 0, 'not-ready': 0, reserved: 0, busy: 0, 'wrap-up': 0 };
  let state = initial;
  let since = from;
  for (const c of changes) {
    if (c.at <= from) {
      state = c.state;
      continue;
    }
    if (c.at >= to) break;
    out[state] += c.at - since;
    state = c.state;
    since = c.at;
  }
  if (to > since) out[state] += to - since;
  return out;
}

/**
 * Occupancy = (busy + wrap-up) ÷ (ready + reserved + busy + wrap-up): the share of the time
 * an agent was available for work that went to handling it. Not-ready and logged-out time
 * are outside both sides. Null when the agent was never available.
 */
export function occupancy(d: StateDurations): number | null {
  const working = d.busy + d['wrap-up'];
  const available = d.ready + d.reserved + working;
  return available > 0 ? working / available : null;
}

export const INTERVAL_MS = 15 * 60 * 1000;

/** Start of the 15-minute interval holding `t` (UTC-aligned; every IANA zone offset is a multiple of 15 minutes). */
export function intervalStart(t: number): number {
  return Math.floor(t / INTERVAL_MS) * INTERVAL_MS;
}

/** Midnight of `t`'s day in the site's time zone, as epoch ms. */
export function startOfSiteDay(t: number, timeZone: string): number {
  const d = DateTime.fromMillis(t, { zone: timeZone });
  if (!d.isValid) throw new Error(`unknown time zone ${timeZone}`);
  return d.startOf('day').toMillis();
}

/** Records whose outcome fell in [from, to). */
export function recordsBetween<T extends QueueRecord>(records: Iterable<T>, from: number, to: number): T[] {
  const out: T[] = [];
  for (const r of records) {
    const end = r.answeredAt ?? r.abandonedAt ?? r.exitedAt;
    if (end != null && end >= from && end < to) out.push(r);
  }
  return out;
}

/**
 * Records by 15-minute interval of queue entry (the convention of the interval report:
 * a call belongs to the interval it arrived in, so each interval's SL is about its own load).
 */
export function byInterval<T extends QueueRecord>(records: Iterable<T>): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of records) {
    const k = intervalStart(r.enqueuedAt);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}

/**
 * Estimated wait for the caller at `position` (1-based): recent mean handle time × position
 * ÷ agents staffed. Null when nobody is staffed or no handle time is known yet.
 */
export function estimatedWaitMs(position: number, ahtMs: number | null, staffed: number): number | null {
  if (staffed <= 0 || ahtMs === null || position <= 0) return null;
  return (ahtMs * position) / staffed;
}
