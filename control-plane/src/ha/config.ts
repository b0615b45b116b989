/**
 * Environment of the active/standby election. All optional: HA is off unless
 * HA_ENABLED=true (it needs PostgreSQL; the embedded database has a single process).
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { envBool, envInt, parseEnv } from '../envSchema.js';

const shape = {
  /** Run as one of an active/standby pair (requires DATABASE_URL=postgres://…). */
  HA_ENABLED: envBool().default(false),
  /** Instances with the same lock name compete for one active role. */
  HA_LOCK_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'expected 1 to 64 letters, digits or _ . : -' })
    .default('switchboard'),
  /** This instance's name in logs, /readyz and pg_stat_activity (default host-pid). */
  HA_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,48}$/, { message: 'expected 1 to 48 letters, digits or _ . : -' })
    .optional(),
  /** How often a standby tries the lock, and how often the active checks its lock connection. */
  HA_POLL_MS: envInt(50, 10_000).default(250),
  /** After its own connection came back, a standby waits this long so the incumbent re-takes the lock first. */
  HA_REACQUIRE_GRACE_MS: envInt(0, 60_000).default(1500),
  /** Server-side TCP keepalive of the lock session: a vanished host frees the lock after about 3× this. */
  HA_KEEPALIVE_S: envInt(1, 600).default(2),
};

export interface HaConfig {
  enabled: boolean;
  lockName: string;
  instanceId: string;
  pollMs: number;
  reacquireGraceMs: number;
  keepaliveS: number;
}

export function loadHaConfig(env: Record<string, string | undefined> = process.env): HaConfig {
  const raw = parseEnv(shape, env);
  return {
    enabled: raw.HA_ENABLED,
    lockName: raw.HA_LOCK_NAME,
    instanceId: raw.HA_INSTANCE_ID ?? `${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 36)}-${process.pid}`,
    pollMs: raw.HA_POLL_MS,
    reacquireGraceMs: raw.HA_REACQUIRE_GRACE_MS,
    keepaliveS: raw.HA_KEEPALIVE_S,
  };
}
