/**
 * Errors services throw that have an HTTP meaning. `mapApiErrors` turns them (and zod and
 * body-parser errors) into `{ error, field?, reason? }`; anything else goes to the app's own
 * error middleware.
 */
import type { ErrorRequestHandler } from 'express';

export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  constructor(what: string) {
    super(404, `${what} not found`);
  }
}

export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super(409, message);
  }
}

export class ValidationError extends ApiError {
  override readonly name = 'ValidationError';
  constructor(
    field: string,
    reason: string,
    readonly issues: Array<{ field: string; reason: string }> = [{ field, reason }],
  ) {
    super(400, `${field}: ${reason}`, field, reason);
  }
}

export const mapApiErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) return next(err);
  if (err instanceof ValidationError) {
    res.status(400).json({ error: err.message, field: err.field, reason: err.reason, issues: err.issues });
    return;
  }
  if (err instanceof ApiError) {
    res.status(err.status).json({ error: err.message, ...(err.field ? { field: err.field, reason: err.reason } : {}) });
    return;
  }
  // body-parser: malformed JSON or a body that is too large.
  const e = err as { type?: string; status?: number; message?: string };
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.type === 'string') {
    const reason = e.type === 'entity.parse.failed' ? 'malformed JSON' : (e.message ?? 'bad request');
    res.status(e.status).json({ error: `body: ${reason}`, field: 'body', reason });
    return;
  }
  next(err);
};
