/**
 * One call to wire the IVR into the control plane (main.ts):
 *
 *   const ivr = await startIvr({ db, engine, logger, config: loadIvrConfig(), services: { events: eventLogSink(eventLog), queue: acd, callback: acd } });
 *   routers.push({ path: '/api/ivr', router: ivr.router, before: [auth] });
 *   // shutdown: ivr.stop(); await ivr.service.drain();
 *
 * Services not given get honest defaults: no ACD → the queue/callback hand-off fails
 * (flows take `on_failure`), survey answers go to ivr_survey_answers, voicemail metadata to ivr_messages.
 */
import type { Router } from 'express';
import { SystemClock, type Clock } from '../clock.js';
import type { CallLeg, MediaEngine } from '../engine/port.js';
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import { createIvrRouter } from '../api/routes/ivr.js';
import type { IvrConfig } from './config.js';
import { DbMessageSink, DbSurveySink, FlowStore } from './FlowStore.js';
import { FlowRegistry } from './FlowRegistry.js';
import { FlowWatcher, deployDirectory, type DirectoryDeployResult } from './FlowWatcher.js';
import { FetchHttpClient } from './http.js';
import { IvrService } from './IvrService.js';
import type { CallbackHandoff, IvrEventSink, IvrServices, MessageSink, QueueHandoff } from './types.js';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export interface StartIvrOptions {
  db: Db;
  engine: Pick<MediaEngine, 'on' | 'off' | 'clock'>;
  logger: Logger;
  config: IvrConfig;
  services: Partial<Omit<IvrServices, 'events'>> & { events: IvrEventSink };
  /** Queue ids for validation (default: the queues table at each deploy). */
  knownQueues?: () => Promise<Iterable<string> | undefined> | Iterable<string> | undefined;
  /** Clock for the file watcher's debounce (default: the system clock). */
  wallClock?: Clock;
  /** Offered every new call before the flows (see IvrServiceOptions.claim). */
  claimCall?: (leg: CallLeg) => boolean;
}

export interface RunningIvr {
  store: FlowStore;
  registry: FlowRegistry;
  service: IvrService;
  router: Router;
  watcher: FlowWatcher | null;
  initialDeploy: DirectoryDeployResult;
  stop(): void;
}

const noAcd: QueueHandoff & CallbackHandoff = {
  async enqueue() {
    return { outcome: 'failed', reason: 'no ACD connected' };
  },
  async requestCallback() {
    throw new Error('no ACD connected');
  },
};

export async function startIvr(o: StartIvrOptions): Promise<RunningIvr> {
  const log = o.logger.child({ area: 'ivr' });
  const store = new FlowStore(o.db);
  const promptsDir = o.config.promptsDir;
  const registry = new FlowRegistry({
    store,
    ...(o.knownQueues ? { knownQueues: o.knownQueues } : {}),
    ...(promptsDir ? { promptExists: (p: string) => existsSync(isAbsolute(p) ? p : join(promptsDir, p)), promptsDescription: promptsDir } : {}),
  });
  for (const u of await registry.load()) log.error({ flowId: u.flowId, version: u.version }, `stored flow version no longer reads:\n${u.problems.join('\n')}`);
  const messages: MessageSink = o.services.messages ?? new DbMessageSink(o.db);
  const service = new IvrService({
    registry,
    logger: log,
    clock: o.engine.clock,
    ...(promptsDir ? { promptBase: promptsDir } : {}),
    services: {
      queue: o.services.queue ?? noAcd,
      callback: o.services.callback ?? noAcd,
      survey: o.services.survey ?? new DbSurveySink(o.db),
      messages,
      events: o.services.events,
      http: o.services.http ?? new FetchHttpClient(),
      secrets: o.services.secrets ?? ((name) => process.env[name]),
    },
    ...(o.claimCall ? { claim: o.claimCall } : {}),
  });
  const detach = service.attach(o.engine);
  let watcher: FlowWatcher | null = null;
  let initialDeploy: DirectoryDeployResult = { deployed: [], refused: [] };
  if (existsSync(o.config.flowsDir)) {
    if (o.config.watch) {
      watcher = new FlowWatcher(registry, o.config.flowsDir, o.wallClock ?? new SystemClock(), log);
      initialDeploy = await watcher.start();
    } else {
      initialDeploy = await deployDirectory(registry, o.config.flowsDir, 'startup');
      for (const r of initialDeploy.refused) log.error({ file: r.file }, `flow refused:\n${r.problems.join('\n')}`);
    }
  } else log.warn({ dir: o.config.flowsDir }, 'IVR flows directory not found; only deployed versions run');
  return {
    store,
    registry,
    service,
    router: createIvrRouter({ registry, store }),
    watcher,
    initialDeploy,
    stop: () => {
      detach();
      watcher?.stop();
    },
  };
}

export { loadIvrConfig, type IvrConfig } from './config.js';
export { eventLogSink } from './eventLogSink.js';
export { interactionIdForLeg } from './interactionId.js';
export type * from './types.js';
