/**
 * Subscriptions and the outbox. Events become outbox rows in the SAME transaction that
 * writes them (an EventLog commit hook), one row per subscribed subscription, so an event
 * is either stored and queued for every CRM or not stored at all. A retried batch cannot
 * queue twice: (subscription_id, event_id) is unique and event ids are the log's `eid`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { CommitHook, CommittedBatch } from '../../store/EventLog.js';
import { NotFoundError } from '../errors.js';

export const WEBHOOK_EVENT_TYPES = ['interaction.offered', 'interaction.answered', 'interaction.ended', 'agent.state', 'campaign.attempt'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookEvent {
  /** Unique per event (the event log's eid); receivers dedupe on it. */
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface Subscription {
  id: string;
  name: string;
  url: string;
  eventTypes: WebhookEventType[];
  active: boolean;
  createdAt: string;
}

interface SubRow {
  id: string; name: string; url: string; event_types: string[]; secret: string; active: boolean; created_at: Date;
}

const toSub = (r: SubRow): Subscription => ({
  id: r.id, name: r.name, url: r.url, eventTypes: r.event_types as WebhookEventType[], active: r.active, createdAt: r.created_at.toISOString(),
});

const INTERACTION_TYPES: Record<string, WebhookEventType> = {
  offered: 'interaction.offered',
  answered: 'interaction.answered',
  ended: 'interaction.ended',
};

const parse = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : ((v ?? {}) as Record<string, unknown>));
const isoOf = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(v as string | number).toISOString());

export class WebhookOutbox {
  readonly #db: Knex;
  readonly #publicBaseUrl: string;

  constructor(options: { db: Knex; publicBaseUrl: string }) {
    this.#db = options.db;
    this.#publicBaseUrl = options.publicBaseUrl.replace(/\/$/, '');
  }

  async createSubscription(input: { name: string; url: string; eventTypes: WebhookEventType[] }): Promise<{ subscription: Subscription; secret: string }> {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const [row] = (await this.#db('webhook_subscriptions')
      .insert({ id: randomUUID(), name: input.name, url: input.url, event_types: input.eventTypes, secret })
      .returning('*')) as SubRow[];
    return { subscription: toSub(row as SubRow), secret };
  }

  async listSubscriptions(page: { limit: number; offset: number }): Promise<{ items: Subscription[]; total: number }> {
    const [{ count }] = (await this.#db('webhook_subscriptions').count<{ count: string }[]>('* as count')) as [{ count: string }];
    const rows = (await this.#db('webhook_subscriptions').orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset)) as SubRow[];
    return { items: rows.map(toSub), total: Number(count) };
  }

  async updateSubscription(id: string, patch: { url?: string; eventTypes?: WebhookEventType[]; active?: boolean; name?: string }): Promise<Subscription> {
    const row: Record<string, unknown> = {};
    if (patch.url !== undefined) row.url = patch.url;
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.eventTypes !== undefined) row.event_types = patch.eventTypes;
    if (patch.active !== undefined) row.active = patch.active;
    const q = this.#db('webhook_subscriptions').where({ id });
    const rows = (Object.keys(row).length ? await q.update(row).returning('*') : await q.select('*')) as SubRow[];
    if (!rows[0]) throw new NotFoundError('webhook subscription', id);
    return toSub(rows[0]);
  }

  async deleteSubscription(id: string): Promise<void> {
    const n = await this.#db('webhook_subscriptions').where({ id }).delete();
    if (!n) throw new NotFoundError('webhook subscription', id);
  }

  /** The EventLog commit hook: `eventLog.onCommit(outbox.commitHook)`. */
  readonly commitHook: CommitHook = async (trx, batch) => {
    const events = await this.#toWebhookEvents(trx, batch);
    if (events.length) await this.enqueue(trx, events);
  };

  /**
   * Queues events for every active subscription that wants them, inside the caller's
   * transaction (the dialer calls this for `campaign.attempt` in its own transaction).
   */
  async enqueue(trx: Knex.Transaction | Knex, events: WebhookEvent[]): Promise<number> {
    const types = [...new Set(events.map((e) => e.type))];
    const subs = (await trx('webhook_subscriptions').where({ active: true }).whereRaw('event_types && ?::text[]', [types])
      .select('id', 'event_types')) as Array<{ id: string; event_types: string[] }>;
    if (!subs.length) return 0;
    const rows: Array<Record<string, unknown>> = [];
    for (const e of events) {
      for (const s of subs) {
        if (s.event_types.includes(e.type)) {
          rows.push({ subscription_id: s.id, event_id: e.id, event_type: e.type, payload: JSON.stringify(e) });
        }
      }
    }
    for (let i = 0; i < rows.length; i += 500) {
      await trx('webhook_outbox').insert(rows.slice(i, i + 500)).onConflict(['subscription_id', 'event_id']).ignore();
    }
    return rows.length;
  }

  async #toWebhookEvents(trx: Knex.Transaction, batch: CommittedBatch): Promise<WebhookEvent[]> {
    const out: WebhookEvent[] = [];
    const endedIds: string[] = [];
    const recordingInBatch = new Map<string, string>();
    for (const r of batch.interactionEvents) {
      if (r.type === 'recording.started') {
        const rec = parse(r.data).recordingId;
        if (typeof rec === 'string') recordingInBatch.set(r.interaction_id as string, rec);
      }
      if (r.type === 'ended') endedIds.push(r.interaction_id as string);
    }
    const recordings = new Map<string, string>();
    if (endedIds.length) {
      const rows = (await trx('recordings').whereIn('interaction_id', endedIds).orderBy('started_at').select('id', 'interaction_id')) as Array<{ id: string; interaction_id: string }>;
      for (const row of rows) if (!recordings.has(row.interaction_id)) recordings.set(row.interaction_id, row.id);
    }
    // Each log keeps its append order; the two are merged by time (stable sort).
    for (const r of batch.interactionEvents) {
      const type = INTERACTION_TYPES[r.type as string];
      if (!type) continue;
      const interactionId = r.interaction_id as string;
      const data: Record<string, unknown> = { interactionId, queueId: r.queue_id ?? null, agentId: r.agent_id ?? null, ...parse(r.data) };
      if (type === 'interaction.ended') {
        const rec = recordings.get(interactionId) ?? recordingInBatch.get(interactionId);
        data.recordingUrl = rec ? `${this.#publicBaseUrl}/api/recordings/${rec}/media` : null;
      }
      out.push({ id: r.eid as string, type, occurredAt: isoOf(r.at), data });
    }
    for (const r of batch.agentStates) {
      out.push({
        id: r.eid as string, type: 'agent.state', occurredAt: isoOf(r.at),
        data: { agentId: r.agent_id, state: r.state, reason: r.reason ?? null, interactionId: r.interaction_id ?? null, ...parse(r.data) },
      });
    }
    return out
      .map((e, i) => ({ e, i, at: Date.parse(e.occurredAt) }))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .map((x) => x.e);
  }
}
