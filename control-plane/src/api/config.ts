/** Environment variables of the API, recording archive, webhooks and reporting. */
import { z } from 'zod';
import { envInt, parseEnv } from '../envSchema.js';

const shape = {
  /** An admin API key accepted without a database row, to create the first real keys. Never logged. */
  SWITCHBOARD_ADMIN_KEY: z.string().min(32, { message: 'expected at least 32 characters (use a long random string)' }).optional(),
  /** Requests per minute per API key. */
  API_RATE_LIMIT_PER_MIN: envInt(1, 1_000_000).default(600),
  /** Base URL used in links sent to CRMs (recording URLs in webhooks). */
  PUBLIC_BASE_URL: z.url({ message: 'expected an absolute http(s) URL' }).default('http://127.0.0.1:8080'),
  /** Where recordings are stored on the local disk. */
  RECORDINGS_DIR: z.string().default('./data/recordings'),
  /** Webhook delivery: attempts before an event goes to the dead letters, timeout per attempt, first backoff. */
  WEBHOOK_MAX_ATTEMPTS: envInt(1, 100).default(12),
  WEBHOOK_TIMEOUT_MS: envInt(100, 120_000).default(10_000),
  WEBHOOK_BACKOFF_MS: envInt(10, 3_600_000).default(1_000),
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().optional(),
};

export interface ApiConfig {
  adminKey: string | undefined;
  rateLimitPerMinute: number;
  publicBaseUrl: string;
  recordingsDir: string;
  webhook: { maxAttempts: number; timeoutMs: number; backoffMs: number };
  metricsToken: string | undefined;
}

export function loadApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const raw = parseEnv(shape, env);
  return {
    adminKey: raw.SWITCHBOARD_ADMIN_KEY,
    rateLimitPerMinute: raw.API_RATE_LIMIT_PER_MIN,
    publicBaseUrl: raw.PUBLIC_BASE_URL.replace(/\/$/, ''),
    recordingsDir: raw.RECORDINGS_DIR,
    webhook: { maxAttempts: raw.WEBHOOK_MAX_ATTEMPTS, timeoutMs: raw.WEBHOOK_TIMEOUT_MS, backoffMs: raw.WEBHOOK_BACKOFF_MS },
    metricsToken: raw.METRICS_TOKEN,
  };
}
