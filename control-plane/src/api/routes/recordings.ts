/**
 * Recording archive over HTTP: search, metadata, download/stream with Range (every access
 * audited), pause/resume for card payments, legal hold, policies per queue/campaign and a
 * manual retention run.
 */
import { z } from 'zod';
import type { Request } from 'express';
import { RouteGroup, type ApiRegistry } from '../openapi.js';
import { ApiError, NotFoundError } from '../errors.js';
import { pageOf, pageQuery } from '../pagination.js';
import { RecordingNotActiveError, RecordingNotFoundError, type RecordingMeta, type RecordingService } from '../../recording/RecordingService.js';
import { recordingPolicySchema } from '../../recording/policy.js';
import type { RetentionJob } from '../../recording/RetentionJob.js';
import { resolveRange, timePoint, timeZone } from '../../reporting/timeRange.js';
import { ValidationError } from '../errors.js';

const idParam = z.object({ id: z.uuid({ message: 'expected a recording id (uuid)' }) });
const CONTENT_TYPES: Record<string, string> = { wav: 'audio/wav', mp3: 'audio/mpeg' };

/** Parses a single `bytes=` range; null means "send everything" (absent or multi-range). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.includes(',') ? null : 'unsatisfiable';
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return 'unsatisfiable';
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RecordingNotFoundError) throw new NotFoundError('recording', err.recordingId);
    if (err instanceof RecordingNotActiveError) throw new ApiError(409, 'conflict', err.message);
    throw err;
  }
}

/** Agents may only act on recordings of their own interactions. */
function assertOwn(req: Request, meta: RecordingMeta): void {
  if (req.auth?.role === 'agent' && meta.agentId !== req.auth.agentId) {
    throw new ApiError(403, 'forbidden', 'an agent key may only act on its own recordings');
  }
}

export function recordingRoutes(registry: ApiRegistry, deps: { recordings: RecordingService; retention: RetentionJob }): RouteGroup[] {
  const routes = new RouteGroup(registry, '/api/recordings', { tag: 'recordings' });
  const svc = deps.recordings;
  const audit = (req: Request, recordingId: string, action: string, range?: string | null) =>
    svc.logAccess({ recordingId, keyId: req.auth?.keyId ?? null, keyName: req.auth?.keyName ?? null, action, range, ip: req.ip ?? null });

  routes.get('/', {
    summary: 'Search recordings by date range, agent, queue, campaign, caller number, disposition',
    roles: ['admin', 'supervisor'],
    query: pageQuery.extend({
      from: timePoint.optional(), to: timePoint.optional(), tz: timeZone,
      agentId: z.string().optional(), queueId: z.string().optional(), campaignId: z.string().optional(),
      callerNumber: z.string().optional(), disposition: z.string().optional(),
    }),
  }, async (_req, res, { query }) => {
    let range: { from?: number; to?: number } = {};
    if (query.from || query.to) {
      if (!query.from || !query.to) throw new ValidationError(query.from ? 'query.to' : 'query.from', 'give both from and to');
      range = resolveRange(query.from, query.to, query.tz);
    }
    const { from: _f, to: _t, ...filters } = query;
    const { items, total } = await svc.search({ ...filters, ...range });
    res.json(pageOf(items, total, query));
  });

  routes.get('/:id', { summary: 'Metadata of one recording', roles: ['admin', 'supervisor'], params: idParam }, async (_req, res, { params }) => {
    res.json(await mapped(() => svc.get(params.id)));
  });

  routes.get('/:id/media', {
    summary: 'Download or stream the audio (Range supported); every access is audited',
    roles: ['admin', 'supervisor'],
    params: idParam,
    contentTypes: ['audio/wav', 'audio/mpeg'],
  }, async (req, res, { params }) => {
    const meta = await mapped(() => svc.get(params.id));
    const size = await svc.storage.size(meta.storageKey);
    if (size === null) throw new ApiError(410, 'gone', `the file of recording ${meta.id} is missing from storage`);
    const range = parseRange(req.headers.range, size);
    await audit(req, meta.id, 'download', req.headers.range ?? null);
    res.set({
      'Accept-Ranges': 'bytes',
      'Content-Type': CONTENT_TYPES[meta.format] ?? 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${meta.id}.${meta.format}"`,
      'Cache-Control': 'private, no-store',
      ...(meta.sha256 ? { ETag: `"${meta.sha256}"` } : {}),
    });
    if (range === 'unsatisfiable') {
      res.status(416).set('Content-Range', `bytes */${size}`).json({ error: 'range_not_satisfiable', message: `range ${req.headers.range} is outside the ${size}-byte file` });
      return;
    }
    const part = range ?? { start: 0, end: size - 1 };
    if (range) res.status(206).set('Content-Range', `bytes ${part.start}-${part.end}/${size}`);
    res.set('Content-Length', String(size === 0 ? 0 : part.end - part.start + 1));
    if (size === 0 || req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = svc.storage.read(meta.storageKey, part);
    stream.on('error', (err) => res.destroy(err));
    stream.pipe(res);
  });

  for (const action of ['pause', 'resume'] as const) {
    routes.post(`/:id/${action}`, {
      summary: action === 'pause' ? 'Pause a recording in progress (card payment); the gap is kept in pausedSpans' : 'Resume a paused recording',
      roles: ['admin', 'supervisor', 'agent'],
      params: idParam,
    }, async (req, res, { params }) => {
      const meta = await mapped(() => svc.get(params.id));
      assertOwn(req, meta);
      await mapped(() => (action === 'pause' ? svc.pause(params.id) : svc.resume(params.id)));
      await audit(req, meta.id, action);
      res.json({ id: meta.id, paused: svc.isPaused(meta.id) });
    });
  }

  routes.put('/:id/legal-hold', {
    summary: 'Place or lift a legal hold (retention never deletes a held recording)',
    roles: ['admin'],
    params: idParam,
    body: z.object({ hold: z.boolean({ message: 'expected true or false' }) }),
  }, async (req, res, { params, body }) => {
    const meta = await mapped(() => svc.setLegalHold(params.id, body.hold));
    await audit(req, meta.id, body.hold ? 'legal-hold' : 'legal-hold-lifted');
    res.json(meta);
  });

  routes.post('/retention/run', { summary: 'Run the retention job now (it also runs daily)', roles: ['admin'] }, async (_req, res) => {
    res.json(await deps.retention.run());
  });

  const policies = new RouteGroup(registry, '/api/recording-policies', { tag: 'recordings' });
  const scopeParams = z.object({
    scope: z.enum(['queue', 'campaign'], { message: 'expected queue or campaign' }),
    scopeId: z.string().min(1).max(200),
  });
  policies.get('/:scope/:scopeId', { summary: 'The recording policy of a queue or campaign', roles: ['admin', 'supervisor', 'campaign-manager'], params: scopeParams },
    async (_req, res, { params }) => {
      res.json(await svc.policyFor(params.scope, params.scopeId));
    });
  policies.put('/:scope/:scopeId', {
    summary: 'Set the recording policy (all/none/percentage, stereo, naming template, retention days)',
    roles: ['admin'],
    params: scopeParams,
    body: recordingPolicySchema,
  }, async (_req, res, { params, body }) => {
    await svc.setPolicy(params.scope, params.scopeId, body);
    res.json(await svc.policyFor(params.scope, params.scopeId));
  });
  return [routes, policies];
}
