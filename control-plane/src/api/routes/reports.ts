/**
 * Reports: 15-minute intervals per queue, agent and campaign (grouped by interval, hour,
 * day or total in the caller's time zone), CDRs, CSV export (`format=csv`), and a rebuild
 * from the event log. Agents see only their own rows.
 */
import { z } from 'zod';
import type { Knex } from 'knex';
import type { Response } from 'express';
import { RouteGroup, type ApiRegistry } from '../openapi.js';
import { ApiError, ValidationError } from '../errors.js';
import { pageQuery, pageOf } from '../pagination.js';
import { resolveRange, timePoint, timeZone } from '../../reporting/timeRange.js';
import { cdrReport, intervalReport, type Dimension } from '../../reporting/reports.js';
import { toCsv } from '../../reporting/csv.js';
import type { ReportingStore } from '../../reporting/ReportingStore.js';
import type { Principal } from '../roles.js';

const rangeQuery = z.object({
  from: timePoint,
  to: timePoint,
  tz: timeZone,
  format: z.enum(['json', 'csv'], { message: 'expected json or csv' }).default('json'),
});

const idList = z.string().optional().transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined));

function range(q: { from: string; to: string; tz: string }): { from: number; to: number } {
  const r = resolveRange(q.from, q.to, q.tz);
  if (!(r.to > r.from)) throw new ValidationError('query.to', 'must be after from');
  if (r.to - r.from > 400 * 86_400_000) throw new ValidationError('query.to', 'range is limited to 400 days');
  return r;
}

function send(res: Response, format: 'json' | 'csv', name: string, body: { items: Array<Record<string, unknown>> } & Record<string, unknown>): void {
  if (format === 'csv') {
    res.type('text/csv').set('Content-Disposition', `attachment; filename="${name}.csv"`).send(toCsv(body.items));
  } else {
    res.json(body);
  }
}

/** Agents get their own rows only; asking for another agent's is a 403. */
function scopeAgent(auth: Principal | undefined, requested: string[] | undefined): string[] | undefined {
  if (auth?.role !== 'agent') return requested;
  const own = auth.agentId ?? '\u0000none';
  if (requested && requested.some((a) => a !== own)) throw new ForbiddenScope();
  return [own];
}

class ForbiddenScope extends ApiError {
  constructor() {
    super(403, 'forbidden', 'an agent key may only read its own agent', { field: 'query.agentId', reason: 'not your agent' });
  }
}

export function reportRoutes(registry: ApiRegistry, deps: { db: Knex; reporting: ReportingStore }): RouteGroup {
  const routes = new RouteGroup(registry, '/api/reports', { tag: 'reports' });
  const granularity = z.enum(['interval', 'hour', 'day', 'total'], { message: 'expected interval, hour, day or total' }).default('interval');

  const intervalRoute = (path: string, dimension: Dimension, idParam: 'queueId' | 'campaignId' | 'agentId', roles: Array<'admin' | 'supervisor' | 'campaign-manager' | 'read-only' | 'agent'>) => {
    routes.get(path, {
      summary: `${dimension} figures per 15-minute interval (or hour/day/total) in a time zone`,
      description: 'SL % = answered within the threshold ÷ (answered + abandoned after the short-abandon threshold).',
      roles,
      query: rangeQuery.extend({ granularity }).extend({ [idParam]: idList } as { queueId: typeof idList }),
      contentTypes: ['application/json', 'text/csv'],
    }, async (req, res, { query }) => {
      const r = range(query);
      let ids = (query as unknown as Record<string, string[] | undefined>)[idParam];
      if (dimension === 'agent') ids = scopeAgent(req.auth, ids);
      const items = await intervalReport(deps.db, { dimension, ...r, tz: query.tz, granularity: query.granularity, ids });
      send(res, query.format, `${dimension}-report`, { items, from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString(), tz: query.tz });
    });
  };
  intervalRoute('/queues', 'queue', 'queueId', ['admin', 'supervisor', 'read-only']);
  intervalRoute('/campaigns', 'campaign', 'campaignId', ['admin', 'supervisor', 'campaign-manager', 'read-only']);
  intervalRoute('/agents', 'agent', 'agentId', ['admin', 'supervisor', 'read-only', 'agent']);

  routes.get('/cdrs', {
    summary: 'Call detail records (one per interaction), paginated',
    roles: ['admin', 'supervisor', 'campaign-manager', 'read-only', 'agent'],
    query: rangeQuery.extend(pageQuery.shape).extend({
      queueId: z.string().optional(), agentId: z.string().optional(), campaignId: z.string().optional(),
      outcome: z.string().optional(), callerNumber: z.string().optional(),
    }),
    contentTypes: ['application/json', 'text/csv'],
  }, async (req, res, { query }) => {
    const r = range(query);
    const agentIds = scopeAgent(req.auth, query.agentId ? [query.agentId] : undefined);
    const { items, total } = await cdrReport(deps.db, { ...query, ...r, agentId: agentIds?.[0] });
    send(res, query.format, 'cdrs', pageOf(items, total, query));
  });

  routes.post('/rebuild', {
    summary: 'Recompute interval tables and CDRs from the event log (all of it, or a range)',
    roles: ['admin'],
    body: z.object({ from: timePoint.optional(), to: timePoint.optional(), tz: timeZone }),
  }, async (_req, res, { body }) => {
    if (!body.from !== !body.to) throw new ValidationError(body.from ? 'body.to' : 'body.from', 'give both from and to, or neither');
    const result = body.from && body.to
      ? await deps.reporting.rebuild(range({ from: body.from, to: body.to, tz: body.tz }).from, range({ from: body.from, to: body.to, tz: body.tz }).to)
      : await deps.reporting.rebuildAll();
    res.json(result ? { from: new Date(result.from).toISOString(), to: new Date(result.to).toISOString(), interactions: result.interactions } : { interactions: 0 });
  });
  return routes;
}
