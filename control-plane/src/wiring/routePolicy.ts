/**
 * Who may call the ACD, IVR and campaign routes. Those routers are plain express Routers;
 * this policy sits in front of each (after the API gate has identified the key):
 * reads for readers, configuration changes for managers, and agents on their own record only.
 */
import type { Request, RequestHandler } from 'express';
import { requireRole } from '../api/auth/requireRole.js';
import type { Role } from '../api/roles.js';

export interface RouteRule {
  /** Method (or '*') and a path pattern relative to the router's mount point. */
  method: string;
  path: RegExp;
  roles: readonly Role[];
  /** For role `agent`: the request must concern this agent (taken from the path or body). */
  ownAgent?: (req: Request) => string | undefined;
}

const ADMINS: readonly Role[] = ['admin', 'supervisor'];
const READERS: readonly Role[] = ['admin', 'supervisor', 'campaign-manager', 'read-only'];
const AGENT_PATH = (req: Request): string | undefined => /^\/agents\/([^/]+)/.exec(req.path)?.[1];
const AGENT_BODY = (req: Request): string | undefined => {
  const body = req.body as { agentId?: unknown } | undefined;
  return typeof body?.agentId === 'string' ? body.agentId : undefined;
};

export const ACD_RULES: RouteRule[] = [
  // An agent logs in and out, changes its own state and extends its own wrap-up.
  { method: 'POST', path: /^\/agents\/[^/]+\/(login|logout|wrap-up\/extend)$/, roles: [...ADMINS, 'agent'], ownAgent: AGENT_PATH },
  { method: 'PUT', path: /^\/agents\/[^/]+\/state$/, roles: [...ADMINS, 'agent'], ownAgent: AGENT_PATH },
  { method: 'GET', path: /^\/agents\/[^/]+(\/stats)?$/, roles: [...READERS, 'agent'], ownAgent: AGENT_PATH },
  // Agents accept, decline and complete the interactions offered to them.
  { method: 'POST', path: /^\/interactions\/[^/]+\/(accept|decline|complete)$/, roles: [...ADMINS, 'agent'], ownAgent: AGENT_BODY },
  // Integrations (chat, e-mail gateways) create interactions with an admin or supervisor key.
  { method: 'POST', path: /^\/interactions(\/[^/]+\/abandon)?$/, roles: ADMINS },
  { method: 'GET', path: /.*/, roles: READERS },
  { method: '*', path: /.*/, roles: ADMINS },
];

export const IVR_RULES: RouteRule[] = [
  { method: 'GET', path: /.*/, roles: READERS },
  { method: '*', path: /.*/, roles: ADMINS },
];

export const CAMPAIGN_RULES: RouteRule[] = [
  { method: 'GET', path: /.*/, roles: READERS },
  { method: '*', path: /.*/, roles: ['admin', 'supervisor', 'campaign-manager'] },
];

/** The first rule matching method and path decides; an agent key must name its own agent. */
export function routePolicy(rules: RouteRule[]): RequestHandler {
  const compiled = rules.map((r) => ({ ...r, check: requireRole(...r.roles) }));
  return (req, res, next) => {
    const rule = compiled.find((r) => (r.method === '*' || r.method === req.method) && r.path.test(req.path));
    if (!rule) {
      next();
      return;
    }
    rule.check(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (req.auth?.role === 'agent') {
        const target = rule.ownAgent?.(req);
        if (!target || target !== req.auth.agentId) {
          res.status(403).json({ error: 'forbidden', message: `an agent key may act only for its own agent (${req.auth.agentId ?? 'none'})` });
          return;
        }
      }
      next();
    });
  };
}
