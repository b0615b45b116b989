/** API-key administration (admin only): create (the key is shown once), list, revoke. */
import { z } from 'zod';
import type { Knex } from 'knex';
import { RouteGroup, type ApiRegistry } from '../openapi.js';
import { ROLES } from '../roles.js';
import type { ApiKeyService } from '../auth/ApiKeyService.js';
import { pageOf, pageQuery, pageSchema } from '../pagination.js';
import { ValidationError } from '../errors.js';

const keyRecord = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  agentId: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export const createKeyBody = z.object({
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200, { message: 'at most 200 characters' }),
  role: z.enum(ROLES, { message: `expected one of ${ROLES.join(', ')}` }),
  agentId: z.string().min(1).optional(),
});

export function keysRoutes(registry: ApiRegistry, deps: { keys: ApiKeyService; db: Knex }): RouteGroup {
  const routes = new RouteGroup(registry, '/api/keys', { tag: 'api-keys' });
  routes.post('/', {
    summary: 'Create an API key (the key is returned once and never again)',
    roles: ['admin'],
    body: createKeyBody,
    status: 201,
    response: z.object({ key: z.string(), record: keyRecord }),
  }, async (req, res, { body }) => {
    if (body.role === 'agent' && !body.agentId) throw new ValidationError('body.agentId', 'is required for role agent');
    if (body.role !== 'agent' && body.agentId) throw new ValidationError('body.agentId', 'only keys with role agent act for an agent');
    if (body.agentId && !(await deps.db('agents').where({ id: body.agentId }).first())) {
      throw new ValidationError('body.agentId', `no agent with id ${body.agentId}`);
    }
    const created = await deps.keys.create({ ...body, createdBy: req.auth?.keyId ?? null });
    res.status(201).set('Cache-Control', 'no-store').json(created);
  });
  routes.get('/', {
    summary: 'List API keys (never their secrets)',
    roles: ['admin'],
    query: pageQuery.extend({ includeRevoked: z.enum(['true', 'false']).default('false').transform((v) => v === 'true') }),
    response: pageSchema(keyRecord),
  }, async (_req, res, { query }) => {
    const { items, total } = await deps.keys.list({ includeRevoked: query.includeRevoked, limit: query.limit, offset: query.offset });
    res.json(pageOf(items, total, query));
  });
  routes.delete('/:id', {
    summary: 'Revoke an API key (effective immediately on this control plane)',
    roles: ['admin'],
    params: z.object({ id: z.uuid({ message: 'expected a key id (uuid)' }) }),
    response: keyRecord,
  }, async (_req, res, { params }) => {
    res.json(await deps.keys.revoke(params.id));
  });
  return routes;
}

export function auditRoutes(registry: ApiRegistry, deps: { db: Knex }): RouteGroup {
  const routes = new RouteGroup(registry, '/api/audit', { tag: 'audit' });
  routes.get('/', {
    summary: 'The audit log: every change made through the API, newest first',
    roles: ['admin'],
    query: pageQuery.extend({ keyId: z.string().optional() }),
  }, async (_req, res, { query }) => {
    const base = deps.db('audit_log');
    if (query.keyId) base.where({ key_id: query.keyId });
    const [{ count }] = (await base.clone().count<{ count: string }[]>('* as count')) as [{ count: string }];
    const rows = await base.clone().orderBy('id', 'desc').limit(query.limit).offset(query.offset);
    res.json(pageOf(rows, Number(count), query));
  });
  return routes;
}
