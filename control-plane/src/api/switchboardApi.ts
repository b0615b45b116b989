/**
 * Everything the API area provides, built once and handed to `createApp` and the HTTP
 * server by main.ts:
 *
 *   const api = createSwitchboardApi({ db, clock, logger, config: loadApiConfig(), realtime, eventLog });
 *   const app = createApp({ ..., routers: [...api.routers, ...otherRouters] });
 *   const server = app.listen(port); api.attach(server); api.start();
 *   // shutdown: await api.close();
 *
 * Other routers register in `api.registry` (RouteGroup) and are mounted after `api.routers`,
 * so the key check, rate limit and audit log in front of /api apply to them too.
 */
import express, { type RequestHandler, type Router } from 'express';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { EventLog } from '../store/EventLog.js';
import type { RoleParticipant } from '../ha/ActiveRole.js';
import type { ApiConfig } from './config.js';
import { ApiRegistry } from './openapi.js';
import { ApiKeyService } from './auth/ApiKeyService.js';
import { auditChanges, authenticate, rateLimitPerKey } from './auth/middleware.js';
import { auditRoutes, keysRoutes } from './routes/keys.js';
import { webhookRoutes } from './routes/webhooks.js';
import { recordingRoutes } from './routes/recordings.js';
import { reportRoutes } from './routes/reports.js';
import { openApiRoutes, wallboardRoutes } from './routes/wallboard.js';
import { WebhookOutbox } from './webhooks/WebhookOutbox.js';
import { WebhookWorker } from './webhooks/WebhookWorker.js';
import { SwitchboardMetrics } from './metrics.js';
import { WebSocketHub } from './realtime/WebSocketHub.js';
import type { RealtimeSource, WallboardSnapshot } from './realtime/types.js';
import { LocalDiskStorage, type RecordingStorage } from '../recording/storage.js';
import { RecordingService } from '../recording/RecordingService.js';
import { RetentionJob } from '../recording/RetentionJob.js';
import { ReportingStore } from '../reporting/ReportingStore.js';

export interface SwitchboardApiDeps {
  db: Knex;
  clock: Clock;
  logger: Logger;
  config: ApiConfig;
  /** What the wallboard and WebSocket stream show (the ACD, or a WallboardAggregator). */
  realtime: RealtimeSource;
  /** When given, webhook outbox rows are written in its commit transactions. */
  eventLog?: EventLog;
  storage?: RecordingStorage;
  metrics?: SwitchboardMetrics;
  /** How often the interval tables catch up with the event log (default 60 s). */
  reportingRefreshMs?: number;
  webhookPollMs?: number;
  /** How often WebSocket clients get a snapshot (default 1000 ms). */
  realtimeSnapshotMs?: number;
}

export interface MountedRouter {
  path: string;
  router: Router | RequestHandler;
}

export class SwitchboardApi {
  readonly registry = new ApiRegistry({ title: 'Switchboard API', version: '1', description: 'Contact-center control plane: queues, agents, recordings, reports, webhooks.' });
  readonly keys: ApiKeyService;
  readonly outbox: WebhookOutbox;
  readonly webhooks: WebhookWorker;
  readonly recordings: RecordingService;
  readonly retention: RetentionJob;
  readonly reporting: ReportingStore;
  readonly metrics: SwitchboardMetrics;
  readonly hub: WebSocketHub;
  /** Mount in this order, before any other router (createApp `routers`). */
  readonly routers: MountedRouter[];
  /** authenticate → rate limit → audit; already the first entry of `routers` (at /api). */
  readonly gate: RequestHandler[];
  readonly #deps: SwitchboardApiDeps;
  readonly #log: Logger;
  #timers: TimerHandle[] = [];
  #stopped = true;

  constructor(deps: SwitchboardApiDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'api' });
    const { db, clock, logger, config } = deps;
    this.metrics = deps.metrics ?? new SwitchboardMetrics();
    this.keys = new ApiKeyService({ db, clock, bootstrapKey: config.adminKey });
    this.outbox = new WebhookOutbox({ db, publicBaseUrl: config.publicBaseUrl });
    this.webhooks = new WebhookWorker({
      db, clock, logger, maxAttempts: config.webhook.maxAttempts, timeoutMs: config.webhook.timeoutMs, backoffMs: config.webhook.backoffMs,
      pollMs: deps.webhookPollMs,
    });
    this.webhooks.on('backlog', ({ pending }) => this.metrics.setWebhookBacklog(pending));
    this.webhooks.on('delivered', () => this.metrics.countWebhookDelivery('delivered'));
    this.webhooks.on('failed', (f) => this.metrics.countWebhookDelivery(f.dead ? 'dead' : 'failed'));
    if (deps.eventLog) deps.eventLog.onCommit(this.outbox.commitHook);
    const storage = deps.storage ?? new LocalDiskStorage(config.recordingsDir);
    this.recordings = new RecordingService({ db, storage, clock, logger });
    this.retention = new RetentionJob({ db, storage, clock, logger });
    this.reporting = new ReportingStore({ db, logger });
    this.hub = new WebSocketHub({ source: deps.realtime, keys: this.keys, logger, ...(deps.realtimeSnapshotMs ? { snapshotMs: deps.realtimeSnapshotMs } : {}) });

    this.gate = [
      authenticate(this.keys),
      rateLimitPerKey({ limit: config.rateLimitPerMinute, windowMs: 60_000 }),
      auditChanges(db, logger),
    ];
    const gateRouter = express.Router();
    gateRouter.use(...this.gate);

    const r = this.registry;
    const groups = [
      keysRoutes(r, { keys: this.keys, db }),
      auditRoutes(r, { db }),
      webhookRoutes(r, { db, outbox: this.outbox, worker: this.webhooks }),
      ...recordingRoutes(r, { recordings: this.recordings, retention: this.retention }),
      reportRoutes(r, { db, reporting: this.reporting }),
    ];
    const open = [openApiRoutes(r), wallboardRoutes(r)];
    this.routers = [
      { path: '/api', router: gateRouter },
      ...groups.map((g) => ({ path: g.prefix, router: g.router })),
      ...open.map((g) => ({ path: g.prefix, router: g.router })),
      { path: '/metrics', router: this.metrics.handler(config.metricsToken) },
    ];
  }

  /** Serves the WebSocket stream (/api/realtime) on the control plane's HTTP server. */
  attach(server: Server): void {
    this.hub.attach(server);
  }

  /** Starts the webhook worker, the daily retention job, the reporting refresh and metric updates. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const { clock } = this.#deps;
    this.webhooks.start();
    this.retention.start();
    const every = (ms: number, fn: () => Promise<void> | void): void => {
      const loop = (): void => {
        Promise.resolve()
          .then(fn)
          .catch((err: Error) => this.#log.error({ err: err.message }, 'periodic API task failed'))
          .finally(() => {
            if (!this.#stopped) this.#timers.push(clock.setTimer(ms, loop));
          });
      };
      this.#timers.push(clock.setTimer(ms, loop));
    };
    every(this.#deps.reportingRefreshMs ?? 60_000, async () => {
      await this.reporting.refresh();
    });
    every(5_000, () => this.updateMetrics(this.#deps.realtime.snapshot()));
    every(3_600_000, async () => {
      const n = await this.webhooks.purgeDelivered(7 * 86_400_000);
      if (n) this.#log.info({ purged: n }, 'delivered webhook rows older than 7 days purged');
    });
  }

  updateMetrics(s: WallboardSnapshot): void {
    this.metrics.setCallsActive(s.callsActive);
    this.metrics.setAgentsByState(s.agents);
    for (const q of s.queues) {
      this.metrics.setQueueWaiting(q.queueId, q.waiting);
      this.metrics.setQueueServiceLevel(q.queueId, q.serviceLevelPct);
    }
  }

  /** Stops the background work of `start()` (the HTTP side keeps serving). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.retention.stop();
    await this.webhooks.stop();
  }

  /**
   * For ha/ActiveRole: the background work (webhook delivery, retention, reporting refresh)
   * runs only on the active instance; a standby still serves the API and the wallboard.
   */
  readonly roleParticipant: RoleParticipant = {
    name: 'api-background',
    activate: async () => this.start(),
    deactivate: async () => this.stop(),
  };

  async close(): Promise<void> {
    await this.stop();
    await this.hub.close();
  }
}

export function createSwitchboardApi(deps: SwitchboardApiDeps): SwitchboardApi {
  return new SwitchboardApi(deps);
}
