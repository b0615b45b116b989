/**
 * Readers' view of the two event logs (vocabulary in ../domainEvents.ts) and the pure
 * derivations every report shares: one interaction's CDR, its queue segments, and agents'
 * time in each state. No I/O here: the same functions feed the stored reports and the live
 * wallboard.
 */
import type { AgentState, InteractionEventType } from '../domainEvents.js';

export const INTERVAL_MS = 15 * 60_000;

export interface InteractionEventRecord {
  id: number;
  interactionId: string;
  at: number;
  type: InteractionEventType;
  queueId: string | null;
  agentId: string | null;
  data: Record<string, unknown>;
}

export interface AgentStateRecord {
  id: number;
  agentId: string;
  at: number;
  state: AgentState;
  reason: string | null;
}

export interface QueueThresholds {
  /** Answered within this many seconds counts toward the service level. */
  slThresholdSec: number;
  /** Abandons within this many seconds are short abandons (out of the SL denominator). */
  shortAbandonSec: number;
  /** Target SL percentage shown against the actual. */
  slTargetPct: number;
}

export const DEFAULT_THRESHOLDS: QueueThresholds = { slThresholdSec: 20, shortAbandonSec: 5, slTargetPct: 80 };

/** Reads thresholds from `queues.settings` (`slThresholdSec`, `shortAbandonSec`, `slTargetPct`). */
export function thresholdsFromSettings(settings: unknown): QueueThresholds {
  const s = (settings && typeof settings === 'object' ? settings : {}) as Record<string, unknown>;
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    slThresholdSec: num(s.slThresholdSec, DEFAULT_THRESHOLDS.slThresholdSec),
    shortAbandonSec: num(s.shortAbandonSec, DEFAULT_THRESHOLDS.shortAbandonSec),
    slTargetPct: num(s.slTargetPct, DEFAULT_THRESHOLDS.slTargetPct),
  };
}

export const intervalStart = (at: number): number => Math.floor(at / INTERVAL_MS) * INTERVAL_MS;

export type SegmentOutcome = 'answered' | 'abandoned' | 'callback' | 'voicemail' | 'transferred' | 'overflowed' | 'requeued' | 'other' | 'waiting';

/** One stay in one queue: from `queued` to the event that ended the wait, plus handling if answered. */
export interface QueueSegment {
  interactionId: string;
  queueId: string;
  campaignId: string | null;
  queuedAt: number;
  endedWaitAt: number | null;
  outcome: SegmentOutcome;
  waitMs: number | null;
  agentId: string | null;
  answeredAt: number | null;
  talkMs: number;
  holdMs: number;
  wrapupMs: number;
}

export interface Cdr {
  interactionId: string;
  queueId: string | null;
  campaignId: string | null;
  agentId: string | null;
  arrivedAt: number;
  ivrEndedAt: number | null;
  queuedAt: number | null;
  offeredAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  wrapupEndedAt: number | null;
  waitMs: number | null;
  talkMs: number | null;
  holdMs: number | null;
  wrapupMs: number | null;
  outcome: string | null;
  hangupSide: string | null;
  hangupCause: string | null;
  recordingId: string | null;
  flowPath: string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

function sortEvents(events: InteractionEventRecord[]): InteractionEventRecord[] {
  return [...events].sort((a, b) => a.id - b.id);
}

function campaignOf(events: InteractionEventRecord[]): string | null {
  for (const e of events) {
    const c = str(e.data.campaignId) ?? str(e.data.campaign_id);
    if (c) return c;
  }
  return null;
}

/** Splits one interaction's events (any order) into its queue segments. */
export function queueSegments(eventsIn: InteractionEventRecord[]): QueueSegment[] {
  const events = sortEvents(eventsIn);
  const campaignId = campaignOf(events);
  const segments: QueueSegment[] = [];
  let open: QueueSegment | null = null; // waiting in a queue
  let handling: QueueSegment | null = null; // answered, counting talk/hold/wrap-up
  let heldAt: number | null = null;
  let endedAt: number | null = null;

  const close = (outcome: SegmentOutcome, at: number, waitMs?: number): void => {
    if (!open) return;
    open.outcome = outcome;
    open.endedWaitAt = at;
    open.waitMs = waitMs ?? Math.max(0, at - open.queuedAt);
    open = null;
  };

  for (const e of events) {
    switch (e.type) {
      case 'queued': {
        if (open) close('requeued', e.at);
        if (!e.queueId) break;
        open = {
          interactionId: e.interactionId, queueId: e.queueId, campaignId, queuedAt: e.at, endedWaitAt: null,
          outcome: 'waiting', waitMs: null, agentId: null, answeredAt: null, talkMs: 0, holdMs: 0, wrapupMs: 0,
        };
        segments.push(open);
        break;
      }
      case 'answered': {
        if (open) {
          const seg: QueueSegment = open;
          close('answered', e.at);
          seg.agentId = e.agentId;
          seg.answeredAt = e.at;
          handling = seg;
        }
        break;
      }
      case 'abandoned': {
        const waited = typeof e.data.waitedMs === 'number' ? e.data.waitedMs : undefined;
        close('abandoned', e.at, waited);
        break;
      }
      case 'callback.requested': close('callback', e.at); break;
      case 'voicemail': close('voicemail', e.at); break;
      case 'transferred': close('transferred', e.at); break;
      case 'overflowed': close('overflowed', e.at); break;
      case 'held': if (handling && heldAt === null) heldAt = e.at; break;
      case 'retrieved':
        if (handling && heldAt !== null) {
          handling.holdMs += e.at - heldAt;
          heldAt = null;
        }
        break;
      case 'ended': {
        if (open) {
          const outcome = str(e.data.outcome);
          close(outcome === 'abandoned' || outcome === null ? 'abandoned' : 'other', e.at);
        }
        if (handling && endedAt === null) {
          if (heldAt !== null) {
            handling.holdMs += e.at - heldAt;
            heldAt = null;
          }
          handling.talkMs = Math.max(0, e.at - (handling.answeredAt as number) - handling.holdMs);
        }
        endedAt ??= e.at;
        break;
      }
      case 'wrapup.ended':
        if (handling && endedAt !== null) handling.wrapupMs = Math.max(0, e.at - endedAt);
        break;
      default:
        break;
    }
  }
  return segments;
}

/** The call detail record of one interaction, from its events (any order). */
export function buildCdr(eventsIn: InteractionEventRecord[], recordingId: string | null = null): Cdr {
  const events = sortEvents(eventsIn);
  if (events.length === 0) throw new Error('buildCdr needs at least one event');
  const first = (type: InteractionEventType) => events.find((e) => e.type === type) ?? null;
  const segments = queueSegments(events);
  const answeredSeg = segments.find((s) => s.outcome === 'answered') ?? null;
  const lastSeg = segments[segments.length - 1] ?? null;
  const arrived = first('arrived') ?? (events[0] as InteractionEventRecord);
  const ended = first('ended');
  const answered = first('answered');
  const firstQueued = first('queued');
  const wrap = first('wrapup.ended');
  const waitEnd = answered?.at ?? first('abandoned')?.at ?? ended?.at ?? null;
  const recStarted = first('recording.started');
  const abandonedSeg = segments.find((s) => s.outcome === 'abandoned');
  const outcome = str(ended?.data.outcome) ?? (answeredSeg ? 'answered' : abandonedSeg ? 'abandoned' : lastSeg?.outcome === 'waiting' ? null : (lastSeg?.outcome ?? null));
  return {
    interactionId: arrived.interactionId,
    queueId: answeredSeg?.queueId ?? lastSeg?.queueId ?? null,
    campaignId: campaignOf(events),
    agentId: answered?.agentId ?? null,
    arrivedAt: arrived.at,
    ivrEndedAt: first('ivr.ended')?.at ?? null,
    queuedAt: firstQueued?.at ?? null,
    offeredAt: first('offered')?.at ?? null,
    answeredAt: answered?.at ?? null,
    endedAt: ended?.at ?? null,
    wrapupEndedAt: wrap?.at ?? null,
    waitMs: firstQueued && waitEnd !== null ? Math.max(0, waitEnd - firstQueued.at) : null,
    talkMs: answeredSeg && ended ? answeredSeg.talkMs : null,
    holdMs: answeredSeg ? answeredSeg.holdMs : null,
    wrapupMs: wrap && ended ? Math.max(0, wrap.at - ended.at) : null,
    outcome,
    hangupSide: str(ended?.data.side),
    hangupCause: str(ended?.data.cause),
    recordingId: recordingId ?? str(recStarted?.data.recordingId),
    flowPath: events.filter((e) => e.type === 'ivr.node').map((e) => String(e.data.node ?? '?')),
  };
}

/** Counters kept per interval (queue, campaign or agent); ratios are derived when read. */
export interface IntervalCounters {
  offered: number;
  answered: number;
  answeredInSl: number;
  abandoned: number;
  shortAbandoned: number;
  answerWaitMs: number;
  talkMs: number;
  holdMs: number;
  wrapupMs: number;
}

export const emptyCounters = (): IntervalCounters => ({
  offered: 0, answered: 0, answeredInSl: 0, abandoned: 0, shortAbandoned: 0, answerWaitMs: 0, talkMs: 0, holdMs: 0, wrapupMs: 0,
});

export function addSegment(c: IntervalCounters, s: QueueSegment, t: QueueThresholds, countOffered = true): void {
  if (countOffered) c.offered += 1;
  if (s.outcome === 'answered') {
    c.answered += 1;
    const wait = s.waitMs ?? 0;
    c.answerWaitMs += wait;
    if (wait <= t.slThresholdSec * 1000) c.answeredInSl += 1;
    c.talkMs += s.talkMs;
    c.holdMs += s.holdMs;
    c.wrapupMs += s.wrapupMs;
  } else if (s.outcome === 'abandoned') {
    if ((s.waitMs ?? 0) <= t.shortAbandonSec * 1000) c.shortAbandoned += 1;
    else c.abandoned += 1;
  }
}

export function addCounters(into: IntervalCounters, c: IntervalCounters): void {
  for (const k of Object.keys(into) as Array<keyof IntervalCounters>) into[k] += c[k];
}

export interface DerivedMetrics {
  /** SL = answered within threshold ÷ (answered + abandoned after the short-abandon threshold). */
  serviceLevelPct: number | null;
  asaMs: number | null;
  ahtMs: number | null;
  abandonRatePct: number | null;
}

export function derive(c: IntervalCounters): DerivedMetrics {
  const slDen = c.answered + c.abandoned;
  const abDen = c.offered;
  return {
    serviceLevelPct: slDen > 0 ? round2((100 * c.answeredInSl) / slDen) : null,
    asaMs: c.answered > 0 ? Math.round(c.answerWaitMs / c.answered) : null,
    ahtMs: c.answered > 0 ? Math.round((c.talkMs + c.holdMs + c.wrapupMs) / c.answered) : null,
    abandonRatePct: abDen > 0 ? round2((100 * c.abandoned) / abDen) : null,
  };
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;

export interface AgentTime {
  readyMs: number;
  busyMs: number;
  notReadyMs: number;
  notReadyByReason: Record<string, number>;
}

export const emptyAgentTime = (): AgentTime => ({ readyMs: 0, busyMs: 0, notReadyMs: 0, notReadyByReason: {} });

/**
 * Splits each agent's closed state spans (a state lasts until the agent's next event) into
 * 15-minute intervals, clipped to [from, to). Open spans (no later event yet) are not counted.
 */
export function agentTimeByInterval(events: AgentStateRecord[], from: number, to: number): Map<string, Map<number, AgentTime>> {
  const byAgent = new Map<string, AgentStateRecord[]>();
  for (const e of events) {
    let list = byAgent.get(e.agentId);
    if (!list) byAgent.set(e.agentId, (list = []));
    list.push(e);
  }
  const out = new Map<string, Map<number, AgentTime>>();
  for (const [agentId, list] of byAgent) {
    list.sort((a, b) => a.at - b.at || a.id - b.id);
    const buckets = new Map<number, AgentTime>();
    for (let i = 0; i + 1 < list.length; i++) {
      const cur = list[i] as AgentStateRecord;
      const next = list[i + 1] as AgentStateRecord;
      let start = Math.max(cur.at, from);
      const end = Math.min(next.at, to);
      while (start < end) {
        const bucket = intervalStart(start);
        const sliceEnd = Math.min(end, bucket + INTERVAL_MS);
        const ms = sliceEnd - start;
        let t = buckets.get(bucket);
        if (!t) buckets.set(bucket, (t = emptyAgentTime()));
        if (cur.state === 'ready') t.readyMs += ms;
        else if (cur.state === 'busy' || cur.state === 'reserved' || cur.state === 'wrap-up') t.busyMs += ms;
        else if (cur.state === 'not-ready') {
          t.notReadyMs += ms;
          const reason = cur.reason ?? 'unspecified';
          t.notReadyByReason[reason] = (t.notReadyByReason[reason] ?? 0) + ms;
        }
        start = sliceEnd;
      }
    }
    if (buckets.size) out.set(agentId, buckets);
  }
  return out;
}

/** Occupancy = time handling interactions ÷ (that + time ready), as a percentage. */
export function occupancyPct(t: Pick<AgentTime, 'readyMs' | 'busyMs'>): number | null {
  const den = t.readyMs + t.busyMs;
  return den > 0 ? round2((100 * t.busyMs) / den) : null;
}
