/**
 * Fills the CDR and 15-minute interval tables from the event logs. `rebuild(from, to)`
 * recomputes every row of a window from the log alone (idempotent, one transaction);
 * `refresh()` reads the events appended since the last call (a cursor on each log's id)
 * and rebuilds only the windows they touch. Both paths run the same code, so the
 * incremental tables always equal a rebuild.
 *
 * Queue and campaign rows count an interaction in the interval it was queued; agent rows
 * count handling in the interval it was answered and state time where it was spent.
 */
import type { Knex } from 'knex';
import type { Logger } from '../logger.js';
import {
  INTERVAL_MS, addSegment, agentTimeByInterval, buildCdr, emptyCounters, intervalStart, queueSegments,
  thresholdsFromSettings, DEFAULT_THRESHOLDS,
  type AgentStateRecord, type AgentTime, type InteractionEventRecord, type IntervalCounters, type QueueThresholds,
} from './model.js';
import type { AgentState, InteractionEventType } from '../domainEvents.js';

interface EventRow {
  id: string | number;
  interaction_id: string;
  at: Date;
  type: string;
  queue_id: string | null;
  agent_id: string | null;
  data: Record<string, unknown> | string;
}

interface AgentRow {
  id: string | number;
  agent_id: string;
  at: Date;
  state: string;
  reason: string | null;
}

export const toEventRecord = (r: EventRow): InteractionEventRecord => ({
  id: Number(r.id),
  interactionId: r.interaction_id,
  at: r.at.getTime(),
  type: r.type as InteractionEventType,
  queueId: r.queue_id,
  agentId: r.agent_id,
  data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
});

const toAgentRecord = (r: AgentRow): AgentStateRecord => ({
  id: Number(r.id), agentId: r.agent_id, at: r.at.getTime(), state: r.state as AgentState, reason: r.reason,
});

const counterColumns = (c: IntervalCounters) => ({
  offered: c.offered,
  answered: c.answered,
  answered_in_sl: c.answeredInSl,
  abandoned: c.abandoned,
  short_abandoned: c.shortAbandoned,
  answer_wait_ms: c.answerWaitMs,
  talk_ms: c.talkMs,
  hold_ms: c.holdMs,
  wrapup_ms: c.wrapupMs,
});

export class ReportingStore {
  readonly #db: Knex;
  readonly #log: Logger;

  constructor(options: { db: Knex; logger: Logger }) {
    this.#db = options.db;
    this.#log = options.logger.child({ component: 'reporting' });
  }

  async #thresholds(db: Knex | Knex.Transaction): Promise<Map<string, QueueThresholds>> {
    const rows = (await db('queues').select('id', 'settings')) as Array<{ id: string; settings: unknown }>;
    return new Map(rows.map((r) => [r.id, thresholdsFromSettings(r.settings)]));
  }

  /** Recomputes the interval rows in [from, to) (rounded out to 15 minutes) and the CDRs of interactions queued or answered there. */
  async rebuild(fromMs: number, toMs: number): Promise<{ from: number; to: number; interactions: number }> {
    const from = intervalStart(fromMs);
    const to = intervalStart(toMs - 1) + INTERVAL_MS;
    return this.#db.transaction(async (trx) => {
      // One rebuild at a time (refresh timer, API-triggered rebuilds, a standby).
      await trx.raw("select pg_advisory_xact_lock(hashtext('switchboard.reporting'))");
      const thresholds = await this.#thresholds(trx);
      const tOf = (q: string): QueueThresholds => thresholds.get(q) ?? DEFAULT_THRESHOLDS;
      const fromD = new Date(from);
      const toD = new Date(to);
      // Interactions with any event in the window (so we see queued and answered ones).
      const ids = trx('interaction_events').distinct('interaction_id').where('at', '>=', fromD).andWhere('at', '<', toD);
      const rows = (await trx('interaction_events').whereIn('interaction_id', ids).orderBy('id')) as EventRow[];
      const byInteraction = new Map<string, InteractionEventRecord[]>();
      for (const r of rows) {
        const e = toEventRecord(r);
        let list = byInteraction.get(e.interactionId);
        if (!list) byInteraction.set(e.interactionId, (list = []));
        list.push(e);
      }
      const queueRows = new Map<string, IntervalCounters>();
      const campaignRows = new Map<string, IntervalCounters>();
      const agentCounters = new Map<string, IntervalCounters>();
      const bucket = (map: Map<string, IntervalCounters>, key: string): IntervalCounters => {
        let c = map.get(key);
        if (!c) map.set(key, (c = emptyCounters()));
        return c;
      };
      const recordings = await this.#recordingIds(trx, [...byInteraction.keys()]);
      const interactionRows = (await trx('interactions').whereIn('id', [...byInteraction.keys()])
        .select('id', 'channel', 'direction', 'caller_number', 'dialled_number')) as Array<Record<string, string | null>>;
      const interactionById = new Map(interactionRows.map((r) => [r.id as string, r]));
      const cdrs: Array<Record<string, unknown>> = [];
      for (const [interactionId, events] of byInteraction) {
        for (const s of queueSegments(events)) {
          const t = tOf(s.queueId);
          if (s.queuedAt >= from && s.queuedAt < to) {
            const start = intervalStart(s.queuedAt);
            addSegment(bucket(queueRows, `${s.queueId}\u0000${start}`), s, t);
            if (s.campaignId) addSegment(bucket(campaignRows, `${s.campaignId}\u0000${start}`), s, t);
          }
          if (s.outcome === 'answered' && s.agentId && s.answeredAt !== null && s.answeredAt >= from && s.answeredAt < to) {
            addSegment(bucket(agentCounters, `${s.agentId}\u0000${intervalStart(s.answeredAt)}`), s, t);
          }
        }
        const row = interactionById.get(interactionId);
        cdrs.push({
          ...cdrColumns(buildCdr(events, recordings.get(interactionId) ?? null)),
          channel: row?.channel ?? null, direction: row?.direction ?? null,
          caller_number: row?.caller_number ?? null, dialled_number: row?.dialled_number ?? null,
        });
      }
      // Agent state time: events in the window plus each agent's last event before and first after it.
      const inside = (await trx('agent_state_events').where('at', '>=', fromD).andWhere('at', '<', toD)) as AgentRow[];
      const before = (await trx.raw(
        'select distinct on (agent_id) * from agent_state_events where at < ? order by agent_id, at desc, id desc', [fromD],
      )).rows as AgentRow[];
      const after = (await trx.raw(
        'select distinct on (agent_id) * from agent_state_events where at >= ? order by agent_id, at asc, id asc', [toD],
      )).rows as AgentRow[];
      const agentTime = agentTimeByInterval([...before, ...inside, ...after].map(toAgentRecord), from, to);

      await trx('interval_queue').where('interval_start', '>=', fromD).andWhere('interval_start', '<', toD).delete();
      await trx('interval_campaign').where('interval_start', '>=', fromD).andWhere('interval_start', '<', toD).delete();
      await trx('interval_agent').where('interval_start', '>=', fromD).andWhere('interval_start', '<', toD).delete();
      const split = (key: string): [string, Date] => {
        const [id, start] = key.split('\u0000') as [string, string];
        return [id, new Date(Number(start))];
      };
      const queueInsert = [...queueRows].map(([k, c]) => {
        const [id, start] = split(k);
        return { queue_id: id, interval_start: start, ...counterColumns(c) };
      });
      const campaignInsert = [...campaignRows].map(([k, c]) => {
        const [id, start] = split(k);
        return { campaign_id: id, interval_start: start, ...counterColumns(c) };
      });
      const agentKeys = new Set<string>([...agentCounters.keys()]);
      for (const [agentId, buckets] of agentTime) for (const start of buckets.keys()) agentKeys.add(`${agentId}\u0000${start}`);
      const agentInsert = [...agentKeys].map((k) => {
        const [id, start] = split(k);
        const time: AgentTime = agentTime.get(id)?.get(start.getTime()) ?? { readyMs: 0, busyMs: 0, notReadyMs: 0, notReadyByReason: {} };
        return {
          agent_id: id, interval_start: start, ...counterColumns(agentCounters.get(k) ?? emptyCounters()),
          ready_ms: time.readyMs, busy_ms: time.busyMs, not_ready_ms: time.notReadyMs,
          not_ready_by_reason: JSON.stringify(time.notReadyByReason),
        };
      });
      for (const [table, list] of [['interval_queue', queueInsert], ['interval_campaign', campaignInsert], ['interval_agent', agentInsert]] as const) {
        for (let i = 0; i < list.length; i += 500) await trx(table).insert(list.slice(i, i + 500));
      }
      for (let i = 0; i < cdrs.length; i += 500) {
        await trx('cdrs').insert(cdrs.slice(i, i + 500)).onConflict('interaction_id').merge();
      }
      return { from, to, interactions: byInteraction.size };
    });
  }

  /** Rebuilds everything the logs hold, and moves the cursors to their ends. */
  async rebuildAll(): Promise<{ from: number; to: number; interactions: number } | null> {
    const [ie] = (await this.#db('interaction_events').min('at as min').max('at as max').max('id as maxId')) as Array<{ min: Date | null; max: Date | null; maxId: string | null }>;
    const [ae] = (await this.#db('agent_state_events').min('at as min').max('at as max').max('id as maxId')) as Array<{ min: Date | null; max: Date | null; maxId: string | null }>;
    const mins = [ie?.min, ae?.min].filter((d): d is Date => !!d).map((d) => d.getTime());
    const maxs = [ie?.max, ae?.max].filter((d): d is Date => !!d).map((d) => d.getTime());
    if (!mins.length) return null;
    await this.#db('cdrs').delete();
    const result = await this.rebuild(Math.min(...mins), Math.max(...maxs) + 1);
    await this.#setCursor('interaction_events', Number(ie?.maxId ?? 0));
    await this.#setCursor('agent_state_events', Number(ae?.maxId ?? 0));
    return result;
  }

  /** Reads events appended since the last call and rebuilds the windows they affect. */
  async refresh(): Promise<{ events: number; window: [number, number] | null }> {
    const lastIe = await this.#cursor('interaction_events');
    const lastAe = await this.#cursor('agent_state_events');
    const newIe = (await this.#db('interaction_events').where('id', '>', lastIe).orderBy('id').limit(50_000)) as EventRow[];
    const newAe = (await this.#db('agent_state_events').where('id', '>', lastAe).orderBy('id').limit(50_000)) as AgentRow[];
    if (!newIe.length && !newAe.length) return { events: 0, window: null };
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of [...newIe, ...newAe]) {
      lo = Math.min(lo, r.at.getTime());
      hi = Math.max(hi, r.at.getTime());
    }
    if (newIe.length) {
      // A late event (answer, hang-up) changes the interval where its interaction was queued.
      const ids = [...new Set(newIe.map((r) => r.interaction_id))];
      const [first] = (await this.#db('interaction_events').whereIn('interaction_id', ids).min('at as min')) as Array<{ min: Date | null }>;
      if (first?.min) lo = Math.min(lo, first.min.getTime());
    }
    if (newAe.length) {
      // A state change closes the span that began at the agent's previous event.
      const agents = [...new Set(newAe.map((r) => r.agent_id))];
      const firstNew = new Date(Math.min(...newAe.map((r) => r.at.getTime())));
      const prev = (await this.#db.raw(
        'select distinct on (agent_id) agent_id, at from agent_state_events where agent_id = any(?) and at < ? order by agent_id, at desc, id desc',
        [agents, firstNew],
      )).rows as Array<{ at: Date }>;
      for (const p of prev) lo = Math.min(lo, p.at.getTime());
      // An event appended out of time order also changes the span up to the agent's next event.
      const lastNew = new Date(Math.max(...newAe.map((r) => r.at.getTime())));
      const [next] = (await this.#db('agent_state_events').whereIn('agent_id', agents).andWhere('at', '>', lastNew).min('at as min')) as Array<{ min: Date | null }>;
      if (next?.min) hi = Math.max(hi, next.min.getTime());
    }
    const result = await this.rebuild(lo, hi + 1);
    if (newIe.length) await this.#setCursor('interaction_events', Number((newIe[newIe.length - 1] as EventRow).id));
    if (newAe.length) await this.#setCursor('agent_state_events', Number((newAe[newAe.length - 1] as AgentRow).id));
    this.#log.debug({ events: newIe.length + newAe.length, from: new Date(result.from).toISOString(), to: new Date(result.to).toISOString() }, 'intervals refreshed');
    return { events: newIe.length + newAe.length, window: [result.from, result.to] };
  }

  async #cursor(name: string): Promise<number> {
    const row = (await this.#db('reporting_cursor').where({ name }).first()) as { last_id: string } | undefined;
    return row ? Number(row.last_id) : 0;
  }

  async #setCursor(name: string, lastId: number): Promise<void> {
    await this.#db('reporting_cursor').insert({ name, last_id: lastId, updated_at: new Date() }).onConflict('name').merge();
  }

  async #recordingIds(trx: Knex.Transaction, ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = (await trx('recordings').whereIn('interaction_id', ids).orderBy('started_at').select('id', 'interaction_id')) as Array<{ id: string; interaction_id: string }>;
    return new Map(rows.map((r) => [r.interaction_id, r.id]));
  }
}

function cdrColumns(c: ReturnType<typeof buildCdr>): Record<string, unknown> {
  const d = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    interaction_id: c.interactionId,
    queue_id: c.queueId,
    campaign_id: c.campaignId,
    agent_id: c.agentId,
    arrived_at: d(c.arrivedAt),
    ivr_ended_at: d(c.ivrEndedAt),
    queued_at: d(c.queuedAt),
    offered_at: d(c.offeredAt),
    answered_at: d(c.answeredAt),
    ended_at: d(c.endedAt),
    wrapup_ended_at: d(c.wrapupEndedAt),
    wait_ms: c.waitMs,
    talk_ms: c.talkMs,
    hold_ms: c.holdMs,
    wrapup_ms: c.wrapupMs,
    outcome: c.outcome,
    hangup_side: c.hangupSide,
    hangup_cause: c.hangupCause,
    recording_id: c.recordingId,
    flow_path: c.flowPath,
    updated_at: new Date(),
  };
}
