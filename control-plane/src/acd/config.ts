/** Environment variables of the ACD (parsed with the project's parseEnv: one clear line per bad value). */
import { z } from 'zod';
import { envInt, parseEnv } from '../envSchema.js';

const shape = {
  /** IANA time zone of the site: "today" figures start at its midnight. */
  ACD_TIME_ZONE: z
    .string()
    .refine((v) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    }, { message: 'expected an IANA time zone such as Europe/Paris' })
    .default('UTC'),
  /** Sliding window of the real-time figures, in minutes. */
  ACD_WINDOW_MINUTES: envInt(1, 1440).default(30),
  /** How far back the rebuild looks for interactions still in a queue, in hours. */
  ACD_REBUILD_LOOKBACK_HOURS: envInt(1, 720).default(48),
  /** After a takeover/restart: how long callers still on the switch may take to come back before they are dropped, ms. */
  ACD_REATTACH_WINDOW_MS: envInt(1000, 600_000).default(15_000),
};

export interface AcdConfig {
  timeZone: string;
  windowMs: number;
  rebuildLookbackMs: number;
  reattachWindowMs: number;
}

export function loadAcdConfig(env: Record<string, string | undefined> = process.env): AcdConfig {
  const raw = parseEnv(shape, env);
  return { timeZone: raw.ACD_TIME_ZONE, windowMs: raw.ACD_WINDOW_MINUTES * 60_000, rebuildLookbackMs: raw.ACD_REBUILD_LOOKBACK_HOURS * 3600_000, reattachWindowMs: raw.ACD_REATTACH_WINDOW_MS };
}
