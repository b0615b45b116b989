/**
 * The express application: thin. Routers validate input and call services; errors map to
 * HTTP here, in one place. Health: /healthz (process alive), /readyz (database reachable,
 * media engine up, this instance active).
 */
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from '../logger.js';
import { ApiError } from './errors.js';
import { renderStatusPage, type StatusSource } from './status.js';

export interface ReadinessCheck {
  name: string;
  /** Resolves with a detail string when ready; throws (or rejects) when not. */
  check(): Promise<string>;
}

export interface AppOptions {
  logger: Logger;
  status: StatusSource;
  readiness: ReadinessCheck[];
  /** Mounted in order: `{ path: '/api/queues', router, before?: [middleware] }`. */
  routers?: Array<{ path: string; router: Router | express.RequestHandler; before?: express.RequestHandler[] }>;
  /** True while the instance is shutting down: readiness fails so balancers drain it. */
  isDraining?: () => boolean;
  /** Middleware in front of /api/status (API key and role); none makes it public (the demo). */
  statusGuard?: express.RequestHandler[];
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const results: Record<string, { ok: boolean; detail: string }> = {};
    await Promise.all(
      options.readiness.map(async (r) => {
        try {
          results[r.name] = { ok: true, detail: await r.check() };
        } catch (err) {
          results[r.name] = { ok: false, detail: (err as Error).message };
        }
      }),
    );
    if (options.isDraining?.()) results.shutdown = { ok: false, detail: 'draining' };
    const ok = Object.values(results).every((r) => r.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not-ready', checks: results });
  });

  app.get('/', (_req, res) => {
    res.type('html').send(renderStatusPage());
  });
  app.get('/api/status', ...(options.statusGuard ?? []), (_req, res) => {
    res.json(options.status.statusSnapshot());
  });

  for (const r of options.routers ?? []) app.use(r.path, ...(r.before ?? []), r.router);

  app.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });

  // One place maps errors to HTTP.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiError) {
      res.status(err.status).json({ error: err.code, message: err.message, ...(err.details ?? {}) });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_request', field: 'body', reason: 'body is not valid JSON', message: 'body: not valid JSON' });
      return;
    }
    if (e?.type === 'entity.too.large') {
      res.status(413).json({ error: 'too_large', message: 'request body is larger than 1 MB' });
      return;
    }
    options.logger.error({ err, method: req.method, path: req.path }, 'unhandled error in request');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  });

  return app;
}
