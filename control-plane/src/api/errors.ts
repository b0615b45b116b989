/**
 * Errors services throw so the API maps them to HTTP in one place (api/app.ts).
 * Route handlers never build error responses by hand.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** 400: the request is malformed; names the field and the reason. */
export class ValidationError extends ApiError {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(400, 'invalid_request', `${field}: ${reason}`, { field, reason });
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  constructor(what: string, id: string) {
    super(404, 'not_found', `${what} ${JSON.stringify(id)} does not exist`, { what, id });
  }
}

/** 409: the change conflicts with the current state; nothing was changed. */
export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, 'conflict', message, details);
  }
}
