/**
 * pino logging. Per-call work logs through `callLogger(log, callId)` so every line carries
 * the call id. Secrets are redacted by key wherever they appear in a logged object.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'apiKey', '*.apiKey', 'authorization',
  '*.authorization', 'headers.authorization', 'req.headers.authorization', 'req.headers["x-api-key"]',
  'token', '*.token',
];

export function createLogger(options: { level: string; pretty?: boolean; name?: string }): Logger {
  return pino({
    name: options.name ?? 'switchboard',
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}

export function callLogger(log: Logger, callId: string, extra: Record<string, unknown> = {}): Logger {
  return log.child({ callId, ...extra });
}

/** A logger that drops everything, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
