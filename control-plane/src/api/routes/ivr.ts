/**
 * IVR flows over HTTP (plain Router; the lead mounts it with auth, e.g. at /api/ivr):
 *   GET    /flows                         active flows with version and DIDs
 *   POST   /flows                         deploy: YAML body (text/yaml) or JSON {source, file?}
 *                                         201 new version · 200 unchanged · 422 problems (nothing changed)
 *   GET    /flows/:id/versions            every stored version
 *   GET    /flows/:id/versions/:version   one version with its YAML source
 *   POST   /flows/:id/activate            {version}: roll back/forward to a stored version
 *   GET    /dids                          DID → flow routes
 *   PUT    /dids/:did                     {flowId}
 *   DELETE /dids/:did
 */
import express, { Router } from 'express';
import { z } from 'zod';
import { ApiError, NotFoundError, ValidationError } from '../errors.js';
import { FlowValidationError } from '../../ivr/loader.js';
import type { FlowRegistry } from '../../ivr/FlowRegistry.js';
import type { FlowStore } from '../../ivr/FlowStore.js';

export interface IvrRouterOptions {
  registry: FlowRegistry;
  store: FlowStore;
  /** Who deployed (e.g. from the lead's auth middleware); default "api". */
  actor?: (req: express.Request) => string;
}

const deployBody = z.object({ source: z.string().min(1), file: z.string().optional() });
const activateBody = z.object({ version: z.number().int().positive() });
const didBody = z.object({ flowId: z.string().min(1) });
const DID = /^\+?[0-9]{2,20}$/;

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ValidationError(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
  }
  return r.data;
}

export function createIvrRouter(options: IvrRouterOptions): Router {
  const { registry, store } = options;
  const router = Router();
  router.use(express.text({ type: ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'], limit: '1mb' }));

  router.get('/flows', (_req, res) => {
    res.json({ flows: registry.list() });
  });

  router.post('/flows', async (req, res) => {
    const { source, file } = typeof req.body === 'string' ? { source: req.body, file: undefined } : parse(deployBody, req.body);
    try {
      const outcome = await registry.deploy(source, file ?? 'api.yaml', options.actor?.(req) ?? 'api');
      res.status(outcome.unchanged ? 200 : 201).json(outcome);
    } catch (err) {
      if (err instanceof FlowValidationError) {
        throw new ApiError(422, 'invalid_flow', `the flow was refused (${err.problems.length} problem(s)); the running version stays`, { problems: err.problems });
      }
      throw err;
    }
  });

  router.get('/flows/:id/versions', async (req, res) => {
    const versions = await store.versions(req.params.id);
    if (versions.length === 0) throw new NotFoundError('flow', req.params.id);
    res.json({ flowId: req.params.id, versions });
  });

  router.get('/flows/:id/versions/:version', async (req, res) => {
    const v = await store.version(req.params.id, Number(req.params.version));
    if (!v) throw new NotFoundError('flow version', `${req.params.id}@${req.params.version}`);
    res.json(v);
  });

  router.post('/flows/:id/activate', async (req, res) => {
    const { version } = parse(activateBody, req.body);
    if (!(await registry.activate(req.params.id, version))) throw new NotFoundError('flow version', `${req.params.id}@${version}`);
    res.json({ flowId: req.params.id, version });
  });

  router.get('/dids', (_req, res) => {
    res.json({ routes: registry.didRoutes() });
  });

  router.put('/dids/:did', async (req, res) => {
    if (!DID.test(req.params.did)) throw new ValidationError('did', 'a DID is digits, optionally starting with +');
    const { flowId } = parse(didBody, req.body);
    if (!(await registry.routeDid(req.params.did, flowId))) throw new NotFoundError('flow', flowId);
    res.json({ did: req.params.did, flowId });
  });

  router.delete('/dids/:did', async (req, res) => {
    if (!(await registry.unrouteDid(req.params.did))) throw new NotFoundError('DID route', req.params.did);
    res.status(204).end();
  });

  return router;
}
