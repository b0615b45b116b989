/**
 * The gate in front of /api: authenticate the key, rate-limit per key, audit every change.
 * Mount in this order: `app.use('/api', ...apiGate(...))`.
 */
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { Logger } from '../../logger.js';
import type { ApiKeyService } from './ApiKeyService.js';

/** Reads `X-API-Key` or `Authorization: Bearer …`; an invalid key is a 401 right away. */
export function authenticate(keys: ApiKeyService): RequestHandler {
  return async (req, res, next) => {
    const presented = presentedKey(req);
    if (presented === null) return next(); // routes decide (public vs requireRole → 401)
    const principal = await keys.verify(presented);
    if (!principal) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'unauthorized', message: 'unknown or revoked API key' });
      return;
    }
    req.auth = principal;
    next();
  };
}

export function presentedKey(req: Pick<Request, 'headers'>): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim() || null;
  return null;
}

/** Per-key limit (requests per window); unauthenticated requests share a per-IP bucket. */
export function rateLimitPerKey(options: { limit: number; windowMs: number }): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => (req.auth ? `key:${req.auth.keyId}` : `ip:${req.ip ?? 'unknown'}`),
    validate: { keyGeneratorIpFallback: false },
    handler: (_req, res, _next, opts) => {
      res.status(opts.statusCode).json({ error: 'rate_limited', message: `rate limit exceeded: at most ${options.limit} requests per ${Math.round(options.windowMs / 1000)} s for this key` });
    },
  });
}

const SECRET_FIELD = /secret|password|token|key$/i;

export function redactBody(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactBody);
  if (body && typeof body === 'object') {
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, SECRET_FIELD.test(k) ? '[redacted]' : redactBody(v)]));
  }
  return body;
}

/** Writes an audit_log row for every request that may change something (not GET/HEAD/OPTIONS). */
export function auditChanges(db: Knex, log: Logger): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
    res.on('finish', () => {
      const auth = req.auth;
      db('audit_log')
        .insert({
          key_id: auth?.keyId ?? null,
          key_name: auth?.keyName ?? null,
          role: auth?.role ?? null,
          method: req.method,
          path,
          status: res.statusCode,
          ip: req.ip ?? null,
          body: req.body && typeof req.body === 'object' ? JSON.stringify(redactBody(req.body)) : null,
        })
        .catch((err: Error) => log.error({ err: err.message, method: req.method, path }, 'audit row not written'));
    });
    next();
  };
}
