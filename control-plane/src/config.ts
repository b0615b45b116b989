/**
 * Environment → typed configuration. Every variable is validated; a bad or missing value
 * stops start-up with one line per problem naming the variable, the value and what is
 * expected. `.env.example` documents each variable.
 */
import { z } from 'zod';
import { ConfigError, envBool, envInt, envNumber, parseEnv } from './envSchema.js';

export { ConfigError } from './envSchema.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const shape = {
  HOST: z.string().default('127.0.0.1'),
  /** 0 picks any free port (tests). */
  PORT: envInt(0, 65535).default(8080),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** postgres://… for a PostgreSQL server; `pglite:<dir>` or unset for the embedded database. */
  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres|postgresql|pglite):/.test(v), {
      message: 'expected a postgres://, postgresql:// or pglite: URL',
    })
    .optional(),
  /** Where the embedded database keeps its files when DATABASE_URL is not set. */
  DATA_DIR: z.string().default('./data'),
  /** sim (default) or freeswitch. Defaults to freeswitch when FREESWITCH_ESL_URL is set. */
  MEDIA_ENGINE: z.enum(['sim', 'freeswitch'], { message: 'expected sim or freeswitch' }).optional(),
  /** esl://host:port[,esl://host2:port…]: one inbound ESL connection per FreeSWITCH node. */
  FREESWITCH_ESL_URL: z
    .string()
    .refine((v) => v.split(',').every((u) => /^esl:\/\/[^/\s]+:\d+\/?$/.test(u.trim())), {
      message: 'expected esl://host:port, comma-separated for several nodes',
    })
    .optional(),
  /** ESL password (never logged). */
  FREESWITCH_ESL_PASSWORD: z.string().optional(),
  /** Simulator: random seed (same seed ⇒ same run). */
  SIM_SEED: envInt(0, 2 ** 31 - 1).default(1),
  /** Simulator: virtual seconds per wall second in real-time mode (demo). */
  SIM_SPEED: envNumber(0.1, 1000).default(1),
  /** Demo traffic: agents logged in and calls per hour arriving. */
  DEMO_AGENTS: envInt(1, 500).default(6),
  DEMO_CALLS_PER_HOUR: envInt(1, 100000).default(240),
  /** Graceful shutdown: how long to wait for writes to finish. */
  SHUTDOWN_TIMEOUT_MS: envInt(100, 120000).default(10000),
  PRETTY_LOGS: envBool().default(false),
  /** Serve the plain status page's data (/api/status) without an API key (always on in the demo). */
  STATUS_PAGE_PUBLIC: envBool().default(false),
};

type Raw = z.infer<z.ZodObject<typeof shape>>;

export type DatabaseConfig = { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string | null };
export type EngineConfig =
  | { kind: 'sim'; seed: number; speed: number }
  | { kind: 'freeswitch'; nodes: Array<{ host: string; port: number }>; password: string };

export interface Config {
  host: string;
  port: number;
  logLevel: Raw['LOG_LEVEL'];
  prettyLogs: boolean;
  database: DatabaseConfig;
  engine: EngineConfig;
  demo: { agents: number; callsPerHour: number };
  shutdownTimeoutMs: number;
  statusPagePublic: boolean;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw = parseEnv(shape, env);
  return {
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    prettyLogs: raw.PRETTY_LOGS,
    database: databaseConfig(raw),
    engine: engineConfig(raw),
    demo: { agents: raw.DEMO_AGENTS, callsPerHour: raw.DEMO_CALLS_PER_HOUR },
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
    statusPagePublic: raw.STATUS_PAGE_PUBLIC,
  };
}

function databaseConfig(raw: Raw): DatabaseConfig {
  const url = raw.DATABASE_URL;
  if (!url) return { kind: 'pglite', dir: `${raw.DATA_DIR.replace(/\/$/, '')}/pglite` };
  if (url.startsWith('pglite:')) {
    const rest = url.slice('pglite:'.length).replace(/^\/\//, '');
    return { kind: 'pglite', dir: rest === 'memory' || rest === '' ? null : rest };
  }
  return { kind: 'postgres', url };
}

function engineConfig(raw: Raw): EngineConfig {
  const kind = raw.MEDIA_ENGINE ?? (raw.FREESWITCH_ESL_URL ? 'freeswitch' : 'sim');
  if (kind === 'sim') return { kind, seed: raw.SIM_SEED, speed: raw.SIM_SPEED };
  const problems: string[] = [];
  if (!raw.FREESWITCH_ESL_URL) problems.push('FREESWITCH_ESL_URL=(not set) is invalid: required when MEDIA_ENGINE=freeswitch');
  if (!raw.FREESWITCH_ESL_PASSWORD) problems.push('FREESWITCH_ESL_PASSWORD=(not set) is invalid: required with the FreeSWITCH engine (the event_socket password)');
  if (problems.length > 0) throw new ConfigError(problems);
  const nodes = (raw.FREESWITCH_ESL_URL as string).split(',').map((u) => {
    const parsed = new URL(u.trim());
    return { host: parsed.hostname, port: Number(parsed.port) };
  });
  return { kind, nodes, password: raw.FREESWITCH_ESL_PASSWORD as string };
}
