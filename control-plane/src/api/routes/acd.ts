/**
 * REST routes of the ACD (a plain express Router; auth and the WebSocket are mounted by the
 * API helper). Thin: validate with zod, call AcdAdmin / Acd, map errors in one place.
 * 400 names the field and the reason; 404 for unknown ids; 409 for conflicting state.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { AcdError } from '../../acd/Acd.js';
import type { AcdAdmin } from '../../acd/AcdAdmin.js';
import { agentSchema, describeZodError, queueSchema, reasonCodeSchema, requirementsSchema, skillSchema } from '../../acd/AcdTypes.js';
import { customerRefOf } from '../../store/repositories/customers.js';

class BadRequest extends Error {
  constructor(readonly problems: { field: string; reason: string }[]) {
    super(problems.map((p) => `${p.field}: ${p.reason}`).join('; '));
  }
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadRequest(describeZodError(r.error));
  return r.data;
}

/** The body's id must match the path's (or be absent). */
function withPathId(req: Request): Record<string, unknown> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw new BadRequest([{ field: '(body)', reason: 'expected a JSON object' }]);
  if (body.id !== undefined && body.id !== req.params.id) throw new BadRequest([{ field: 'id', reason: `does not match the path (${String(req.params.id)})` }]);
  return { ...body, id: req.params.id };
}

const loginSchema = z.object({ ready: z.boolean().default(true) }).default({ ready: true });
const stateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ready') }),
  z.object({ state: z.literal('not-ready'), reason: z.string({ message: 'a reason code is required' }).min(1, { message: 'a reason code is required' }) }),
]);
const forcedSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ready') }),
  z.object({ state: z.literal('not-ready'), reason: z.string().min(1).default('forced') }),
  z.object({ state: z.literal('logged-out') }),
]);
const extendSchema = z.object({ seconds: z.number().int().min(1, { message: 'must be at least 1 second' }).max(3600) });
const agentRefSchema = z.object({ agentId: z.string({ message: 'agentId is required' }).min(1, { message: 'agentId is required' }) });
const enqueueSchema = z.object({
  channel: z.enum(['chat', 'email', 'messenger'], { message: 'expected chat, email or messenger (voice calls enter through the IVR queue node)' }),
  queueId: z.string({ message: 'queueId is required' }).min(1, { message: 'queueId is required' }),
  skills: requirementsSchema.shape.skills,
  language: requirementsSchema.shape.language,
  priority: requirementsSchema.shape.priority,
  vip: requirementsSchema.shape.vip,
  customer: z
    .object({ phone: z.string().min(3).max(40).optional(), email: z.email({ message: 'expected an e-mail address' }).optional(), externalId: z.string().min(1).max(200).optional() })
    .optional(),
  variables: z.record(z.string(), z.string()).default({}),
});
const completeSchema = z.object({ cause: z.string().max(100).default('completed') }).default({ cause: 'completed' });

export function createAcdRouter(admin: AcdAdmin): express.Router {
  const acd = admin.acd;
  const r = express.Router();
  r.use(express.json({ limit: '256kb' }));

  const agentView = (id: string) => {
    const a = acd.router.agent(id);
    return { ...a.config, state: a.state, presence: a.presence, reason: a.reason, interactions: [...a.assignments].map(([interactionId, x]) => ({ interactionId, ...x })) };
  };
  const need = (kind: 'agent' | 'queue', id: string): void => {
    const ok = kind === 'agent' ? acd.router.hasAgent(id) : acd.router.hasQueue(id);
    if (!ok) throw new AcdError('not-found', `${kind} ${id} does not exist`);
  };
  const id = (req: Request): string => String(req.params.id);

  // Skills
  r.get('/skills', async (_req, res) => void res.json(await admin.skills.list()));
  r.put('/skills/:id', async (req, res) => {
    await admin.putSkill(parse(skillSchema, withPathId(req)));
    res.json(await admin.skills.get(id(req)));
  });
  r.delete('/skills/:id', async (req, res) => {
    await admin.deleteSkill(id(req));
    res.status(204).end();
  });

  // Reason codes
  r.get('/reason-codes', (_req, res) => void res.json(acd.reasonCodes()));
  r.put('/reason-codes/:id', async (req, res) => {
    const code = parse(reasonCodeSchema, withPathId(req));
    await admin.putReasonCode(code);
    res.json(code);
  });
  r.delete('/reason-codes/:id', async (req, res) => {
    await admin.deleteReasonCode(id(req));
    res.status(204).end();
  });

  // Queues
  r.get('/queues', (_req, res) => void res.json(acd.router.queues()));
  r.post('/queues', async (req, res) => {
    const q = parse(queueSchema, req.body);
    await admin.putQueue(q, 'create');
    res.status(201).json(q);
  });
  r.get('/queues/:id', (req, res) => {
    need('queue', id(req));
    res.json({ ...acd.router.queueConfig(id(req)), realtime: acd.queueRealtime(id(req)) });
  });
  r.put('/queues/:id', async (req, res) => {
    need('queue', id(req));
    const q = parse(queueSchema, withPathId(req));
    await admin.putQueue(q, 'replace');
    res.json(q);
  });
  r.delete('/queues/:id', async (req, res) => {
    await admin.deleteQueue(id(req));
    res.status(204).end();
  });
  r.get('/queues/:id/stats', (req, res) => {
    need('queue', id(req));
    res.json(acd.queueRealtime(id(req)));
  });
  r.get('/queues/:id/intervals', async (req, res) => {
    need('queue', id(req));
    const range = parse(z.object({ from: z.coerce.number().int(), to: z.coerce.number().int() }), req.query);
    res.json(await admin.intervals.queueIntervals(id(req), range.from, range.to));
  });

  // Agents
  r.get('/agents', (_req, res) => void res.json([...acd.router.agents()].map((a) => agentView(a.id))));
  r.post('/agents', async (req, res) => {
    const a = parse(agentSchema, req.body);
    await admin.putAgent(a, 'create');
    res.status(201).json(agentView(a.id));
  });
  r.get('/agents/:id', (req, res) => {
    need('agent', id(req));
    res.json(agentView(id(req)));
  });
  r.put('/agents/:id', async (req, res) => {
    need('agent', id(req));
    const a = parse(agentSchema, withPathId(req));
    await admin.putAgent(a, 'replace');
    res.json(agentView(a.id));
  });
  r.delete('/agents/:id', async (req, res) => {
    await admin.deleteAgent(id(req));
    res.status(204).end();
  });
  r.get('/agents/:id/stats', (req, res) => {
    need('agent', id(req));
    res.json(acd.agentRealtime(id(req)));
  });
  r.post('/agents/:id/login', (req, res) => {
    need('agent', id(req));
    const body = parse(loginSchema, req.body ?? {});
    acd.login(id(req), body.ready);
    res.json(agentView(id(req)));
  });
  r.post('/agents/:id/logout', (req, res) => {
    need('agent', id(req));
    acd.logout(id(req));
    res.json(agentView(id(req)));
  });
  r.put('/agents/:id/state', (req, res) => {
    need('agent', id(req));
    const s = parse(stateSchema, req.body);
    if (s.state === 'ready') acd.setReady(id(req));
    else acd.setNotReady(id(req), s.reason);
    res.json(agentView(id(req)));
  });
  r.post('/agents/:id/wrap-up/extend', (req, res) => {
    need('agent', id(req));
    acd.extendWrapUp(id(req), parse(extendSchema, req.body).seconds);
    res.json(agentView(id(req)));
  });
  /** Supervisor: force an agent's state. */
  r.put('/agents/:id/forced-state', (req, res) => {
    need('agent', id(req));
    const s = parse(forcedSchema, req.body);
    acd.forceState(id(req), s.state, s.state === 'not-ready' ? s.reason : undefined);
    res.json(agentView(id(req)));
  });

  // Non-voice interactions
  r.post('/interactions', (req, res) => {
    const body = parse(enqueueSchema, req.body);
    need('queue', body.queueId);
    const result = acd.enqueue({
      requirements: { queueId: body.queueId, channel: body.channel, skills: body.skills, language: body.language, priority: body.priority, vip: body.vip },
      customerRef: body.customer ? customerRefOf(body.customer) : null,
      callerNumber: body.customer?.phone ?? null,
      variables: body.variables,
    });
    if (!result.accepted) {
      res.status(409).json({ error: 'conflict', message: `queue ${body.queueId} refused the interaction: ${result.reason === 'full' ? 'the queue is full' : 'no agent is logged in'}`, interactionId: result.interactionId });
      return;
    }
    const i = acd.router.interaction(result.interactionId);
    res.status(201).json({ id: result.interactionId, phase: i?.phase ?? 'waiting', position: acd.position(result.interactionId) });
  });
  const voiceGuard = (interactionId: string): void => {
    const i = acd.router.interaction(interactionId);
    if (!i) throw new AcdError('not-found', `interaction ${interactionId} is not in any queue`);
    if (i.channel === 'voice') throw new AcdError('conflict', 'voice interactions are accepted by answering the phone, not over the API');
  };
  r.post('/interactions/:id/accept', (req, res) => {
    const { agentId } = parse(agentRefSchema, req.body);
    voiceGuard(id(req));
    need('agent', agentId);
    acd.accept(id(req), agentId);
    res.json({ id: id(req), phase: 'connected', agentId });
  });
  r.post('/interactions/:id/decline', (req, res) => {
    const { agentId } = parse(agentRefSchema, req.body);
    voiceGuard(id(req));
    need('agent', agentId);
    acd.decline(id(req), agentId);
    res.json({ id: id(req), phase: acd.router.interaction(id(req))?.phase ?? 'waiting' });
  });
  r.post('/interactions/:id/complete', (req, res) => {
    const { cause } = parse(completeSchema, req.body ?? {});
    voiceGuard(id(req));
    acd.complete(id(req), cause);
    res.json({ id: id(req), phase: 'ended' });
  });
  /** The customer left (closed the chat) before an agent took it. */
  r.post('/interactions/:id/abandon', (req, res) => {
    voiceGuard(id(req));
    acd.abandon(id(req), 'customer-left');
    res.json({ id: id(req), phase: 'ended' });
  });
  r.get('/customers/:ref/interactions', async (req, res) => void res.json(await admin.customers.history(String(req.params.ref))));

  r.get('/snapshot', (_req, res) => void res.json(acd.snapshot()));

  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof BadRequest) return void res.status(400).json({ error: 'invalid', message: err.message, problems: err.problems });
    if (err instanceof SyntaxError && 'body' in err) return void res.status(400).json({ error: 'invalid', message: '(body): not valid JSON', problems: [{ field: '(body)', reason: 'not valid JSON' }] });
    if (err instanceof AcdError) {
      const status = err.code === 'not-found' ? 404 : err.code === 'conflict' ? 409 : 400;
      const field = err.field ?? '(body)';
      return void res.status(status).json({ error: err.code, message: err.message, ...(status === 400 ? { problems: [{ field, reason: err.message }] } : {}) });
    }
    next(err);
  });
  return r;
}
