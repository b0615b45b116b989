import type { RequestHandler } from 'express';
import type { Role } from '../roles.js';

/**
 * Lets the request through when `authenticate` has identified a key whose role is listed:
 * 401 when no key was presented, 403 when the key's role is not allowed.
 */
export function requireRole(...roles: Role[]): RequestHandler {
  const allowed = new Set(roles);
  return (req, res, next) => {
    if (!req.auth) {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'unauthorized', message: 'an API key is required (X-API-Key header or Authorization: Bearer)' });
      return;
    }
    if (!allowed.has(req.auth.role)) {
      const path = req.originalUrl.split('?')[0];
      res.status(403).json({ error: 'forbidden', message: `role ${req.auth.role} may not ${req.method} ${path}; allowed: ${roles.join(', ')}` });
      return;
    }
    next();
  };
}
