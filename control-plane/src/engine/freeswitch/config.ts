/**
 * Environment variables of the FreeSWITCH engine beyond the two in the main config
 * (FREESWITCH_ESL_URL, FREESWITCH_ESL_PASSWORD). Every one has a default that works
 * when the control plane and FreeSWITCH share a host.
 */
import { z } from 'zod';
import { envInt, parseEnv } from '../../envSchema.js';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { FreeSwitchEngineOptions } from './FreeSwitchEngineTypes.js';

const HOST = z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, { message: 'expected a host name or IP address' });
const NAME = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'expected letters, digits, _ . - (at most 64)' });

export const freeSwitchEnvShape = {
  /** Address the outbound socket server binds to. */
  FREESWITCH_OUTBOUND_HOST: HOST.default('127.0.0.1'),
  /** Port of the outbound socket server (the dialplan's `socket <host>:<port> async full`). */
  FREESWITCH_OUTBOUND_PORT: envInt(1, 65535).default(8084),
  /** Address FreeSWITCH dials back for originated legs; required when binding 0.0.0.0. */
  FREESWITCH_OUTBOUND_ADVERTISE_HOST: HOST.optional(),
  /** Gateway used for numbers when an originate names none. */
  FREESWITCH_DEFAULT_GATEWAY: NAME.optional(),
  /** SIP domain for `user/<agent>@<domain>` originates and the directory realm. */
  FREESWITCH_SIP_DOMAIN: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, { message: 'expected a domain name' }).optional(),
  /** Reply timeout for every ESL command, ms. */
  FREESWITCH_COMMAND_TIMEOUT_MS: envInt(100, 120000).default(5000),
  /** A node not back within this long after losing its connection is declared down, ms. */
  FREESWITCH_NODE_DOWN_GRACE_MS: envInt(0, 600000).default(5000),
  /** flite voice for text-to-speech prompts. */
  FREESWITCH_TTS_VOICE: z.enum(['kal', 'kal16', 'awb', 'rms', 'slt'], { message: 'expected one of kal, kal16, awb, rms, slt' }).default('kal'),
  /** HTTP basic password mod_xml_curl sends to the directory endpoint (user "switchboard"). */
  FREESWITCH_DIRECTORY_PASSWORD: z.string().min(12, { message: 'expected at least 12 characters' }).optional(),
};

export type FreeSwitchEnv = z.infer<z.ZodObject<typeof freeSwitchEnvShape>>;

export function loadFreeSwitchEnv(env: Record<string, string | undefined> = process.env): FreeSwitchEnv {
  return parseEnv(freeSwitchEnvShape, env);
}

/** Engine options from the main config's nodes/password plus these variables. */
export function freeSwitchEngineOptions(
  base: { nodes: Array<{ host: string; port: number }>; password: string },
  env: FreeSwitchEnv,
  deps: { logger: Logger; clock?: Clock },
): FreeSwitchEngineOptions {
  return {
    nodes: base.nodes,
    password: base.password,
    outboundSocket: {
      host: env.FREESWITCH_OUTBOUND_HOST,
      port: env.FREESWITCH_OUTBOUND_PORT,
      ...(env.FREESWITCH_OUTBOUND_ADVERTISE_HOST ? { advertiseHost: env.FREESWITCH_OUTBOUND_ADVERTISE_HOST } : {}),
    },
    logger: deps.logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    commandTimeoutMs: env.FREESWITCH_COMMAND_TIMEOUT_MS,
    nodeDownGraceMs: env.FREESWITCH_NODE_DOWN_GRACE_MS,
    ...(env.FREESWITCH_DEFAULT_GATEWAY ? { defaultGateway: env.FREESWITCH_DEFAULT_GATEWAY } : {}),
    ...(env.FREESWITCH_SIP_DOMAIN ? { userDomain: env.FREESWITCH_SIP_DOMAIN } : {}),
    legOptions: { tts: { engine: 'flite', voice: env.FREESWITCH_TTS_VOICE } },
  };
}
