/**
 * Entry point and the one place where the control plane is wired: settings → logger →
 * database (migrated) → event log → media engine → domain (ACD, IVR, dialer, recording)
 * → HTTP API, WebSocket, metrics, wallboard.
 *
 *   tsx control-plane/src/main.ts          # production wiring from the environment
 *   tsx control-plane/src/main.ts --demo   # simulator in real time with synthetic traffic
 *
 * With HA_ENABLED the domain starts only while this instance holds the leadership lock
 * (ha/), and stops when it loses it; the API, health and metrics run either way.
 */
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { SystemClock } from './clock.js';
import { DatabaseError, migrateLatest, openDatabase, redactUrl, type Db } from './store/db.js';
import { EventLog } from './store/EventLog.js';
import { createEngine } from './engine/factory.js';
import type { MediaEngine } from './engine/port.js';
import { SimEngine } from './engine/sim/SimEngine.js';
import { agentDirectoryLookup, createDirectoryRouter, loadFreeSwitchEnv, type FreeSwitchEnv } from './engine/freeswitch/index.js';
import { createApp, type ReadinessCheck } from './api/app.js';
import type { StatusSnapshot } from './api/status.js';
import { loadApiConfig, type ApiConfig } from './api/config.js';
import { createSwitchboardApi } from './api/switchboardApi.js';
import { authenticate } from './api/auth/middleware.js';
import { requireRole } from './api/auth/requireRole.js';
import { WallboardAggregator } from './api/realtime/WallboardAggregator.js';
import { loadAcdConfig, type AcdConfig } from './acd/config.js';
import { loadIvrConfig, type IvrConfig } from './ivr/config.js';
import { ActiveRole, createLeaderElector, loadHaConfig, registerHaMetrics, withApplicationName, type HaConfig } from './ha/index.js';
import { Domain } from './wiring/domain.js';
import type { AcdService } from './acd/index.js';
import { loadAcdPoolConfig, type AcdPoolConfig } from './dialer/acdPoolConfig.js';
import { ACD_RULES, CAMPAIGN_RULES, IVR_RULES, routePolicy } from './wiring/routePolicy.js';
import { seedDemo, startDemoTraffic } from './wiring/demo.js';

/** Every area's settings, read together so all bad variables are reported at once. */
export interface Settings {
  core: Config;
  freeswitch: FreeSwitchEnv;
  api: ApiConfig;
  acd: AcdConfig;
  ivr: IvrConfig;
  ha: HaConfig;
  dialerPool: AcdPoolConfig;
}

export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const problems: string[] = [];
  const read = <T>(load: (e: Record<string, string | undefined>) => T): T | undefined => {
    try {
      return load(env);
    } catch (err) {
      if (err instanceof ConfigError) {
        problems.push(...err.problems);
        return undefined;
      }
      throw err;
    }
  };
  const s = { core: read(loadConfig), freeswitch: read(loadFreeSwitchEnv), api: read(loadApiConfig), acd: read(loadAcdConfig), ivr: read(loadIvrConfig), ha: read(loadHaConfig), dialerPool: read(loadAcdPoolConfig) };
  if (problems.length > 0) throw new ConfigError(problems);
  return s as Settings;
}

export interface RunningControlPlane {
  url: string;
  db: Db;
  engine: MediaEngine;
  eventLog: EventLog;
  domain: Domain;
  logger: Logger;
  /** Graceful stop: no new calls, finish writes, close pools. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  demo?: boolean;
  logger?: Logger;
}

export async function startControlPlane(settings: Settings, options: StartOptions = {}): Promise<RunningControlPlane> {
  const config = settings.core;
  const logger = options.logger ?? createLogger({ level: config.logLevel, pretty: config.prettyLogs });
  const where = config.database.kind === 'postgres' ? redactUrl(config.database.url) : `embedded PGlite (${config.database.dir ?? 'memory'})`;
  logger.info({ database: where, engine: config.engine.kind, demo: options.demo ?? false, ha: settings.ha.enabled }, 'starting Switchboard control plane');
  if (options.demo && config.engine.kind !== 'sim') throw new ConfigError(['--demo runs on the simulator: unset FREESWITCH_ESL_URL or set MEDIA_ENGINE=sim']);

  const wallClock = new SystemClock();
  const databaseUrl = config.database.kind === 'postgres' ? config.database.url : null;
  // Fencing (ha/) ends a deposed instance's sessions by application_name.
  const dbConfig = settings.ha.enabled && databaseUrl ? { kind: 'postgres' as const, url: withApplicationName(databaseUrl, settings.ha.instanceId) } : config.database;
  const elector = createLeaderElector(settings.ha, databaseUrl, { clock: wallClock, logger });
  const db = await openDatabase(dbConfig);
  const cleanup: Array<() => Promise<void> | void> = [async () => db.destroy()];
  const unwind = async (): Promise<void> => {
    while (cleanup.length > 0) await Promise.resolve((cleanup.pop() as () => Promise<void> | void)()).catch((err: Error) => logger.error({ err: err.message }, 'error while stopping'));
  };
  try {
    const applied = await migrateLatest(db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
    const eventLog = new EventLog({ db, logger });
    cleanup.push(() => eventLog.close());
    // With HA the switch hands calls only to the active instance (Domain turns this on).
    // The metrics registry comes with the API, made below; events before it are not counted.
    let countEslEvent: ((nodeId: string, event: string) => void) | null = null;
    const engine = createEngine(config.engine, {
      logger,
      freeswitch: settings.freeswitch,
      simWritesRecordings: options.demo ?? false,
      takeCallsOnStart: !settings.ha.enabled,
      onEslEvent: (nodeId, event) => countEslEvent?.(nodeId, event),
    });

    const wallboard = new WallboardAggregator({ clock: engine.clock, timeZone: settings.acd.timeZone });
    await wallboard.loadToday(db);
    eventLog.onCommit(wallboard.eventLogHook);
    const api = createSwitchboardApi({ db, clock: wallClock, logger, config: settings.api, realtime: wallboard, eventLog });
    countEslEvent = (nodeId, event) => api.metrics.countEslEvent(nodeId, event);
    engine.on('reconnected', ({ nodeId }) => {
      api.metrics.countEslReconnect(nodeId);
      logger.warn({ nodeId }, 'media node reconnected');
    });
    engine.on('node.down', ({ nodeId, lostLegIds }) => logger.error({ nodeId, lost: lostLegIds.length }, 'media node down; its calls are lost'));
    cleanup.push(() => api.close());

    let demoAgents: string[] = [];
    const demo = options.demo && engine instanceof SimEngine ? engine : null;
    const m = api.metrics;
    const domain = new Domain({
      db, eventLog, engine, logger, acd: settings.acd, ivr: settings.ivr, dialerPool: settings.dialerPool, recordings: api.recordings,
      webhooks: api.outbox,
      metrics: {
        routingDecision: (ms) => m.observeRoutingDecision(ms),
        reattach: (r) => {
          m.countReattach('reclaimed', r.reclaimed - r.reclaimFailed);
          m.countReattach('caller_pulled_in', r.othersReclaimed);
          m.countReattach('reclaim_failed', r.reclaimFailed);
          m.countReattach('gone_while_away', r.goneWhileAway);
          m.countReattach('conversation_followed', r.connectedFollowed);
          m.countReattach('conversation_ended', r.connectedEnded);
        },
        reattachDropped: (n) => m.countReattach('dropped', n),
      },
      ...(demo ? { beforeIvr: async (acd: AcdService) => void (demoAgents = await seedDemo(acd, api.recordings, { agents: config.demo.agents })) } : {}),
    });
    cleanup.push(() => domain.stop('shutdown'));

    let draining = false;
    const readiness: ReadinessCheck[] = [
      {
        name: 'database',
        check: async () => {
          await db.raw('select 1');
          return `${where}; ${eventLog.pending} writes pending`;
        },
      },
      {
        name: 'media',
        check: async () => {
          const h = engine.health();
          if (h.status === 'down') throw new Error(`${engine.kind} engine is down: ${h.nodes.map((n) => `${n.id} ${n.status}${n.detail ? ` (${n.detail})` : ''}`).join(', ')}`);
          return `${engine.kind} ${h.status}, ${h.activeLegs} legs`;
        },
      },
    ];

    let role: ActiveRole | null = null;
    if (elector) {
      role = new ActiveRole({ elector, clock: wallClock, logger, participants: [domain.roleParticipant()] });
      role.on('activation-failed', ({ participant, error }) => {
        logger.fatal({ participant, err: error.message }, 'could not become active; exiting so a supervisor restarts this instance as standby');
        process.exitCode = 1;
        void running.stop();
      });
      readiness.push(role.readinessCheck());
      registerHaMetrics(api.metrics.registry, elector);
    }

    const gated = (rules: Parameters<typeof routePolicy>[0], router: () => express.Router | null): express.RequestHandler[] => [
      routePolicy(rules),
      (req, res, next) => {
        const r = router();
        if (r) return r(req, res, next);
        res.status(503).json({ error: 'standby', message: 'this instance is on standby; the active control plane serves this route' });
      },
    ];
    const app = createApp({
      logger,
      status: {
        statusSnapshot: (): StatusSnapshot => domain.acd?.acd.statusSnapshot() ?? { at: engine.clock.now(), queues: [], waiting: [], agents: [] },
      },
      isDraining: () => draining,
      readiness,
      // Caller numbers are personal data: the status feed needs a reader's key unless made public.
      ...(options.demo || config.statusPagePublic ? {} : { statusGuard: [authenticate(api.keys), requireRole('admin', 'supervisor', 'campaign-manager', 'read-only')] }),
      routers: [
        // FreeSWITCH's mod_xml_curl fetches agents' SIP accounts here (own auth, before the API gate).
        {
          path: '/freeswitch/directory',
          router: createDirectoryRouter({
            lookup: agentDirectoryLookup(db),
            logger,
            ...(settings.freeswitch.FREESWITCH_DIRECTORY_PASSWORD ? { basicAuth: { user: 'switchboard', password: settings.freeswitch.FREESWITCH_DIRECTORY_PASSWORD } } : {}),
          }),
        },
        ...api.routers,
        { path: '/api/ivr', router: express.Router(), before: gated(IVR_RULES, () => domain.routers?.ivr ?? null) },
        { path: '/api/campaigns', router: express.Router(), before: gated(CAMPAIGN_RULES, () => domain.routers?.campaigns ?? null) },
        { path: '/api', router: express.Router(), before: gated(ACD_RULES, () => domain.routers?.acd ?? null) },
      ],
    });

    await engine.start();
    cleanup.push(() => engine.stop());
    const server: Server = createServer(app);
    api.attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    api.start();

    if (elector && role) {
      await elector.start();
      cleanup.push(() => elector.stop());
    } else {
      await domain.start();
    }

    let stopDemo: (() => void) | null = null;
    if (demo && domain.acd) {
      await wallboard.loadQueues(db);
      stopDemo = startDemoTraffic(demo, domain.acd, demoAgents, { agents: config.demo.agents, callsPerHour: config.demo.callsPerHour, speed: config.engine.kind === 'sim' ? config.engine.speed : 1 }, logger);
    }

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
      domain,
      logger,
      stop: () => {
        stopping ??= (async () => {
          draining = true;
          logger.info('stopping: no new calls, finishing writes');
          stopDemo?.();
          await unwind();
          logger.info('stopped');
        })();
        return stopping;
      },
    };
    return running;
  } catch (err) {
    await unwind();
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings(process.env);
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
    running = await startControlPlane(settings, { demo });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) console.error(`switchboard: configuration error: ${line}`);
      process.exit(2);
    }
    const message = err instanceof DatabaseError || err instanceof Error ? err.message : String(err);
    console.error(`switchboard: cannot start: ${message}`);
    process.exit(1);
  }
  console.log(`Switchboard is running on ${running.url}  (status page: ${running.url}/, wallboard: ${running.url}/wallboard, Ctrl-C stops it)`);
  let firstSignalAt = 0;
  const onSignal = (signal: string): void => {
    // Ctrl-C reaches both tsx and this process (tsx relays it too): only a second press,
    // a moment later, means "stop now".
    if (firstSignalAt > 0) {
      if (Date.now() - firstSignalAt > 1500) process.exit(130);
      return;
    }
    firstSignalAt = Date.now();
    running.logger.info({ signal }, 'shutdown requested');
    const timer = setTimeout(() => {
      console.error(`switchboard: shutdown did not finish within ${settings.core.shutdownTimeoutMs} ms`);
      process.exit(1);
    }, settings.core.shutdownTimeoutMs);
    timer.unref();
    running.stop().then(
      () => process.exit(process.exitCode ?? 0),
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
