/** Report queries over the interval tables and CDRs, grouped in the caller's time zone. */
import type { Knex } from 'knex';
import {
  addCounters, derive, emptyCounters, occupancyPct,
  type IntervalCounters,
} from './model.js';
import { bucketStart, localIso, type Granularity } from './timeRange.js';

export type Dimension = 'queue' | 'campaign' | 'agent';
const TABLE: Record<Dimension, { table: string; id: string }> = {
  queue: { table: 'interval_queue', id: 'queue_id' },
  campaign: { table: 'interval_campaign', id: 'campaign_id' },
  agent: { table: 'interval_agent', id: 'agent_id' },
};

interface Row {
  id: string;
  interval_start: Date;
  offered: number; answered: number; answered_in_sl: number; abandoned: number; short_abandoned: number;
  answer_wait_ms: string; talk_ms: string; hold_ms: string; wrapup_ms: string;
  ready_ms?: string; busy_ms?: string; not_ready_ms?: string; not_ready_by_reason?: Record<string, number>;
}

export interface IntervalReportRow extends Record<string, unknown> {
  id: string;
  start: string;
  offered: number;
  answered: number;
  answeredInSl: number;
  abandoned: number;
  shortAbandoned: number;
  serviceLevelPct: number | null;
  asaSec: number | null;
  ahtSec: number | null;
  abandonRatePct: number | null;
  talkSec: number;
  holdSec: number;
  wrapupSec: number;
  readySec?: number;
  busySec?: number;
  notReadySec?: number;
  occupancyPct?: number | null;
  notReadyByReasonSec?: Record<string, number>;
}

const sec = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 100) / 10);

export async function intervalReport(db: Knex, q: {
  dimension: Dimension; from: number; to: number; tz: string; granularity: Granularity; ids?: string[];
}): Promise<IntervalReportRow[]> {
  const { table, id } = TABLE[q.dimension];
  const query = db(table).select(`${id} as id`, '*')
    .where('interval_start', '>=', new Date(q.from)).andWhere('interval_start', '<', new Date(q.to))
    .orderBy([{ column: id }, { column: 'interval_start' }]);
  if (q.ids?.length) query.whereIn(id, q.ids);
  const rows = (await query) as Row[];
  type Acc = { c: IntervalCounters; ready: number; busy: number; notReady: number; reasons: Record<string, number> };
  const groups = new Map<string, Acc & { id: string; start: number }>();
  for (const r of rows) {
    const start = bucketStart(r.interval_start.getTime(), q.granularity, q.tz, q.from);
    const key = `${r.id}\u0000${start}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { id: r.id, start, c: emptyCounters(), ready: 0, busy: 0, notReady: 0, reasons: {} }));
    addCounters(g.c, {
      offered: r.offered, answered: r.answered, answeredInSl: r.answered_in_sl, abandoned: r.abandoned,
      shortAbandoned: r.short_abandoned, answerWaitMs: Number(r.answer_wait_ms), talkMs: Number(r.talk_ms),
      holdMs: Number(r.hold_ms), wrapupMs: Number(r.wrapup_ms),
    });
    if (q.dimension === 'agent') {
      g.ready += Number(r.ready_ms ?? 0);
      g.busy += Number(r.busy_ms ?? 0);
      g.notReady += Number(r.not_ready_ms ?? 0);
      for (const [reason, ms] of Object.entries(r.not_ready_by_reason ?? {})) g.reasons[reason] = (g.reasons[reason] ?? 0) + ms;
    }
  }
  return [...groups.values()].map((g) => {
    const d = derive(g.c);
    const out: IntervalReportRow = {
      id: g.id,
      start: localIso(g.start, q.tz),
      offered: g.c.offered,
      answered: g.c.answered,
      answeredInSl: g.c.answeredInSl,
      abandoned: g.c.abandoned,
      shortAbandoned: g.c.shortAbandoned,
      serviceLevelPct: d.serviceLevelPct,
      asaSec: sec(d.asaMs),
      ahtSec: sec(d.ahtMs),
      abandonRatePct: d.abandonRatePct,
      talkSec: sec(g.c.talkMs) as number,
      holdSec: sec(g.c.holdMs) as number,
      wrapupSec: sec(g.c.wrapupMs) as number,
    };
    if (q.dimension === 'agent') {
      out.readySec = sec(g.ready) as number;
      out.busySec = sec(g.busy) as number;
      out.notReadySec = sec(g.notReady) as number;
      out.occupancyPct = occupancyPct({ readyMs: g.ready, busyMs: g.busy });
      out.notReadyByReasonSec = Object.fromEntries(Object.entries(g.reasons).map(([k, v]) => [k, sec(v) as number]));
    }
    return out;
  });
}

export interface CdrQuery {
  from: number; to: number; tz: string; queueId?: string; agentId?: string; campaignId?: string; outcome?: string;
  callerNumber?: string; limit: number; offset: number;
}

export async function cdrReport(db: Knex, q: CdrQuery): Promise<{ items: Array<Record<string, unknown>>; total: number }> {
  const base = db('cdrs').where('arrived_at', '>=', new Date(q.from)).andWhere('arrived_at', '<', new Date(q.to));
  if (q.queueId) base.where({ queue_id: q.queueId });
  if (q.agentId) base.where({ agent_id: q.agentId });
  if (q.campaignId) base.where({ campaign_id: q.campaignId });
  if (q.outcome) base.where({ outcome: q.outcome });
  if (q.callerNumber) base.where({ caller_number: q.callerNumber });
  const [{ count }] = (await base.clone().count<{ count: string }[]>('* as count')) as [{ count: string }];
  const rows = (await base.clone().orderBy('arrived_at').orderBy('interaction_id').limit(q.limit).offset(q.offset)) as Array<Record<string, unknown>>;
  const t = (v: unknown): string | null => (v instanceof Date ? localIso(v.getTime(), q.tz) : null);
  const items = rows.map((r) => ({
    interactionId: r.interaction_id,
    channel: r.channel, direction: r.direction, callerNumber: r.caller_number, dialledNumber: r.dialled_number,
    queueId: r.queue_id, campaignId: r.campaign_id, agentId: r.agent_id,
    arrivedAt: t(r.arrived_at), ivrEndedAt: t(r.ivr_ended_at), queuedAt: t(r.queued_at), offeredAt: t(r.offered_at),
    answeredAt: t(r.answered_at), endedAt: t(r.ended_at), wrapupEndedAt: t(r.wrapup_ended_at),
    waitSec: sec(r.wait_ms as number | null), talkSec: sec(r.talk_ms as number | null), holdSec: sec(r.hold_ms as number | null),
    wrapupSec: sec(r.wrapup_ms as number | null),
    outcome: r.outcome, hangupSide: r.hangup_side, hangupCause: r.hangup_cause, recordingId: r.recording_id,
    flowPath: (r.flow_path as string[]).join(' > '),
  }));
  return { items, total: Number(count) };
}
