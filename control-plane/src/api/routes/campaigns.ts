/**
 * /api/campaigns — outbound campaigns: CRUD, start/pause/resume/stop, live pacing changes
 * (PATCH), lead list upload (CSV body), do-not-call import (global and per campaign),
 * dispositions, attempts and live stats. Plain Router: the lead adds authentication.
 *
 * CSV uploads are streamed from the request body (Content-Type text/csv); import options
 * come in the query string (see docs/dialer.md).
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { ApiError, ConflictError, NotFoundError } from '../errors.js';
import type { DialerService } from '../../dialer/DialerService.js';
import { CampaignNotFoundError, CampaignStateError, DialerValidationError } from '../../dialer/errors.js';
import { describeIssues } from '../../dialer/campaign.js';

export interface CampaignsRouterOptions {
  dialer: DialerService;
  /** Largest CSV upload accepted (bytes). Default 200 MB. */
  maxUploadBytes?: number;
}

/** Dialer errors → the API's errors (mapped to HTTP in api/app.ts). */
function toApiError(err: unknown): unknown {
  if (err instanceof DialerValidationError) {
    const first = err.problems[0] ?? '';
    const field = first.includes(':') ? first.slice(0, first.indexOf(':')) : 'body';
    return new ApiError(400, 'invalid_request', err.message, { field, problems: err.problems });
  }
  if (err instanceof CampaignNotFoundError) return new NotFoundError('campaign', err.campaignId);
  if (err instanceof CampaignStateError) return new ConflictError(err.message, { state: err.state });
  return err;
}

const handle =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch((err: unknown) => next(toApiError(err)));
  };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Leads: query parameters → import options (validated by the importer, which names the field). */
function leadImportOptions(q: Request['query']): Record<string, unknown> {
  const columns: Record<string, string> = {};
  for (const [param, field] of [
    ['phoneColumn', 'phone'],
    ['timeZoneColumn', 'timeZone'],
    ['externalIdColumn', 'externalId'],
    ['priorityColumn', 'priority'],
  ] as const) {
    const v = str(q[param]);
    if (v) columns[field] = v;
  }
  const extra = str(q.extraColumns);
  return {
    listName: str(q.name) ?? 'upload',
    columns,
    ...(extra ? { extraColumns: extra === 'all' || extra === 'none' ? extra : extra.split(',') } : {}),
    ...(str(q.defaultCountry) ? { defaultCountry: str(q.defaultCountry) } : {}),
    ...(str(q.defaultTimeZone) ? { defaultTimeZone: str(q.defaultTimeZone) } : {}),
    ...(str(q.encoding) ? { encoding: str(q.encoding) } : {}),
    ...(str(q.delimiter) ? { delimiter: str(q.delimiter) } : {}),
    duplicates: {
      ...(str(q.duplicatesInList) ? { inList: str(q.duplicatesInList) } : {}),
      ...(str(q.duplicatesAcrossCampaign) ? { acrossCampaign: str(q.duplicatesAcrossCampaign) } : {}),
    },
  };
}

function dncImportOptions(q: Request['query']): Record<string, unknown> {
  return {
    ...(str(q.column) ? { column: str(q.column) } : {}),
    ...(str(q.defaultCountry) ? { defaultCountry: str(q.defaultCountry) } : {}),
    ...(str(q.encoding) ? { encoding: str(q.encoding) } : {}),
  };
}

/** The request body as a byte stream, refusing JSON (a common mistake) and oversized uploads. */
async function* csvBody(req: Request, maxBytes: number): AsyncGenerator<Uint8Array> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json') || type.startsWith('multipart/')) {
    throw new DialerValidationError([`body: send the CSV file itself as the body (Content-Type: text/csv), not ${type.split(';')[0]}`]);
  }
  let total = 0;
  for await (const chunk of req as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > maxBytes) throw new ApiError(413, 'too_large', `the upload is larger than ${maxBytes} bytes`);
    yield chunk;
  }
}

const DispositionBody = z.object({
  code: z.string().min(1),
  agentId: z.string().min(1).optional(),
  callbackAt: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time with offset, e.g. 2026-01-06T10:00:00-05:00' }).optional(),
});

const AttemptsQuery = z.object({
  leadId: z.string().regex(/^\d+$/, { message: 'expected a lead id (digits)' }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export function createCampaignsRouter(options: CampaignsRouterOptions): Router {
  const { dialer } = options;
  const maxBytes = options.maxUploadBytes ?? 200 * 1024 * 1024;
  const router = Router();
  const id = (req: Request): string => String(req.params.id);

  router.get('/', handle(async (_req, res) => void res.json({ campaigns: await dialer.listCampaigns() })));
  router.post('/', handle(async (req, res) => void res.status(201).json(await dialer.createCampaign(req.body))));

  // Global do-not-call list (before /:id so "dnc" is not taken for a campaign id).
  router.post('/dnc', handle(async (req, res) => void res.json(await dialer.importDnc(null, csvBody(req, maxBytes), dncImportOptions(req.query)))));

  router.get('/:id', handle(async (req, res) => void res.json(await dialer.getCampaign(id(req)))));
  router.put('/:id', handle(async (req, res) => void res.json(await dialer.replaceCampaign(id(req), req.body))));
  router.patch('/:id', handle(async (req, res) => void res.json(await dialer.patchCampaign(id(req), req.body))));
  router.delete('/:id', handle(async (req, res) => {
    await dialer.deleteCampaign(id(req));
    res.status(204).end();
  }));

  router.post('/:id/start', handle(async (req, res) => void res.json(await dialer.start(id(req)))));
  router.post('/:id/pause', handle(async (req, res) => void res.json(await dialer.pause(id(req)))));
  router.post('/:id/resume', handle(async (req, res) => void res.json(await dialer.resume(id(req)))));
  router.post('/:id/stop', handle(async (req, res) => void res.json(await dialer.stop(id(req)))));

  router.post('/:id/lists', handle(async (req, res) => void res.json(await dialer.importLeads(id(req), csvBody(req, maxBytes), leadImportOptions(req.query)))));
  router.post('/:id/dnc', handle(async (req, res) => void res.json(await dialer.importDnc(id(req), csvBody(req, maxBytes), dncImportOptions(req.query)))));

  router.get('/:id/stats', handle(async (req, res) => void res.json(await dialer.stats(id(req)))));
  router.get('/:id/attempts', handle(async (req, res) => {
    const q = AttemptsQuery.safeParse(req.query);
    if (!q.success) throw new DialerValidationError(describeIssues(q.error));
    res.json({ attempts: await dialer.attempts(id(req), { ...(q.data.leadId ? { leadId: q.data.leadId } : {}), ...(q.data.limit ? { limit: q.data.limit } : {}) }) });
  }));
  router.post('/:id/attempts/:attemptId/disposition', handle(async (req, res) => {
    const body = DispositionBody.safeParse(req.body ?? {});
    if (!body.success) throw new DialerValidationError(describeIssues(body.error));
    const attempt = await dialer.setDisposition(id(req), String(req.params.attemptId), {
      code: body.data.code,
      ...(body.data.agentId ? { agentId: body.data.agentId } : {}),
      ...(body.data.callbackAt ? { callbackAt: Date.parse(body.data.callbackAt) } : {}),
    });
    res.json(attempt);
  }));

  return router;
}
