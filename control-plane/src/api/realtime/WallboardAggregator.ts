/**
 * A RealtimeSource computed from the domain events themselves: feed it interaction events
 * and agent states (from the ACD as they happen, or from the EventLog commit hook) and it
 * keeps today's per-queue figures with the same rules as the stored reports (SL threshold,
 * short abandons). Event ids de-duplicate a batch the event log retried.
 */
import { DateTime } from 'luxon';
import type { Knex } from 'knex';
import { TypedEmitter } from '../../events.js';
import type { AgentState, InteractionEventType } from '../../domainEvents.js';
import type { Clock } from '../../clock.js';
import type { CommitHook } from '../../store/EventLog.js';
import {
  DEFAULT_THRESHOLDS, addSegment, derive, emptyCounters, intervalStart, round2, thresholdsFromSettings,
  type IntervalCounters, type QueueSegment, type QueueThresholds,
} from '../../reporting/model.js';
import type { QueueBoard, RealtimeEvent, RealtimeSource, RealtimeSourceEvents, WallboardSnapshot } from './types.js';

interface QueueState {
  name: string;
  thresholds: QueueThresholds;
  waiting: Map<string, number>; // interactionId → queuedAt
  intervals: Map<number, IntervalCounters>;
}

export interface InteractionEventIn {
  eid?: string;
  interactionId: string;
  type: InteractionEventType | string;
  at: number;
  queueId?: string | null;
  agentId?: string | null;
  data?: Record<string, unknown>;
}

export class WallboardAggregator extends TypedEmitter<RealtimeSourceEvents> implements RealtimeSource {
  readonly #clock: Clock;
  readonly #tz: string;
  readonly #queues = new Map<string, QueueState>();
  readonly #agents = new Map<string, AgentState>();
  readonly #active = new Set<string>();
  readonly #whereWaiting = new Map<string, string>(); // interactionId → queueId
  #seen = new Set<string>();
  #dayStart = 0;

  constructor(options: { clock: Clock; timeZone?: string }) {
    super();
    this.#clock = options.clock;
    this.#tz = options.timeZone ?? 'UTC';
    this.#rollDay(this.#clock.now());
  }

  /** Names and thresholds (slThresholdSec, shortAbandonSec, slTargetPct) from the queues table. */
  async loadQueues(db: Knex): Promise<void> {
    const rows = (await db('queues').select('id', 'name', 'settings')) as Array<{ id: string; name: string; settings: unknown }>;
    for (const r of rows) this.setQueue(r.id, r.name, thresholdsFromSettings(r.settings));
  }

  /**
   * Rebuilds today's figures from the event log (after a restart or on a standby taking over):
   * every event of interactions active today, and each agent's latest state.
   */
  async loadToday(db: Knex): Promise<void> {
    await this.loadQueues(db);
    this.#rollDay(this.#clock.now());
    const since = new Date(this.#dayStart);
    const ids = db('interaction_events').distinct('interaction_id').where('at', '>=', since);
    const rows = (await db('interaction_events').whereIn('interaction_id', ids).orderBy('id')) as Array<Record<string, unknown>>;
    const agents = (await db.raw('select distinct on (agent_id) * from agent_state_events order by agent_id, at desc, id desc')).rows as Array<Record<string, unknown>>;
    await this.eventLogHook(undefined as never, { interactionEvents: rows, agentStates: agents });
  }

  setQueue(queueId: string, name: string, thresholds: QueueThresholds = DEFAULT_THRESHOLDS): void {
    const q = this.#queue(queueId);
    q.name = name;
    q.thresholds = thresholds;
  }

  #queue(id: string): QueueState {
    let q = this.#queues.get(id);
    if (!q) this.#queues.set(id, (q = { name: id, thresholds: DEFAULT_THRESHOLDS, waiting: new Map(), intervals: new Map() }));
    return q;
  }

  #rollDay(now: number): void {
    const start = DateTime.fromMillis(now, { zone: this.#tz }).startOf('day').toMillis();
    if (start === this.#dayStart) return;
    this.#dayStart = start;
    this.#seen = new Set();
    for (const q of this.#queues.values()) q.intervals.clear();
  }

  #dup(eid: string | undefined): boolean {
    if (!eid) return false;
    if (this.#seen.has(eid)) return true;
    this.#seen.add(eid);
    return false;
  }

  #count(queueId: string, queuedAt: number, outcome: QueueSegment['outcome'], at: number, waitMs?: number): void {
    const q = this.#queue(queueId);
    if (queuedAt < this.#dayStart) return; // queued yesterday: not part of today's figures
    const bucket = intervalStart(queuedAt);
    let c = q.intervals.get(bucket);
    if (!c) q.intervals.set(bucket, (c = emptyCounters()));
    addSegment(c, {
      interactionId: '', queueId, campaignId: null, queuedAt, endedWaitAt: at, outcome, waitMs: waitMs ?? at - queuedAt,
      agentId: null, answeredAt: null, talkMs: 0, holdMs: 0, wrapupMs: 0,
    }, q.thresholds, false);
  }

  ingestInteractionEvent(e: InteractionEventIn): void {
    if (this.#dup(e.eid)) return;
    this.#rollDay(this.#clock.now());
    const waitingIn = this.#whereWaiting.get(e.interactionId);
    const leave = (outcome: QueueSegment['outcome'], waitMs?: number): void => {
      if (!waitingIn) return;
      const q = this.#queue(waitingIn);
      const queuedAt = q.waiting.get(e.interactionId) as number;
      q.waiting.delete(e.interactionId);
      this.#whereWaiting.delete(e.interactionId);
      this.#count(waitingIn, queuedAt, outcome, e.at, waitMs);
    };
    switch (e.type) {
      case 'arrived': this.#active.add(e.interactionId); break;
      case 'queued': {
        leave('requeued');
        if (!e.queueId) break;
        this.#active.add(e.interactionId);
        const q = this.#queue(e.queueId);
        q.waiting.set(e.interactionId, e.at);
        this.#whereWaiting.set(e.interactionId, e.queueId);
        if (e.at >= this.#dayStart) {
          const bucket = intervalStart(e.at);
          let c = q.intervals.get(bucket);
          if (!c) q.intervals.set(bucket, (c = emptyCounters()));
          c.offered += 1;
        }
        break;
      }
      case 'answered': leave('answered'); break;
      case 'abandoned': leave('abandoned', typeof e.data?.waitedMs === 'number' ? e.data.waitedMs : undefined); break;
      case 'callback.requested': leave('callback'); break;
      case 'voicemail': leave('voicemail'); break;
      case 'transferred': leave('transferred'); break;
      case 'overflowed': leave('overflowed'); break;
      case 'ended': leave('abandoned'); this.#active.delete(e.interactionId); break;
      default: break;
    }
    this.emit('event', { kind: 'interaction', type: e.type, interactionId: e.interactionId, at: e.at, queueId: e.queueId ?? null, agentId: e.agentId ?? null, data: e.data });
  }

  ingestAgentState(e: { eid?: string; agentId: string; state: AgentState; at: number; reason?: string | null }): void {
    if (this.#dup(e.eid)) return;
    if (e.state === 'logged-out') this.#agents.delete(e.agentId);
    else this.#agents.set(e.agentId, e.state);
    this.emit('event', { kind: 'agent.state', agentId: e.agentId, state: e.state, reason: e.reason ?? null, at: e.at } satisfies RealtimeEvent);
  }

  /** `eventLog.onCommit(aggregator.eventLogHook)`: feeds it every committed event. */
  readonly eventLogHook: CommitHook = async (_trx, batch) => {
    const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : (v as Record<string, unknown>));
    const ms = (v: unknown) => (v instanceof Date ? v.getTime() : new Date(v as string).getTime());
    for (const r of batch.interactionEvents) {
      this.ingestInteractionEvent({ eid: r.eid as string, interactionId: r.interaction_id as string, type: r.type as string, at: ms(r.at),
        queueId: (r.queue_id as string | null) ?? null, agentId: (r.agent_id as string | null) ?? null, data: parse(r.data) });
    }
    for (const r of batch.agentStates) {
      this.ingestAgentState({ eid: r.eid as string, agentId: r.agent_id as string, state: r.state as AgentState, at: ms(r.at), reason: (r.reason as string | null) ?? null });
    }
  };

  snapshot(): WallboardSnapshot {
    const now = this.#clock.now();
    this.#rollDay(now);
    const agents: Partial<Record<AgentState, number>> = {};
    for (const s of this.#agents.values()) agents[s] = (agents[s] ?? 0) + 1;
    const queues: QueueBoard[] = [...this.#queues.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([queueId, q]) => {
      const total = emptyCounters();
      const intervals = [...q.intervals.entries()].sort(([a], [b]) => a - b).map(([start, c]) => {
        for (const k of Object.keys(total) as Array<keyof IntervalCounters>) total[k] += c[k];
        return { start, serviceLevelPct: derive(c).serviceLevelPct, offered: c.offered };
      });
      const d = derive(total);
      let oldest: number | null = null;
      for (const at of q.waiting.values()) oldest = oldest === null ? at : Math.min(oldest, at);
      return {
        queueId, name: q.name, waiting: q.waiting.size, oldestQueuedAt: oldest,
        offeredToday: total.offered, answeredToday: total.answered, abandonedToday: total.abandoned,
        serviceLevelPct: d.serviceLevelPct, serviceLevelTargetPct: q.thresholds.slTargetPct, serviceLevelThresholdSec: q.thresholds.slThresholdSec,
        asaSec: d.asaMs === null ? null : round2(d.asaMs / 1000), abandonRatePct: d.abandonRatePct, agents, intervals,
      };
    });
    return { at: now, queues, agents, callsActive: this.#active.size };
  }
}
