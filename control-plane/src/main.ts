/**
 * Entry point and the one place where the control plane is wired: configuration → logger →
 * database (migrated) → event log → media engine → domain services → HTTP API.
 *
 *   tsx control-plane/src/main.ts          # production wiring from the environment
 *   tsx control-plane/src/main.ts --demo   # simulator in real time with synthetic traffic
 */
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { DatabaseError, migrateLatest, openDatabase, redactUrl, type Db } from './store/db.js';
import { EventLog } from './store/EventLog.js';
import { createEngine } from './engine/factory.js';
import { loadFreeSwitchEnv } from './engine/freeswitch/index.js';
import type { MediaEngine } from './engine/port.js';
import { createApp } from './api/app.js';
import type { StatusSnapshot, StatusSource } from './api/status.js';

export interface RunningControlPlane {
  url: string;
  db: Db;
  engine: MediaEngine;
  eventLog: EventLog;
  logger: Logger;
  /** Graceful stop: no new calls, finish writes, close pools. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  demo?: boolean;
  logger?: Logger;
}

export async function startControlPlane(config: Config, options: StartOptions = {}): Promise<RunningControlPlane> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, pretty: config.prettyLogs });
  const where = config.database.kind === 'postgres' ? redactUrl(config.database.url) : `embedded PGlite (${config.database.dir ?? 'memory'})`;
  logger.info({ database: where, engine: config.engine.kind, demo: options.demo ?? false }, 'starting Switchboard control plane');

  const db = await openDatabase(config.database);
  let engine: MediaEngine | null = null;
  let eventLog: EventLog | null = null;
  let server: Server | null = null;
  try {
    const applied = await migrateLatest(db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    eventLog = new EventLog({ db, logger });
    engine = createEngine(config.engine, { logger, freeswitch: loadFreeSwitchEnv(process.env) });

    const status: StatusSource = {
      statusSnapshot: (): StatusSnapshot => ({ at: engine?.clock.now() ?? Date.now(), queues: [], waiting: [], agents: [] }),
    };

    let draining = false;
    const app = createApp({
      logger,
      status,
      isDraining: () => draining,
      readiness: [
        {
          name: 'database',
          check: async () => {
            await db.raw('select 1');
            return `${where}; ${eventLog?.pending ?? 0} writes pending`;
          },
        },
        {
          name: 'media',
          check: async () => {
            const h = (engine as MediaEngine).health();
            if (h.status === 'down') throw new Error(`${(engine as MediaEngine).kind} engine is down`);
            return `${(engine as MediaEngine).kind} ${h.status}, ${h.activeLegs} legs`;
          },
        },
      ],
    });

    await engine.start();
    server = createServer(app);
    await new Promise<void>((resolve, reject) => {
      (server as Server).once('error', reject);
      (server as Server).listen(config.port, config.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    logger.info({ url }, 'control plane listening');

    let stopping: Promise<void> | null = null;
    const running: RunningControlPlane = {
      url,
      db,
      engine,
      eventLog,
      logger,
      stop: () => {
        stopping ??= (async () => {
          draining = true;
          logger.info('stopping: no new calls, finishing writes');
          await (engine as MediaEngine).stop();
          await new Promise<void>((resolve) => (server as Server).close(() => resolve()));
          (server as Server).closeAllConnections?.();
          await (eventLog as EventLog).close();
          await db.destroy();
          logger.info('stopped');
        })();
        return stopping;
      },
    };
    return running;
  } catch (err) {
    server?.close();
    await engine?.stop().catch(() => undefined);
    await eventLog?.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) console.error(`switchboard: configuration error: ${line}`);
      process.exit(2);
    }
    throw err;
  }
  const demo = argv.includes('--demo');
  let running: RunningControlPlane;
  try {
    running = await startControlPlane(config, { demo });
  } catch (err) {
    const message = err instanceof DatabaseError || err instanceof Error ? err.message : String(err);
    console.error(`switchboard: cannot start: ${message}`);
    process.exit(1);
  }
  console.log(`Switchboard is running on ${running.url}  (status page: ${running.url}/, Ctrl-C stops it)`);
  let signals = 0;
  const onSignal = (signal: string): void => {
    signals++;
    if (signals > 1) process.exit(130);
    running.logger.info({ signal }, 'shutdown requested');
    const timer = setTimeout(() => {
      console.error(`switchboard: shutdown did not finish within ${config.shutdownTimeoutMs} ms`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`switchboard: error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main(process.argv.slice(2));
}
