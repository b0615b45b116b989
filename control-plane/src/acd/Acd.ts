/**
 * The ACD service: the pure Router plus time (RONA, wrap-up, escalation, ageing, max wait,
 * 15-minute intervals, all through the Clock), the event log (every decision and
 * transition appended), typed events for the API/WebSocket, real-time statistics, and the
 * rebuild of state from the log after a restart or takeover.
 *
 * Channel-neutral: voice media (MOH, announcements, ringing agents, bridging) lives in
 * VoiceQueue, which drives this service like the REST API drives chats and e-mails.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';
import { TypedEmitter } from '../events.js';
import type { Logger } from '../logger.js';
import type { AgentState, Channel } from '../domainEvents.js';
import type { EventLog, InteractionRow } from '../store/EventLog.js';
import {
  BUILTIN_REASON_CODES,
  type AgentConfig,
  type EscalationAction,
  type ExitAction,
  type QueueConfig,
  type ReasonCode,
  type Requirements,
} from './AcdTypes.js';
import { Router, RouterError, type RouterBatch, type RouterSnapshot } from './Router.js';
import type { StatusSnapshot } from '../api/status.js';
import type { Knex } from 'knex';
import { rebuildFromLog, type RebuildResult } from './rebuild.js';
import { AcdFigures } from './AcdFigures.js';
import {
  estimatedWaitMs,
  intervalStart,
  INTERVAL_MS,
  occupancy,
  queueStats,
  type QueueRecord,
  type QueueStats,
  type StateDurations,
} from './metrics.js';

/** The part of the EventLog the ACD writes through (a fake in pure tests). */
export type AcdEventSink = Pick<EventLog, 'interactionEvent' | 'agentState' | 'createInteraction' | 'updateInteraction'>;

export class AcdError extends Error {
  override readonly name = 'AcdError';
  constructor(
    /** not-found → 404, conflict → 409, invalid → 400 */
    readonly code: 'not-found' | 'conflict' | 'invalid',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface EnqueueRequest {
  id?: string;
  requirements: Requirements;
  direction?: 'inbound' | 'outbound';
  customerRef?: string | null;
  callerNumber?: string | null;
  dialledNumber?: string | null;
  variables?: Record<string, string>;
  /** Keep an existing enqueue time (callbacks, transfers between queues). */
  enqueuedAt?: number;
  /** false: leave it out of the queue's service-level statistics (the dialer's live answers); default true. */
  countInQueueStats?: boolean;
  /**
   * false: not put back by the rebuild after a restart unless it was connected (the dialer's
   * waiting or reserved calls: their owner is gone with the old process); default true.
   */
  restoreAfterRestart?: boolean;
}

export type EnqueueResult =
  | { accepted: true; interactionId: string }
  | { accepted: false; interactionId: string; reason: 'full' | 'empty'; action: ExitAction };

export interface QueueRealtime {
  queueId: string;
  name: string;
  waiting: number;
  longestWaitMs: number;
  staffed: number;
  today: QueueStats;
  window: QueueStats;
  serviceLevelTarget: number;
}

export interface AcdSnapshot {
  at: number;
  router: RouterSnapshot;
  queues: QueueRealtime[];
}

export type AcdEvents = {
  /** Offer to agent(s): voice rings their phones; other channels notify the agent's desktop. */
  offer: [{ interactionId: string; queueId: string; channel: Channel; agentIds: string[] }];
  /** Stop offering to this agent (taken by another ring-all agent, withdrawn, or RONA). */
  'offer.cancelled': [{ interactionId: string; agentId: string; why: 'taken-by-other' | 'withdrawn' | 'rona' }];
  'agent.state': [{ agentId: string; state: AgentState; reason: string | null; at: number }];
  /** Queue-level change (waiting count etc.); the WebSocket pushes the snapshot row. */
  'queue.changed': [{ queueId: string }];
  'interaction.connected': [{ interactionId: string; agentId: string; queueId: string; channel: Channel }];
  'interaction.ended': [{ interactionId: string; queueId: string; outcome: string }];
  /** An exit the channel must carry out (voice: play and hang up, voicemail, overflow handled inside). */
  exit: [{ interactionId: string; queueId: string; channel: Channel; action: ExitAction; reason: 'escalation' | 'max-wait' | 'full' | 'empty' }];
  /** Voice: offer the caller a callback now (escalation step). */
  'callback.offer': [{ interactionId: string; queueId: string }];
  /** A 15-minute interval closed (rows for the persistence helper). */
  interval: [
    {
      start: number;
      queues: Array<{ queueId: string; stats: QueueStats }>;
      agents: Array<{ agentId: string; handled: number; talkMs: number; wrapMs: number; stateMs: StateDurations; occupancy: number | null }>;
    },
  ];
};

export interface AcdOptions {
  clock: Clock;
  events: AcdEventSink;
  logger: Logger;
  /** Site time zone for "since midnight" (IANA name). */
  timeZone?: string;
  /** Sliding window for real-time figures. */
  windowMs?: number;
  /** Told how long each routing decision that produced offers took (ms; metrics). */
  onRoutingDecision?: (ms: number) => void;
}

interface Live {
  id: string;
  queueId: string;
  channel: Channel;
  enqueuedAt: number;
  answeredAt: number | null;
  offeredAt: number | null;
  timers: TimerHandle[];
  ronaTimers: Map<string, TimerHandle>;
  callback: { number: string } | null;
  customerRef: string | null;
  from: string;
  /** Hold time so far and the start of the current hold (agent desktop / API). */
  holdMs: number;
  heldSince: number | null;
  /** The statistics record created when it was answered. */
  record: QueueRecord | null;
  /** Counted in the queue's statistics (SL, ASA, abandons); dialer calls are not. */
  counted?: boolean;
  /**
   * Put back from the event log by a takeover/restart (resumeAfterReplay) rather than enqueued
   * by a live owner (VoiceQueue, the dialer's AcdAgentPool): until a channel re-attaches it has
   * nobody to ring the agent.
   */
  restored?: boolean;
  /** The customer's leg when it is not the interaction id (the dialer's calls), for re-attachment. */
  legId?: string;
}

interface AgentWork {
  wrapTimer: TimerHandle | null;
  wrapStartedAt: number | null;
  wrapInteractionId: string | null;
  wrapQueueId: string | null;
  wrapLimitAt: number | null;
  extendedMs: number;
  lastRecord: QueueRecord | null;
  handled: number;
  talkMs: number;
  wrapMs: number;
  intervalHandled: number;
  intervalTalkMs: number;
  intervalWrapMs: number;
}

/** The interactions row for a new queued (or reserved) interaction. */
function interactionRow(id: string, req: EnqueueRequest, r: Requirements, defaultDirection: 'inbound' | 'outbound', state: string, at: number): InteractionRow {
  return {
    id,
    channel: r.channel,
    direction: req.direction ?? defaultDirection,
    state,
    arrivedAt: at,
    customerRef: req.customerRef ?? null,
    callerNumber: req.callerNumber ?? null,
    dialledNumber: req.dialledNumber ?? null,
    queueId: r.queueId,
    priority: r.priority,
    variables: req.variables ?? {},
    queuedAt: at,
  };
}

export class Acd extends TypedEmitter<AcdEvents> {
  readonly router = new Router();
  readonly #clock: Clock;
  readonly #events: AcdEventSink;
  readonly #log: Logger;
  readonly #live = new Map<string, Live>();
  readonly #work = new Map<string, AgentWork>();
  readonly #stateSince = new Map<string, number>();
  /** Per agent: time in each state today and in the current 15-minute interval. */
  readonly #reasons = new Map<string, ReasonCode>(BUILTIN_REASON_CODES.map((r) => [r.id, r]));
  /** Today's records per queue (since site midnight). */
  /** Queue records and agents' state times since site midnight (SL, ASA, occupancy …). */
  readonly #figures: AcdFigures;
  #intervalTimer: TimerHandle | null = null;
  #closed = false;

  readonly #onRoutingDecision: ((ms: number) => void) | undefined;
  /** Interactions the event log says ended within the last hour before this rebuild. */
  #endedBeforeRestart: ReadonlySet<string> = new Set();

  constructor(options: AcdOptions) {
    super();
    this.#onRoutingDecision = options.onRoutingDecision;
    this.#clock = options.clock;
    this.#events = options.events;
    this.#log = options.logger.child({ component: 'acd' });
    this.#figures = new AcdFigures({
      clock: this.#clock,
      timeZone: options.timeZone ?? 'UTC',
      windowMs: options.windowMs ?? 30 * 60_000,
      onNewDay: (now) => this.router.resetDaily(now),
    });
    this.#scheduleInterval();
  }

  get now(): number {
    return this.#clock.now();
  }

  /** Stops every timer (RONA, wrap-up, escalation, intervals). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#intervalTimer?.cancel();
    for (const l of this.#live.values()) this.#clearTimers(l);
    for (const w of this.#work.values()) w.wrapTimer?.cancel();
  }

  // ------------------------------------------------------------ configuration

  upsertQueue(config: QueueConfig): void {
    for (const step of config.settings.escalation) {
      const a = step.action;
      if ((a.kind === 'overflow' || a.kind === 'add-queue-agents') && a.queueId !== config.id && !this.router.hasQueue(a.queueId)) {
        throw new AcdError('invalid', `escalation refers to queue ${a.queueId}, which does not exist`, 'settings.escalation');
      }
    }
    this.router.upsertQueue(config);
    this.#figures.addQueue(config.id);
    this.emit('queue.changed', { queueId: config.id });
  }

  removeQueue(queueId: string): void {
    this.#wrap(() => this.router.removeQueue(queueId));
    this.#figures.removeQueue(queueId);
  }

  upsertAgent(config: AgentConfig): void {
    const batch = this.router.upsertAgent(config, this.now);
    if (!this.#work.has(config.id)) this.#work.set(config.id, newWork());
    this.#apply(batch);
  }

  removeAgent(agentId: string): void {
    this.#wrap(() => this.router.removeAgent(agentId));
    this.#work.delete(agentId);
  }

  setReasonCodes(codes: ReasonCode[]): void {
    this.#reasons.clear();
    for (const r of [...BUILTIN_REASON_CODES, ...codes]) this.#reasons.set(r.id, r);
  }

  reasonCodes(): ReasonCode[] {
    return [...this.#reasons.values()];
  }

  // ------------------------------------------------------------ agents

  login(agentId: string, ready = true): void {
    this.#apply(this.#wrap(() => this.router.login(agentId, this.now, ready)), agentId);
  }

  logout(agentId: string): void {
    this.#cancelWrap(agentId);
    this.#apply(this.#wrap(() => this.router.logout(agentId, this.now)), agentId);
    this.#leaveWhenEmpty();
  }

  setReady(agentId: string): void {
    const before = this.router.hasAgent(agentId) ? this.router.agent(agentId).presence : null;
    const batch = this.#wrap(() => this.router.setReady(agentId, this.now));
    if (before === 'wrap-up') this.#wrapEnded(agentId);
    this.#apply(batch, agentId);
  }

  setNotReady(agentId: string, reason: string): void {
    if (!this.#reasons.has(reason)) throw new AcdError('invalid', `reason code ${reason} is not configured`, 'reason');
    const before = this.router.hasAgent(agentId) ? this.router.agent(agentId).presence : null;
    const batch = this.#wrap(() => this.router.setNotReady(agentId, reason, this.now));
    if (before === 'wrap-up') this.#wrapEnded(agentId);
    this.#apply(batch, agentId);
  }

  /** Supervisor: set an agent's state (ready, not-ready with a reason, or logged-out). */
  forceState(agentId: string, state: 'ready' | 'not-ready' | 'logged-out', reason?: string): void {
    if (state === 'ready') this.setReady(agentId);
    else if (state === 'not-ready') this.setNotReady(agentId, reason ?? 'forced');
    else {
      const a = this.#agentOr404(agentId);
      if (a.presence === 'logged-out') throw new AcdError('conflict', `agent ${agentId} is not logged in`);
      this.logout(agentId);
    }
  }

  /** Wrap-up: extend by `seconds`, within the queue's max extension. */
  extendWrapUp(agentId: string, seconds: number): void {
    const a = this.#agentOr404(agentId);
    const w = this.#work.get(agentId)!;
    if (a.presence !== 'wrap-up' || w.wrapStartedAt === null) throw new AcdError('conflict', `agent ${agentId} is not in wrap-up`);
    const max = w.wrapLimitAt;
    if (max === null) throw new AcdError('conflict', `the queue allows no wrap-up extension`);
    const rec = w.lastRecord;
    const q = rec ? this.router.queueConfig(rec.queueId) : null;
    const allowed = (q?.settings.wrapUp.maxExtensionSec ?? 0) * 1000;
    if (w.extendedMs + seconds * 1000 > allowed) {
      throw new AcdError('conflict', `wrap-up can be extended by at most ${allowed / 1000} s in total (already ${w.extendedMs / 1000} s)`);
    }
    w.extendedMs += seconds * 1000;
    w.wrapLimitAt = max + seconds * 1000;
    w.wrapTimer?.cancel();
    w.wrapTimer = this.#clock.setTimer(w.wrapLimitAt - this.now, () => this.#autoEndWrap(agentId));
  }

  // ------------------------------------------------------------ interactions

  enqueue(req: EnqueueRequest): EnqueueResult {
    const r = req.requirements;
    if (!this.router.hasQueue(r.queueId)) throw new AcdError('not-found', `queue ${r.queueId} does not exist`, 'queueId');
    const id = req.id ?? randomUUID();
    if (this.router.interaction(id) || this.#live.has(id)) throw new AcdError('conflict', `interaction ${id} is already queued`);
    const now = this.now;
    const q = this.router.queueConfig(r.queueId);
    const enqueuedAt = req.enqueuedAt ?? now;
    const row = interactionRow(id, req, r, 'inbound', 'queued', enqueuedAt);
    if (q.settings.maxLength !== undefined && this.router.waitingCount(r.queueId) >= q.settings.maxLength) {
      this.#events.createInteraction({ ...row, state: 'ended', outcome: 'queue-full', endedAt: now });
      this.#events.interactionEvent({ interactionId: id, type: 'ended', at: now, queueId: r.queueId, data: { outcome: 'queue-full' } });
      return { accepted: false, interactionId: id, reason: 'full', action: q.settings.fullAction };
    }
    if (!q.settings.joinEmpty && this.router.staffed(r.queueId) === 0) {
      this.#events.createInteraction({ ...row, state: 'ended', outcome: 'queue-empty', endedAt: now });
      this.#events.interactionEvent({ interactionId: id, type: 'ended', at: now, queueId: r.queueId, data: { outcome: 'queue-empty' } });
      return { accepted: false, interactionId: id, reason: 'empty', action: q.settings.fullAction };
    }
    this.#events.createInteraction(row);
    // The IVR may have created the row already (same id): make sure the queue columns are set.
    this.#events.updateInteraction(id, { state: 'queued', queueId: r.queueId, priority: r.priority, queuedAt: enqueuedAt, ...(req.customerRef ? { customerRef: req.customerRef } : {}) });
    this.#events.interactionEvent({
      interactionId: id,
      type: 'queued',
      at: now,
      queueId: r.queueId,
      data: { channel: r.channel, priority: r.priority, vip: r.vip, skills: r.skills, language: r.language ?? null, enqueuedAt, customerRef: req.customerRef ?? null, ...(req.restoreAfterRestart === false ? { restore: false } : {}) },
    });
    const live: Live = { id, queueId: r.queueId, channel: r.channel, enqueuedAt, answeredAt: null, offeredAt: null, timers: [], ronaTimers: new Map(), callback: null, customerRef: req.customerRef ?? null, from: req.callerNumber ?? req.customerRef ?? '', holdMs: 0, heldSince: null, record: null, counted: req.countInQueueStats !== false };
    this.#live.set(id, live);
    this.#scheduleWaitingTimers(live, q, 0);
    const batch = this.router.enqueue(
      { id, queueId: r.queueId, channel: r.channel, priority: r.priority, vip: r.vip, skills: r.skills, language: r.language, enqueuedAt },
      now,
    );
    this.#apply(batch);
    this.emit('queue.changed', { queueId: r.queueId });
    return { accepted: true, interactionId: id };
  }

  /**
   * Outbound (dialer): holds one ready agent for an interaction about to be placed. The
   * interaction is created (direction outbound unless given), logged as queued and offered to
   * that agent, and the agent is `reserved` in the agent-state log, so inbound routing skips
   * them. No offer event (nobody is rung) and no RONA timer: the caller of `reserve` rings the
   * agent when the customer answers, then calls `accept`, or gives the agent back with
   * `withdraw`. 409 when the agent cannot take a voice call of the queue right now.
   */
  reserve(req: EnqueueRequest & { agentId: string }): string {
    const r = req.requirements;
    if (!this.router.hasQueue(r.queueId)) throw new AcdError('not-found', `queue ${r.queueId} does not exist`, 'queueId');
    this.#agentOr404(req.agentId);
    const id = req.id ?? randomUUID();
    if (this.router.interaction(id) || this.#live.has(id)) throw new AcdError('conflict', `interaction ${id} is already queued`);
    const now = this.now;
    const batch = this.#wrap(() =>
      this.router.reserve({ id, queueId: r.queueId, channel: r.channel, priority: r.priority, vip: r.vip, skills: r.skills, language: r.language, enqueuedAt: now }, req.agentId, now),
    );
    this.#events.createInteraction(interactionRow(id, req, r, 'outbound', 'offered', now));
    this.#events.interactionEvent({ interactionId: id, type: 'queued', at: now, queueId: r.queueId, data: { channel: r.channel, priority: r.priority, vip: r.vip, skills: r.skills, language: r.language ?? null, enqueuedAt: now, customerRef: req.customerRef ?? null, reservedFor: req.agentId, ...(req.restoreAfterRestart === false ? { restore: false } : {}) } });
    this.#events.interactionEvent({ interactionId: id, type: 'offered', at: now, queueId: r.queueId, agentId: req.agentId, data: { reservation: true } });
    this.#events.updateInteraction(id, { state: 'offered', offeredAt: now, agentId: req.agentId });
    const live: Live = { id, queueId: r.queueId, channel: r.channel, enqueuedAt: now, answeredAt: null, offeredAt: now, timers: [], ronaTimers: new Map(), callback: null, customerRef: req.customerRef ?? null, from: req.dialledNumber ?? req.customerRef ?? '', holdMs: 0, heldSince: null, record: null, counted: req.countInQueueStats !== false };
    this.#live.set(id, live);
    this.#apply(batch, req.agentId);
    return id;
  }

  /**
   * Takes a waiting, offered or reserved interaction out of routing WITHOUT touching its media
   * (the owner keeps the customer, e.g. the dialer plays its safe-harbour message) and without
   * a queue-statistics record. Logged as `ended` with the outcome. No-op when not live.
   */
  withdraw(interactionId: string, outcome: string): void {
    const live = this.#live.get(interactionId);
    if (!live) return;
    if (this.router.interaction(interactionId)?.phase === 'connected') throw new AcdError('conflict', `interaction ${interactionId} is connected; complete it instead`);
    const now = this.now;
    this.#removeLive(live);
    this.#events.interactionEvent({ interactionId, type: 'ended', at: now, queueId: live.queueId, data: { outcome, cause: 'withdrawn' } });
    this.#events.updateInteraction(interactionId, { state: 'ended', outcome, endedAt: now });
    this.emit('interaction.ended', { interactionId, queueId: live.queueId, outcome });
    this.emit('queue.changed', { queueId: live.queueId });
  }

  /** Fills in details learnt after an outbound reservation (the dialled customer, the dialer's ids). */
  updateDetails(interactionId: string, details: { variables?: Record<string, string>; callerNumber?: string; dialledNumber?: string; customerRef?: string }): void {
    const live = this.#liveOr404(interactionId);
    if (details.customerRef) live.customerRef = details.customerRef;
    if (details.dialledNumber) live.from = details.dialledNumber;
    this.#events.updateInteraction(interactionId, details);
  }

  /** When the agent entered their current state (clock ms), or undefined before the first change. */
  stateSince(agentId: string): number | undefined {
    return this.#stateSince.get(agentId);
  }

  /** The agent takes the offer (API accept, or the voice leg answered). 409 if someone else already has it. */
  accept(interactionId: string, agentId: string): void {
    const live = this.#liveOr404(interactionId);
    this.#agentOr404(agentId);
    const batch = this.#wrap(() => this.router.accept(interactionId, agentId, this.now));
    const now = this.now;
    live.answeredAt = now;
    live.ronaTimers.get(agentId)?.cancel();
    live.ronaTimers.delete(agentId);
    this.#clearTimers(live);
    this.#events.interactionEvent({ interactionId, type: 'answered', at: now, queueId: live.queueId, agentId, data: { waitedMs: now - live.enqueuedAt } });
    this.#events.updateInteraction(interactionId, { state: 'connected', agentId, answeredAt: now, queueId: live.queueId });
    const rec: QueueRecord = { queueId: live.queueId, enqueuedAt: live.enqueuedAt, answeredAt: now, agentId };
    if (live.counted !== false) this.#figures.recordsOf(live.queueId).push(rec);
    live.record = rec;
    this.#work.get(agentId)!.lastRecord = rec;
    this.#apply(batch, agentId);
    this.emit('interaction.connected', { interactionId, agentId, queueId: live.queueId, channel: live.channel });
    this.emit('queue.changed', { queueId: live.queueId });
  }

  /** The agent declines (API), or the voice leg could not reach them. */
  decline(interactionId: string, agentId: string, why: 'declined' | 'failed' = 'declined'): void {
    this.#rejectOffer(interactionId, agentId, why);
  }

  /** Handling ended (hang-up, chat closed by the agent). Agent goes to wrap-up per queue. */
  complete(interactionId: string, cause = 'completed'): void {
    const live = this.#liveOr404(interactionId);
    const res = this.#wrap(() => this.router.complete(interactionId, this.now));
    const now = this.now;
    this.#live.delete(interactionId);
    const w = this.#work.get(res.agentId)!;
    if (live.heldSince !== null) live.holdMs += now - live.heldSince;
    const hold = live.holdMs;
    const talk = live.answeredAt !== null ? now - live.answeredAt - hold : 0;
    const rec = live.record;
    if (rec) {
      rec.talkMs = talk;
      rec.holdMs = hold;
      w.lastRecord = rec; // wrap-up time that follows belongs to this one
    }
    w.handled++;
    w.talkMs += talk;
    w.intervalHandled++;
    w.intervalTalkMs += talk;
    this.#events.interactionEvent({ interactionId, type: 'ended', at: now, queueId: live.queueId, agentId: res.agentId, data: { cause, outcome: 'answered', talkMs: talk, holdMs: hold } });
    this.#events.updateInteraction(interactionId, { state: res.wrapUp ? 'wrap-up' : 'ended', outcome: 'answered', endedAt: now });
    if (res.wrapUp) this.#startWrap(res.agentId, live.queueId, interactionId);
    else if (w.lastRecord) w.lastRecord.wrapMs = 0;
    this.#apply(res, res.agentId);
    this.emit('interaction.ended', { interactionId, queueId: live.queueId, outcome: 'answered' });
  }

  /** The agent put the customer on hold (counted in AHT as hold, not talk). */
  hold(interactionId: string): void {
    const live = this.#liveOr404(interactionId);
    const i = this.router.interaction(interactionId);
    if (i?.phase !== 'connected') throw new AcdError('conflict', `interaction ${interactionId} is not connected`);
    if (live.heldSince !== null) throw new AcdError('conflict', `interaction ${interactionId} is already on hold`);
    live.heldSince = this.now;
    this.#events.interactionEvent({ interactionId, type: 'held', at: this.now, queueId: live.queueId, agentId: i.agentId });
  }

  retrieve(interactionId: string): void {
    const live = this.#liveOr404(interactionId);
    if (live.heldSince === null) throw new AcdError('conflict', `interaction ${interactionId} is not on hold`);
    live.holdMs += this.now - live.heldSince;
    live.heldSince = null;
    this.#events.interactionEvent({ interactionId, type: 'retrieved', at: this.now, queueId: live.queueId, agentId: this.router.interaction(interactionId)?.agentId ?? null });
  }

  /** The customer left while waiting or being offered (abandon). */
  abandon(interactionId: string, cause = 'abandoned'): void {
    const live = this.#liveOr404(interactionId);
    const phase = this.router.interaction(interactionId)?.phase;
    if (phase === 'connected') throw new AcdError('conflict', `interaction ${interactionId} is connected; complete it instead`);
    const now = this.now;
    this.#removeLive(live);
    if (live.counted !== false) this.#figures.recordsOf(live.queueId).push({ queueId: live.queueId, enqueuedAt: live.enqueuedAt, abandonedAt: now });
    this.#events.interactionEvent({ interactionId, type: 'abandoned', at: now, queueId: live.queueId, data: { waitedMs: now - live.enqueuedAt, cause } });
    this.#events.updateInteraction(interactionId, { state: 'ended', outcome: 'abandoned', endedAt: now });
    this.emit('interaction.ended', { interactionId, queueId: live.queueId, outcome: 'abandoned' });
    this.emit('queue.changed', { queueId: live.queueId });
  }

  /** The interaction left the queue by an exit (voicemail, hang-up with message, transfer…). */
  exitQueue(interactionId: string, outcome: string): void {
    const live = this.#liveOr404(interactionId);
    const now = this.now;
    this.#removeLive(live);
    if (live.counted !== false) this.#figures.recordsOf(live.queueId).push({ queueId: live.queueId, enqueuedAt: live.enqueuedAt, exitedAt: now });
    const type = outcome === 'voicemail' ? 'voicemail' : outcome === 'transferred' ? 'transferred' : 'ended';
    this.#events.interactionEvent({ interactionId, type, at: now, queueId: live.queueId, data: { outcome } });
    if (type !== 'ended') this.#events.interactionEvent({ interactionId, type: 'ended', at: now, queueId: live.queueId, data: { outcome } });
    this.#events.updateInteraction(interactionId, { state: 'ended', outcome, endedAt: now });
    this.emit('interaction.ended', { interactionId, queueId: live.queueId, outcome });
    this.emit('queue.changed', { queueId: live.queueId });
  }

  /** Voice: the caller left a callback number and hung up; the interaction keeps its place. */
  requestCallback(interactionId: string, number: string): void {
    const live = this.#liveOr404(interactionId);
    live.callback = { number };
    this.#events.interactionEvent({ interactionId, type: 'callback.requested', at: this.now, queueId: live.queueId, data: { number } });
  }

  /** Voice: the ring was not answered in time ('rona') or the phone could not be reached ('failed'). */
  rejectOffer(interactionId: string, agentId: string, why: 'declined' | 'failed' | 'rona'): void {
    this.#rejectOffer(interactionId, agentId, why);
  }

  /** Voice callback: the agent answered and the customer is being dialled. */
  markCallbackDialled(interactionId: string): void {
    const live = this.#liveOr404(interactionId);
    this.#events.interactionEvent({ interactionId, type: 'callback.dialled', at: this.now, queueId: live.queueId, data: { number: live.callback?.number ?? null } });
  }

  callbackOf(interactionId: string): { number: string } | null {
    return this.#live.get(interactionId)?.callback ?? null;
  }

  isLive(interactionId: string): boolean {
    return this.#live.has(interactionId);
  }

  /**
   * Whether the interaction was rebuilt from the event log (takeover/restart) and not enqueued
   * by a live component. Only such interactions can be orphans of VoiceQueue: voice calls
   * enqueued directly by another owner (the dialer's AcdAgentPool) are rung by that owner.
   */
  isRestored(interactionId: string): boolean {
    return this.#live.get(interactionId)?.restored === true;
  }

  /**
   * Voice interactions rebuilt from the event log (takeover/restart), for re-attaching their
   * calls: the phase they were in, whether they wait as a callback (no caller on the line)
   * and the customer's leg id (the interaction id, or the dialer's `leg_id`).
   */
  restoredVoice(): Array<{ id: string; legId: string; queueId: string; phase: 'waiting' | 'offered' | 'connected'; callback: boolean }> {
    const out: Array<{ id: string; legId: string; queueId: string; phase: 'waiting' | 'offered' | 'connected'; callback: boolean }> = [];
    for (const live of this.#live.values()) {
      if (!live.restored || live.channel !== 'voice') continue;
      const i = this.router.interaction(live.id);
      if (!i) continue;
      out.push({ id: live.id, legId: live.legId ?? live.id, queueId: i.queueId, phase: i.phase, callback: live.callback !== null });
    }
    return out;
  }

  /** Set by the rebuild: interactions that ended lately, before this instance took over. */
  setEndedBeforeRestart(ids: ReadonlySet<string>): void {
    this.#endedBeforeRestart = ids;
  }

  /** Whether the interaction ended lately, before this instance took over (its caller may still be on the line, e.g. in a survey). */
  endedBeforeRestart(interactionId: string): boolean {
    return this.#endedBeforeRestart.has(interactionId);
  }

  // ------------------------------------------------------------ queries

  position(interactionId: string): number {
    return this.router.position(interactionId);
  }

  /** Estimated wait for a waiting interaction (recent AHT × position ÷ staffed agents). */
  estimatedWaitMs(interactionId: string): number | null {
    const i = this.router.interaction(interactionId);
    if (!i) return null;
    const q = this.router.queueConfig(i.queueId);
    const stats = queueStats(this.#figures.windowRecords(i.queueId), q.settings.sl);
    return estimatedWaitMs(this.router.position(interactionId), stats.ahtMs, this.router.staffed(i.queueId));
  }

  queueRealtime(queueId: string): QueueRealtime {
    const q = this.router.queueConfig(queueId);
    const now = this.now;
    let longest = 0;
    for (const i of this.router.interactions()) if (i.queueId === queueId && i.phase !== 'connected') longest = Math.max(longest, now - i.enqueuedAt);
    const all = this.#figures.recordsOf(queueId);
    return {
      queueId,
      name: q.name,
      waiting: this.router.waitingCount(queueId),
      longestWaitMs: longest,
      staffed: this.router.staffed(queueId),
      today: queueStats(all, q.settings.sl),
      window: queueStats(this.#figures.windowRecords(queueId), q.settings.sl),
      serviceLevelTarget: q.settings.sl.target,
    };
  }

  /** Everything a wallboard or WebSocket client needs, as plain data. */
  snapshot(): AcdSnapshot {
    return { at: this.now, router: this.router.snapshot(), queues: this.router.queues().map((q) => this.queueRealtime(q.id)) };
  }

  /** Time in each state since site midnight and occupancy = (busy + wrap-up) ÷ (ready + reserved + busy + wrap-up). */
  agentRealtime(agentId: string): { agentId: string; state: AgentState; reason: string | null; today: StateDurations; occupancy: number | null; handledToday: number } {
    const a = this.#agentOr404(agentId);
    const today = this.#figures.agentToday(agentId);
    return { agentId, state: a.state, reason: a.reason, today, occupancy: occupancy(today), handledToday: a.handledToday };
  }

  /** The shape the status page and /api/status show (api/status.ts). */
  statusSnapshot(): StatusSnapshot {
    const now = this.now;
    const agents = [...this.router.agents()];
    const queues = this.router.queues().map((q) => {
      const rt = this.queueRealtime(q.id);
      let ready = 0;
      let busy = 0;
      for (const a of this.router.queueAgents(q.id)) {
        if (a.state === 'ready') ready++;
        else if (a.state === 'busy' || a.state === 'reserved' || a.state === 'wrap-up') busy++;
      }
      return {
        id: q.id,
        name: q.name,
        waiting: rt.waiting,
        longestWaitMs: rt.longestWaitMs,
        agentsReady: ready,
        agentsBusy: busy,
        answeredToday: rt.today.answered,
        abandonedToday: rt.today.abandoned + rt.today.shortAbandoned,
        serviceLevelPct: rt.today.serviceLevel === null ? null : Math.round(rt.today.serviceLevel * 1000) / 10,
      };
    });
    const waiting = [...this.router.interactions()]
      .filter((i) => i.phase !== 'connected')
      .map((i) => ({ interactionId: i.id, queueId: i.queueId, channel: i.channel, from: this.#live.get(i.id)?.from ?? '', priority: i.priority, waitedMs: now - i.enqueuedAt }))
      .sort((a, b) => b.priority - a.priority || b.waitedMs - a.waitedMs);
    return {
      at: now,
      queues,
      waiting,
      agents: agents.map((a) => ({
        id: a.id,
        name: a.config.name,
        state: a.state,
        reason: a.reason,
        sinceMs: now - (this.#stateSince.get(a.id) ?? now),
        interactionId: a.assignments.keys().next().value ?? null,
      })),
    };
  }

  /** Takeover / restart: load configuration and put the state back from the event log (see rebuild.ts). */
  rebuildFromLog(db: Knex, options: { lookbackMs?: number } = {}): Promise<RebuildResult> {
    return rebuildFromLog(db, this, options);
  }

  // ------------------------------------------------------------ rebuild (used by rebuild.ts)

  /** Restores timers for state put back from the log (RONA for offers, wrap-up, escalation). */
  resumeAfterReplay(
    wrapUps: Array<{ agentId: string; queueId: string; since: number }>,
    lives: Array<{ id: string; customerRef: string | null; callback: string | null; stepsInQueue: number; legId?: string }>,
  ): void {
    const now = this.now;
    for (const l of lives) {
      const i = this.router.interaction(l.id);
      if (!i) continue;
      const live: Live = { id: i.id, queueId: i.queueId, channel: i.channel, enqueuedAt: i.enqueuedAt, answeredAt: null, offeredAt: null, timers: [], ronaTimers: new Map(), callback: l.callback ? { number: l.callback } : null, customerRef: l.customerRef, from: l.customerRef ?? '', holdMs: 0, heldSince: null, record: null, restored: true, ...(l.legId ? { legId: l.legId } : {}) };
      this.#live.set(i.id, live);
      if (i.phase === 'connected') live.answeredAt = now;
      else this.#scheduleWaitingTimers(live, this.router.queueConfig(i.queueId), l.stepsInQueue);
      for (const agentId of i.offeredTo) this.#startRona(live, agentId);
    }
    for (const a of this.router.agents()) if (!this.#work.has(a.id)) this.#work.set(a.id, newWork());
    for (const w of wrapUps) this.#startWrap(w.agentId, w.queueId, null, w.since);
    this.#apply(this.router.endReplay(now));
  }

  // ------------------------------------------------------------ internals

  #wrap<T>(fn: () => T): T {
    const observe = this.#onRoutingDecision;
    const t0 = observe ? performance.now() : 0;
    try {
      const result = fn();
      if (observe && hasOffers(result)) observe(performance.now() - t0);
      return result;
    } catch (err) {
      if (err instanceof RouterError) {
        throw new AcdError(err.code === 'conflict' ? 'conflict' : 'not-found', err.message);
      }
      throw err;
    }
  }

  #agentOr404(agentId: string): ReturnType<Router['agent']> {
    if (!this.router.hasAgent(agentId)) throw new AcdError('not-found', `agent ${agentId} does not exist`);
    return this.router.agent(agentId);
  }

  #liveOr404(interactionId: string): Live {
    const l = this.#live.get(interactionId);
    if (!l) throw new AcdError('not-found', `interaction ${interactionId} is not in any queue`);
    return l;
  }

  #removeLive(live: Live): void {
    this.#clearTimers(live);
    for (const t of live.ronaTimers.values()) t.cancel();
    live.ronaTimers.clear();
    this.#live.delete(live.id);
    if (this.router.interaction(live.id)) {
      const batch = this.router.remove(live.id, this.now);
      this.#apply(batch);
    }
  }

  #clearTimers(live: Live): void {
    for (const t of live.timers) t.cancel();
    live.timers = [];
  }

  /** Escalation steps (from step `fromStep`), max wait and ageing, all measured from the original enqueue time. */
  #scheduleWaitingTimers(live: Live, q: QueueConfig, fromStep: number): void {
    const now = this.now;
    const waited = now - live.enqueuedAt;
    q.settings.escalation.forEach((step, n) => {
      if (n < fromStep) return;
      live.timers.push(this.#clock.setTimer(Math.max(0, step.afterSec * 1000 - waited), () => this.#escalate(live, n, step.action)));
    });
    if (q.settings.maxWaitSec !== undefined) {
      const action = q.settings.maxWaitAction;
      live.timers.push(this.#clock.setTimer(Math.max(0, q.settings.maxWaitSec * 1000 - waited), () => this.#exit(live, action, 'max-wait')));
    }
    const ageing = q.settings.ageing;
    if (ageing) {
      const tick = (): void => {
        const i = this.router.interaction(live.id);
        if (!i || i.phase === 'connected') return;
        const steps = Math.floor((this.now - live.enqueuedAt) / (ageing.everySec * 1000));
        const base = i.basePriority;
        const target = Math.min(ageing.max, base + ageing.step);
        if (target > base) {
          this.#events.interactionEvent({ interactionId: live.id, type: 'escalated', at: this.now, queueId: i.queueId, data: { ageing: { steps, priority: target } } });
          this.#apply(this.router.setPriority(live.id, target, this.now));
          live.timers.push(this.#clock.setTimer(ageing.everySec * 1000, tick));
        }
      };
      const firstIn = ageing.everySec * 1000 - (waited % (ageing.everySec * 1000));
      live.timers.push(this.#clock.setTimer(firstIn, tick));
    }
  }

  #escalate(live: Live, step: number, action: EscalationAction): void {
    const i = this.router.interaction(live.id);
    if (!i || i.phase === 'connected' || !this.#live.has(live.id)) return;
    const now = this.now;
    this.#log.debug({ interactionId: live.id, step, action: action.kind }, 'escalation step');
    if (action.kind === 'offer-callback') {
      this.#events.interactionEvent({ interactionId: live.id, type: 'escalated', at: now, queueId: i.queueId, data: { step, action } });
      if (live.channel === 'voice' && !live.callback) this.emit('callback.offer', { interactionId: live.id, queueId: i.queueId });
      return;
    }
    if (action.kind === 'voicemail' || action.kind === 'hangup') {
      if (i.phase !== 'waiting') return; // being offered right now: let the offer finish
      this.#events.interactionEvent({ interactionId: live.id, type: 'escalated', at: now, queueId: i.queueId, data: { step, action } });
      this.#exit(live, action, 'escalation');
      return;
    }
    const from = i.queueId;
    this.#events.interactionEvent({
      interactionId: live.id,
      type: action.kind === 'overflow' ? 'overflowed' : 'escalated',
      at: now,
      queueId: from,
      data: action.kind === 'overflow' ? { step, action, toQueue: action.queueId } : { step, action },
    });
    const batch = this.router.escalate(live.id, action, now);
    if (action.kind === 'overflow') {
      live.queueId = action.queueId;
      this.#events.updateInteraction(live.id, { queueId: action.queueId });
      this.emit('queue.changed', { queueId: from });
      // The target queue's own steps and max wait now apply, still measured from the first enqueue.
      this.#clearTimers(live);
      this.#scheduleWaitingTimers(live, this.router.queueConfig(action.queueId), 0);
    }
    this.#apply(batch);
    this.emit('queue.changed', { queueId: live.queueId });
  }

  #exit(live: Live, action: ExitAction, reason: 'escalation' | 'max-wait' | 'full' | 'empty'): void {
    const i = this.router.interaction(live.id);
    if (!i || i.phase !== 'waiting' || !this.#live.has(live.id)) return;
    if (action.kind === 'overflow') {
      this.#escalate(live, -1, action);
      return;
    }
    this.emit('exit', { interactionId: live.id, queueId: live.queueId, channel: live.channel, action, reason });
    // Non-voice channels have no media to play: the exit is final here. Voice: VoiceQueue plays, then calls exitQueue.
    if (this.#live.has(live.id) && live.channel !== 'voice') this.exitQueue(live.id, action.kind === 'voicemail' ? 'voicemail' : reason === 'max-wait' ? 'max-wait' : 'exit');
    else if (this.#live.has(live.id)) {
      // Take it out of routing at once so no agent is offered a call that is leaving.
      this.#apply(this.router.remove(live.id, this.now));
      this.#clearTimers(live);
    }
  }

  #rejectOffer(interactionId: string, agentId: string, why: 'declined' | 'failed' | 'rona'): void {
    const live = this.#liveOr404(interactionId);
    this.#agentOr404(agentId);
    const batch = this.#wrap(() => this.router.reject(interactionId, agentId, why, this.now));
    live.ronaTimers.get(agentId)?.cancel();
    live.ronaTimers.delete(agentId);
    this.#events.interactionEvent({ interactionId, type: 'offer.rejected', at: this.now, queueId: live.queueId, agentId, data: { reason: why } });
    if (why === 'rona') this.emit('offer.cancelled', { interactionId, agentId, why: 'rona' });
    if (this.router.interaction(interactionId)?.phase === 'waiting') this.#events.updateInteraction(interactionId, { state: 'queued', agentId: null });
    this.#apply(batch, agentId);
    this.emit('queue.changed', { queueId: live.queueId });
  }

  #startRona(live: Live, agentId: string): void {
    const q = this.router.queueConfig(live.queueId);
    const t = this.#clock.setTimer(q.settings.offerTimeoutSec * 1000, () => {
      live.ronaTimers.delete(agentId);
      const i = this.router.interaction(live.id);
      if (i && i.phase === 'offered' && i.offeredTo.has(agentId)) this.#rejectOffer(live.id, agentId, 'rona');
    });
    live.ronaTimers.set(agentId, t);
  }

  #startWrap(agentId: string, queueId: string, interactionId: string | null, since = this.now): void {
    const q = this.router.queueConfig(queueId);
    const wu = q.settings.wrapUp;
    const w = this.#work.get(agentId) ?? newWork();
    this.#work.set(agentId, w);
    w.wrapTimer?.cancel();
    w.wrapStartedAt = since;
    w.extendedMs = 0;
    const limit = wu.mode === 'auto' ? wu.seconds * 1000 : wu.seconds > 0 && wu.maxExtensionSec > 0 ? (wu.seconds + wu.maxExtensionSec) * 1000 : null;
    w.wrapLimitAt = limit === null ? null : since + (wu.mode === 'auto' ? wu.seconds * 1000 : limit);
    if (w.wrapLimitAt !== null) w.wrapTimer = this.#clock.setTimer(Math.max(0, w.wrapLimitAt - this.now), () => this.#autoEndWrap(agentId));
    w.wrapInteractionId = interactionId;
    w.wrapQueueId = queueId;
  }

  #autoEndWrap(agentId: string): void {
    if (!this.router.hasAgent(agentId) || this.router.agent(agentId).presence !== 'wrap-up') return;
    const batch = this.router.endWrapUp(agentId, this.now);
    this.#wrapEnded(agentId);
    this.#apply(batch, agentId);
  }

  #wrapEnded(agentId: string): void {
    const w = this.#work.get(agentId);
    if (!w || w.wrapStartedAt === null) return;
    const ms = this.now - w.wrapStartedAt;
    if (w.lastRecord) w.lastRecord.wrapMs = ms;
    if (w.wrapInteractionId) {
      this.#events.interactionEvent({ interactionId: w.wrapInteractionId, type: 'wrapup.ended', at: this.now, queueId: w.wrapQueueId, agentId, data: { wrapMs: ms } });
      this.#events.updateInteraction(w.wrapInteractionId, { state: 'ended' });
    }
    w.wrapInteractionId = null;
    w.wrapMs += ms;
    w.intervalWrapMs += ms;
    w.wrapStartedAt = null;
    w.wrapLimitAt = null;
    w.wrapTimer?.cancel();
    w.wrapTimer = null;
  }

  #cancelWrap(agentId: string): void {
    if (this.router.hasAgent(agentId) && this.router.agent(agentId).presence === 'wrap-up') this.#wrapEnded(agentId);
  }

  #leaveWhenEmpty(): void {
    for (const q of this.router.queues()) {
      if (!q.settings.leaveWhenEmpty || this.router.staffed(q.id) > 0) continue;
      for (const i of [...this.router.interactions()]) {
        const live = this.#live.get(i.id);
        if (live && i.queueId === q.id && i.phase === 'waiting') this.#exit(live, q.settings.fullAction, 'empty');
      }
    }
  }

  /** Logs and announces what the router decided. */
  #apply(batch: RouterBatch, alsoAgent?: string): void {
    const now = this.now;
    for (const c of batch.cancelled) {
      const live = this.#live.get(c.interactionId);
      live?.ronaTimers.get(c.agentId)?.cancel();
      live?.ronaTimers.delete(c.agentId);
      this.#events.interactionEvent({ interactionId: c.interactionId, type: 'offer.rejected', at: now, queueId: live?.queueId ?? null, agentId: c.agentId, data: { reason: c.why } });
      this.emit('offer.cancelled', { interactionId: c.interactionId, agentId: c.agentId, why: c.why });
    }
    for (const o of batch.offers) {
      const live = this.#live.get(o.interactionId);
      for (const agentId of o.agentIds) {
        this.#events.interactionEvent({ interactionId: o.interactionId, type: 'offered', at: now, queueId: o.queueId, agentId });
      }
      this.#events.updateInteraction(o.interactionId, { state: 'offered', offeredAt: now, agentId: o.agentIds.length === 1 ? o.agentIds[0]! : null });
      if (live) {
        live.offeredAt = now;
        for (const agentId of o.agentIds) this.#startRona(live, agentId);
      }
    }
    const changed = new Set(batch.changedAgents);
    if (alsoAgent) changed.add(alsoAgent);
    for (const agentId of changed) {
      if (!this.router.hasAgent(agentId)) continue;
      const a = this.router.agent(agentId);
      this.#events.agentState({
        agentId,
        state: a.state,
        at: now,
        reason: a.reason,
        data: { presence: a.presence, idleSince: a.idleSince, loginAt: a.loginAt, handledToday: a.handledToday, ronaCount: a.ronaCount, busyMs: a.busyMs, busySince: a.busySince },
      });
      this.#stateSince.set(agentId, now);
      this.#figures.accrue(agentId, a.state, now);
      this.emit('agent.state', { agentId, state: a.state, reason: a.reason, at: now });
    }
    for (const o of batch.offers) this.emit('offer', o);
  }

  #scheduleInterval(): void {
    const now = this.#clock.now();
    const next = intervalStart(now) + INTERVAL_MS;
    this.#intervalTimer = this.#clock.setTimer(next - now, () => {
      if (this.#closed) return;
      this.#closeInterval(next - INTERVAL_MS);
      this.#scheduleInterval();
    });
  }

  #closeInterval(start: number): void {
    const queues = this.router.queues().map((q) => ({
      queueId: q.id,
      stats: queueStats(
        this.#figures.recordsOf(q.id).filter((r) => intervalStart(r.enqueuedAt) === start),
        q.settings.sl,
      ),
    }));
    const now = this.#clock.now();
    const agents = [...this.#work].map(([agentId, w]) => {
      const stateMs = this.#figures.closeAgentInterval(agentId, now);
      const row = { agentId, handled: w.intervalHandled, talkMs: w.intervalTalkMs, wrapMs: w.intervalWrapMs, stateMs, occupancy: occupancy(stateMs) };
      w.intervalHandled = 0;
      w.intervalTalkMs = 0;
      w.intervalWrapMs = 0;
      return row;
    });
    this.emit('interval', { start, queues, agents });
  }
}

function newWork(): AgentWork {
  return { wrapTimer: null, wrapStartedAt: null, wrapInteractionId: null, wrapQueueId: null, wrapLimitAt: null, extendedMs: 0, lastRecord: null, handled: 0, talkMs: 0, wrapMs: 0, intervalHandled: 0, intervalTalkMs: 0, intervalWrapMs: 0 };
}

/** A router result that offered something: a routing decision was made. */
function hasOffers(result: unknown): boolean {
  return typeof result === 'object' && result !== null && Array.isArray((result as { offers?: unknown }).offers) && (result as { offers: unknown[] }).offers.length > 0;
}
