/**
 * Delivers the outbox: for each subscription only its oldest pending row is in flight, so a
 * CRM receives its events in the order they happened. A failure (non-2xx, timeout, refused)
 * retries with exponential backoff; after `maxAttempts` the row goes to the dead letters and
 * the next one proceeds. Delivery is at-least-once: a receiver that answered 2xx too late
 * (after our timeout) sees the event again with the same `X-Switchboard-Delivery` id.
 * One worker per database (the active control plane).
 */
import type { Knex } from 'knex';
import type { Clock, TimerHandle } from '../../clock.js';
import type { Logger } from '../../logger.js';
import { TypedEmitter } from '../../events.js';
import { SIGNATURE_HEADER, sign } from './signature.js';

export interface WebhookWorkerOptions {
  db: Knex;
  clock: Clock;
  logger: Logger;
  maxAttempts?: number;
  timeoutMs?: number;
  /** First retry delay; doubles per attempt (± 20 % jitter), capped at maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How often to look for new rows when idle. */
  pollMs?: number;
  /** Subscriptions delivered to at the same time. */
  concurrency?: number;
}

export type WebhookWorkerEvents = {
  delivered: [{ subscriptionId: string; outboxId: number; attempts: number }];
  failed: [{ subscriptionId: string; outboxId: number; attempts: number; error: string; dead: boolean }];
  backlog: [{ pending: number }];
};

interface OutboxRow {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  next_attempt_at: Date;
  url: string;
  secret: string;
}

export class WebhookWorker extends TypedEmitter<WebhookWorkerEvents> {
  readonly #db: Knex;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #pollMs: number;
  readonly #concurrency: number;
  #timer: TimerHandle | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  #again = false;

  constructor(o: WebhookWorkerOptions) {
    super();
    this.#db = o.db;
    this.#clock = o.clock;
    this.#log = o.logger.child({ component: 'webhooks' });
    this.#maxAttempts = o.maxAttempts ?? 12;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#backoffMs = o.backoffMs ?? 1_000;
    this.#maxBackoffMs = o.maxBackoffMs ?? 3_600_000;
    this.#pollMs = o.pollMs ?? 500;
    this.#concurrency = o.concurrency ?? 8;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.kick();
  }

  /** Look at the outbox now (e.g. right after a commit). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#timer?.cancel();
    this.#timer = null;
    this.#running = this.#tick()
      .catch((err: Error) => this.#log.error({ err: err.message }, 'webhook delivery pass failed'))
      .then((nextMs) => {
        this.#running = null;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.kick();
        } else {
          this.#timer = this.#clock.setTimer(typeof nextMs === 'number' ? nextMs : this.#pollMs, () => this.kick());
        }
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running;
  }

  /** Deletes delivered rows older than `olderThanMs` (dead letters stay until retried or their subscription goes). */
  async purgeDelivered(olderThanMs: number): Promise<number> {
    return this.#db('webhook_outbox').where({ status: 'delivered' }).andWhere('delivered_at', '<', new Date(this.#clock.now() - olderThanMs)).delete();
  }

  async pending(): Promise<number> {
    const [{ count }] = (await this.#db('webhook_outbox').where({ status: 'pending' }).count<{ count: string }[]>('* as count')) as [{ count: string }];
    return Number(count);
  }

  /** One pass: deliver each subscription's head row that is due; returns ms until the next due row. */
  async #tick(): Promise<number> {
    const heads = (await this.#db.raw(
      `select distinct on (o.subscription_id) o.id, o.subscription_id, o.event_id, o.event_type, o.payload, o.attempts, o.next_attempt_at, s.url, s.secret
         from webhook_outbox o join webhook_subscriptions s on s.id = o.subscription_id
        where o.status = 'pending' and s.active
        order by o.subscription_id, o.id`,
    )).rows as OutboxRow[];
    this.emit('backlog', { pending: await this.pending() });
    const now = this.#clock.now();
    const due = heads.filter((h) => h.next_attempt_at.getTime() <= now);
    for (let i = 0; i < due.length; i += this.#concurrency) {
      await Promise.all(due.slice(i, i + this.#concurrency).map((h) => this.#deliver(h)));
    }
    if (due.length) return 0; // the next row of those subscriptions may be due right away
    const waits = heads.map((h) => h.next_attempt_at.getTime() - now).filter((ms) => ms > 0);
    return Math.min(this.#pollMs, ...waits);
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const body = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
    const attempts = row.attempts + 1;
    const outboxId = Number(row.id);
    let error: string | null = null;
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Switchboard-Webhooks/1',
          'X-Switchboard-Event': row.event_type,
          'X-Switchboard-Delivery': row.event_id,
          'X-Switchboard-Attempt': String(attempts),
          [SIGNATURE_HEADER]: sign(row.secret, body, Math.floor(this.#clock.now() / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      error = e.name === 'TimeoutError' ? `timed out after ${this.#timeoutMs} ms` : `${e.message}: ${e.cause?.code ?? e.cause?.message ?? 'unknown cause'}`;
    }
    if (error === null) {
      await this.#db('webhook_outbox').where({ id: row.id }).update({ status: 'delivered', attempts, delivered_at: new Date(this.#clock.now()), last_error: null });
      this.emit('delivered', { subscriptionId: row.subscription_id, outboxId, attempts });
      return;
    }
    const dead = attempts >= this.#maxAttempts;
    const base = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (attempts - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    await this.#db('webhook_outbox').where({ id: row.id }).update({
      status: dead ? 'dead' : 'pending', attempts, last_error: error, next_attempt_at: new Date(this.#clock.now() + delay),
    });
    this.#log.warn({ subscriptionId: row.subscription_id, outboxId, attempts, error, dead }, dead ? 'webhook dead-lettered' : 'webhook delivery failed; will retry');
    this.emit('failed', { subscriptionId: row.subscription_id, outboxId, attempts, error, dead });
  }
}
