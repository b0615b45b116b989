/**
 * Named errors of the MediaEngine port. Domain code branches on `instanceof` and on the
 * normalised fields here, never on message text (the adapter that produced an error is
 * the only place that reads a switch's wording).
 */
export abstract class MediaError extends Error {
  /** True when trying the same operation again may succeed. */
  abstract readonly retryable: boolean;
}

/** Normalised reasons an originate fails. */
export type OriginateFailureCause = 'busy' | 'no-answer' | 'rejected' | 'unreachable' | 'failed';

export class OriginateError extends MediaError {
  override readonly name = 'OriginateError';
  readonly retryable: boolean;
  constructor(
    readonly failure: OriginateFailureCause,
    /** The switch's own cause, e.g. FreeSWITCH `USER_BUSY`. */
    readonly switchCause: string,
    message?: string,
  ) {
    super(message ?? `originate failed: ${failure} (${switchCause})`);
    this.retryable = failure !== 'rejected';
  }
}

/** The leg is gone (the far end hung up, or it was never there). */
export class CallGoneError extends MediaError {
  override readonly name = 'CallGoneError';
  readonly retryable = false;
  constructor(
    readonly legId: string,
    message?: string,
  ) {
    super(message ?? `call leg ${legId} is gone`);
  }
}

/** The engine did not answer a command in time. */
export class MediaTimeoutError extends MediaError {
  override readonly name = 'MediaTimeoutError';
  readonly retryable = true;
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} timed out after ${timeoutMs} ms`);
  }
}

/** The engine (or the node that carried the command) is not connected. */
export class EngineUnavailableError extends MediaError {
  override readonly name = 'EngineUnavailableError';
  readonly retryable = true;
}

/** The engine refused a command (bad argument, unsafe value, unsupported feature). */
export class MediaCommandError extends MediaError {
  override readonly name = 'MediaCommandError';
  readonly retryable = false;
  constructor(
    readonly operation: string,
    readonly detail: string,
  ) {
    super(`${operation} failed: ${detail}`);
  }
}
