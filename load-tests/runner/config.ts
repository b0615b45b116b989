/** Environment variables the load-test runner reads (all optional). */
import { z } from 'zod';
import { parseEnv } from '../../control-plane/src/envSchema.js';

export const loadEnvShape = {
  /** Where reports go (default load-tests/reports). */
  LOAD_REPORTS_DIR: z.string().min(1).optional(),
  /** The SIPp binary (default `sipp` from Debian's sip-tester). */
  LOAD_SIPP_BIN: z.string().min(1).default('sipp'),
  /** Set when a FreeSWITCH is reachable; enables the end-to-end test. */
  FREESWITCH_ESL_URL: z.url({ message: 'expected a URL such as esl://:ClueCon@127.0.0.1:8021' }).optional(),
  /** SIP address of that FreeSWITCH for the end-to-end test (host:port, loopback or namespace). */
  LOAD_FS_SIP_TARGET: z.string().regex(/^[0-9a-fA-F:.]+:\d+$/, { message: 'expected host:port, e.g. 127.0.0.1:5060' }).default('127.0.0.1:5060'),
};

export type LoadEnv = z.infer<z.ZodObject<typeof loadEnvShape>>;

export function loadEnv(env: Record<string, string | undefined> = process.env): LoadEnv {
  return parseEnv(loadEnvShape, env);
}
