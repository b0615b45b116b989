/** Environment variables of the IVR area (parsed with the shared parseEnv). */
import { z } from 'zod';
import { envBool, parseEnv } from '../envSchema.js';

const shape = {
  /** Directory of flow files deployed at start and watched for changes. */
  IVR_FLOWS_DIR: z.string().default('./ivr-flows'),
  /** Watch IVR_FLOWS_DIR and redeploy changed files (hot reload). */
  IVR_WATCH: envBool().default(true),
  /** Where relative `file:` prompts live on the media server, e.g. /usr/share/switchboard/prompts. */
  IVR_PROMPTS_DIR: z.string().optional(),
};

export interface IvrConfig {
  flowsDir: string;
  watch: boolean;
  promptsDir: string | undefined;
}

export function loadIvrConfig(env: Record<string, string | undefined> = process.env): IvrConfig {
  const raw = parseEnv(shape, env);
  return { flowsDir: raw.IVR_FLOWS_DIR, watch: raw.IVR_WATCH, promptsDir: raw.IVR_PROMPTS_DIR };
}
