/** Webhook subscriptions (admin) and the outbox: pending/delivered/dead rows and dead-letter retry. */
import { z } from 'zod';
import type { Knex } from 'knex';
import { RouteGroup, type ApiRegistry } from '../openapi.js';
import { pageOf, pageQuery } from '../pagination.js';
import { NotFoundError } from '../errors.js';
import { WEBHOOK_EVENT_TYPES, type WebhookOutbox } from '../webhooks/WebhookOutbox.js';
import type { WebhookWorker } from '../webhooks/WebhookWorker.js';

const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' });
const eventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES, { message: `expected one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
  .min(1, { message: 'subscribe to at least one event type' });
const idParam = z.object({ id: z.uuid({ message: 'expected a subscription id (uuid)' }) });

export function webhookRoutes(registry: ApiRegistry, deps: { db: Knex; outbox: WebhookOutbox; worker?: WebhookWorker }): RouteGroup {
  const routes = new RouteGroup(registry, '/api/webhooks', { tag: 'webhooks' });
  routes.post('/', {
    summary: 'Subscribe a URL to event types; the signing secret is returned once',
    roles: ['admin'],
    status: 201,
    body: z.object({ name: z.string().trim().min(1, { message: 'must not be empty' }).max(200), url: httpUrl, eventTypes }),
  }, async (_req, res, { body }) => {
    res.status(201).set('Cache-Control', 'no-store').json(await deps.outbox.createSubscription(body));
  });
  routes.get('/', { summary: 'List subscriptions (without secrets)', roles: ['admin'], query: pageQuery }, async (_req, res, { query }) => {
    const { items, total } = await deps.outbox.listSubscriptions(query);
    res.json(pageOf(items, total, query));
  });
  routes.patch('/:id', {
    summary: 'Change a subscription (URL, event types, active)',
    roles: ['admin'],
    params: idParam,
    body: z.object({ name: z.string().trim().min(1).max(200).optional(), url: httpUrl.optional(), eventTypes: eventTypes.optional(), active: z.boolean().optional() }),
  }, async (_req, res, { params, body }) => {
    res.json(await deps.outbox.updateSubscription(params.id, body));
  });
  routes.delete('/:id', { summary: 'Delete a subscription and its queued deliveries', roles: ['admin'], params: idParam }, async (_req, res, { params }) => {
    await deps.outbox.deleteSubscription(params.id);
    res.status(204).end();
  });
  routes.get('/deliveries', {
    summary: 'Outbox rows by status; status=dead is the dead-letter view',
    roles: ['admin', 'supervisor'],
    query: pageQuery.extend({
      status: z.enum(['pending', 'delivered', 'dead'], { message: 'expected pending, delivered or dead' }).default('dead'),
      subscriptionId: z.uuid().optional(),
    }),
  }, async (_req, res, { query }) => {
    const base = deps.db('webhook_outbox').where({ status: query.status });
    if (query.subscriptionId) base.where({ subscription_id: query.subscriptionId });
    const [{ count }] = (await base.clone().count<{ count: string }[]>('* as count')) as [{ count: string }];
    const rows = (await base.clone().orderBy('id', query.status === 'pending' ? 'asc' : 'desc').limit(query.limit).offset(query.offset)) as Array<Record<string, unknown>>;
    const items = rows.map((r) => ({
      id: Number(r.id), subscriptionId: r.subscription_id, eventId: r.event_id, eventType: r.event_type, status: r.status,
      attempts: r.attempts, lastError: r.last_error, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, deliveredAt: r.delivered_at, payload: r.payload,
    }));
    res.json(pageOf(items, Number(count), query));
  });
  routes.post('/deliveries/:id/retry', {
    summary: 'Put a dead letter back in its queue (delivered before newer events of that subscription)',
    roles: ['admin'],
    params: z.object({ id: z.coerce.number().int().positive({ message: 'expected a delivery id' }) }),
  }, async (_req, res, { params }) => {
    const n = await deps.db('webhook_outbox').where({ id: params.id, status: 'dead' })
      .update({ status: 'pending', attempts: 0, next_attempt_at: deps.db.fn.now(), last_error: null });
    if (!n) throw new NotFoundError('dead letter', String(params.id));
    deps.worker?.kick();
    res.json({ id: params.id, status: 'pending' });
  });
  return routes;
}
