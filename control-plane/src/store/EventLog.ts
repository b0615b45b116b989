/**
 * The single write path for the append-only logs (interaction_events, agent_state_events)
 * and the interactions table.
 *
 * Domain code appends synchronously, never awaiting the database on its hot path. Writes are
 * batched and committed in append order, one transaction per batch. When PostgreSQL is away
 * the writes stay queued in memory and are retried with capped backoff until it returns:
 * nothing is lost, and each event's client-generated `eid` (unique in the table) makes a
 * retried batch unable to insert anything twice.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { TypedEmitter } from '../events.js';
import type { AgentState, Channel, InteractionEventType } from '../domainEvents.js';
import type { Logger } from '../logger.js';

export interface InteractionEventInput {
  interactionId: string;
  type: InteractionEventType;
  /** Epoch ms (engine clock). */
  at: number;
  queueId?: string | null;
  agentId?: string | null;
  data?: Record<string, unknown>;
}

export interface AgentStateInput {
  agentId: string;
  state: AgentState;
  at: number;
  reason?: string | null;
  interactionId?: string | null;
  data?: Record<string, unknown>;
}

/** Columns of `interactions` (times as epoch ms). */
export interface InteractionRow {
  id: string;
  channel: Channel;
  direction: 'inbound' | 'outbound';
  state: string;
  arrivedAt: number;
  customerRef?: string | null;
  callerNumber?: string | null;
  dialledNumber?: string | null;
  queueId?: string | null;
  agentId?: string | null;
  priority?: number;
  outcome?: string | null;
  hangupSide?: string | null;
  variables?: Record<string, unknown>;
  flowId?: string | null;
  flowVersion?: number | null;
  queuedAt?: number | null;
  offeredAt?: number | null;
  answeredAt?: number | null;
  endedAt?: number | null;
}

export type InteractionPatch = Partial<Omit<InteractionRow, 'id'>>;

type Write =
  | { kind: 'event'; row: Record<string, unknown> }
  | { kind: 'agent'; row: Record<string, unknown> }
  | { kind: 'create'; id: string; row: Record<string, unknown> }
  | { kind: 'patch'; id: string; row: Record<string, unknown> };

/** What a commit hook sees: the rows going into this transaction. */
export interface CommittedBatch {
  interactionEvents: Array<Record<string, unknown>>;
  agentStates: Array<Record<string, unknown>>;
}

export type CommitHook = (trx: Knex.Transaction, batch: CommittedBatch) => Promise<void>;

export type EventLogEvents = {
  flushed: [{ count: number }];
  backlog: [{ pending: number }];
  error: [Error];
};

export interface EventLogOptions {
  db: Knex;
  logger: Logger;
  /** Wait this long (wall time) to gather a batch. */
  batchMs?: number;
  maxBatch?: number;
  /** Backoff after a failed write: starts here, doubles, capped at maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Warn (and emit `backlog`) each time the queue passes a multiple of this. */
  backlogWarnAt?: number;
}

const COLUMN: Record<keyof InteractionPatch, string> = {
  channel: 'channel',
  direction: 'direction',
  state: 'state',
  arrivedAt: 'arrived_at',
  customerRef: 'customer_ref',
  callerNumber: 'caller_number',
  dialledNumber: 'dialled_number',
  queueId: 'queue_id',
  agentId: 'agent_id',
  priority: 'priority',
  outcome: 'outcome',
  hangupSide: 'hangup_side',
  variables: 'variables',
  flowId: 'flow_id',
  flowVersion: 'flow_version',
  queuedAt: 'queued_at',
  offeredAt: 'offered_at',
  answeredAt: 'answered_at',
  endedAt: 'ended_at',
};
const TIME_FIELDS = new Set(['arrivedAt', 'queuedAt', 'offeredAt', 'answeredAt', 'endedAt']);

function toColumns(patch: InteractionPatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch) as Array<[keyof InteractionPatch, unknown]>) {
    if (value === undefined) continue;
    const column = COLUMN[key];
    if (!column) continue;
    if (TIME_FIELDS.has(key)) row[column] = value === null ? null : new Date(value as number);
    else if (key === 'variables') row[column] = JSON.stringify(value);
    else row[column] = value;
  }
  return row;
}

export class EventLog extends TypedEmitter<EventLogEvents> {
  readonly #db: Knex;
  readonly #log: Logger;
  readonly #batchMs: number;
  readonly #maxBatch: number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #backlogWarnAt: number;
  #queue: Write[] = [];
  #hooks: CommitHook[] = [];
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #failures = 0;
  #closed = false;
  #waiters: Array<() => void> = [];
  #committed = 0;

  constructor(options: EventLogOptions) {
    super();
    this.#db = options.db;
    this.#log = options.logger.child({ component: 'event-log' });
    this.#batchMs = options.batchMs ?? 20;
    this.#maxBatch = options.maxBatch ?? 2000;
    this.#retryMs = options.retryMs ?? 100;
    this.#maxRetryMs = options.maxRetryMs ?? 5000;
    this.#backlogWarnAt = options.backlogWarnAt ?? 50_000;
  }

  /** Writes appended and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Total writes committed since start. */
  get committed(): number {
    return this.#committed;
  }

  onCommit(hook: CommitHook): void {
    this.#hooks.push(hook);
  }

  interactionEvent(e: InteractionEventInput): string {
    const eid = randomUUID();
    this.#push({
      kind: 'event',
      row: {
        eid,
        interaction_id: e.interactionId,
        at: new Date(e.at),
        type: e.type,
        queue_id: e.queueId ?? null,
        agent_id: e.agentId ?? null,
        data: JSON.stringify(e.data ?? {}),
      },
    });
    return eid;
  }

  agentState(e: AgentStateInput): string {
    const eid = randomUUID();
    this.#push({
      kind: 'agent',
      row: {
        eid,
        agent_id: e.agentId,
        at: new Date(e.at),
        state: e.state,
        reason: e.reason ?? null,
        interaction_id: e.interactionId ?? null,
        data: JSON.stringify(e.data ?? {}),
      },
    });
    return eid;
  }

  /** A new interaction row (ignored if one with the same id exists). */
  createInteraction(row: InteractionRow): void {
    this.#push({ kind: 'create', id: row.id, row: { id: row.id, ...toColumns(row) } });
  }

  /** Changes to an interaction created earlier (applied in append order). */
  updateInteraction(id: string, patch: InteractionPatch): void {
    const row = toColumns(patch);
    if (Object.keys(row).length > 0) this.#push({ kind: 'patch', id, row });
  }

  /** Resolves once everything appended before the call is committed. */
  async flush(): Promise<void> {
    if (this.#queue.length === 0 && !this.#flushing) return;
    await new Promise<void>((resolve) => {
      this.#waiters.push(resolve);
      this.#schedule(0);
    });
  }

  /** Flushes, then refuses further writes. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #push(write: Write): void {
    if (this.#closed) throw new Error('event log is closed');
    this.#queue.push(write);
    const n = this.#queue.length;
    if (n % this.#backlogWarnAt === 0) {
      this.#log.warn({ pending: n }, 'event log backlog growing (database slow or away)');
      this.emit('backlog', { pending: n });
    }
    this.#schedule(n >= this.#maxBatch ? 0 : this.#batchMs);
  }

  #schedule(ms: number): void {
    if (this.#flushing) return; // the running flush re-schedules when done
    if (this.#timer) {
      if (ms > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flushing = this.#runFlush().finally(() => {
        this.#flushing = null;
        if (this.#queue.length > 0) this.#schedule(this.#failures > 0 ? this.#backoff() : 0);
        else this.#releaseWaiters();
      });
    }, ms);
    this.#timer.unref?.();
  }

  #backoff(): number {
    const base = Math.min(this.#maxRetryMs, this.#retryMs * 2 ** Math.min(this.#failures - 1, 16));
    return base / 2 + Math.random() * (base / 2);
  }

  #releaseWaiters(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async #runFlush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#maxBatch);
      try {
        await this.#write(batch);
      } catch (err) {
        this.#failures += 1;
        const error = err as Error;
        this.#log.error({ err: error.message, pending: this.#queue.length, attempt: this.#failures }, 'event log write failed; will retry');
        this.emit('error', error);
        return;
      }
      this.#queue.splice(0, batch.length);
      this.#committed += batch.length;
      if (this.#failures > 0) this.#log.info({ pending: this.#queue.length }, 'event log writes resumed');
      this.#failures = 0;
      this.emit('flushed', { count: batch.length });
    }
  }

  async #write(batch: Write[]): Promise<void> {
    const events: Array<Record<string, unknown>> = [];
    const agents: Array<Record<string, unknown>> = [];
    // Creates with later patches in the same batch folded in; patches of older rows by id.
    const creates = new Map<string, Record<string, unknown>>();
    const patches = new Map<string, Record<string, unknown>>();
    for (const w of batch) {
      if (w.kind === 'event') events.push(w.row);
      else if (w.kind === 'agent') agents.push(w.row);
      else if (w.kind === 'create') {
        if (!creates.has(w.id)) creates.set(w.id, { ...w.row });
      } else {
        const created = creates.get(w.id);
        if (created) Object.assign(created, w.row);
        else patches.set(w.id, { ...(patches.get(w.id) ?? {}), ...w.row });
      }
    }
    await this.#db.transaction(async (trx) => {
      if (creates.size > 0) await trx('interactions').insert([...creates.values()]).onConflict('id').ignore();
      for (const [id, row] of patches) await trx('interactions').where({ id }).update(row);
      for (let i = 0; i < events.length; i += 500) {
        await trx('interaction_events').insert(events.slice(i, i + 500)).onConflict('eid').ignore();
      }
      for (let i = 0; i < agents.length; i += 500) {
        await trx('agent_state_events').insert(agents.slice(i, i + 500)).onConflict('eid').ignore();
      }
      for (const hook of this.#hooks) await hook(trx, { interactionEvents: events, agentStates: agents });
    });
  }
}
