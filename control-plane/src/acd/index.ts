/**
 * One call for main.ts: build the ACD on an open database, the EventLog and a MediaEngine,
 * rebuild its state from the log, attach voice and 15-minute interval persistence.
 */
import type { Knex } from 'knex';
import type { MediaEngine } from '../engine/port.js';
import type { Logger } from '../logger.js';
import type { EventLog } from '../store/EventLog.js';
import { Acd } from './Acd.js';
import { AcdAdmin, persistIntervals } from './AcdAdmin.js';
import { loadAcdConfig, type AcdConfig } from './config.js';
import { rebuildFromLog, type RebuildResult } from './rebuild.js';
import { VoiceQueue, type ConnectedCall } from './VoiceQueue.js';
import type { RoleParticipant } from '../ha/ActiveRole.js';

export { Acd, AcdError } from './Acd.js';
export { AcdAdmin } from './AcdAdmin.js';
export { VoiceQueue, type VoiceEnqueueOptions, type VoiceOutcome } from './VoiceQueue.js';
export { rebuildFromLog } from './rebuild.js';
export { AcdIvrHandoff } from './ivrHandoff.js';

export interface AcdService {
  acd: Acd;
  admin: AcdAdmin;
  voice: VoiceQueue;
  rebuilt: RebuildResult;
  close(): void;
}

export async function startAcd(deps: {
  db: Knex;
  eventLog: EventLog;
  engine: MediaEngine;
  logger: Logger;
  config?: AcdConfig;
  onConnected?: (call: ConnectedCall) => void;
  /** Time of each routing decision that offered something, ms (metrics). */
  onRoutingDecision?: (ms: number) => void;
}): Promise<AcdService> {
  const config = deps.config ?? loadAcdConfig();
  const acd = new Acd({
    clock: deps.engine.clock,
    events: deps.eventLog,
    logger: deps.logger,
    timeZone: config.timeZone,
    windowMs: config.windowMs,
    ...(deps.onRoutingDecision ? { onRoutingDecision: deps.onRoutingDecision } : {}),
  });
  const rebuilt = await rebuildFromLog(deps.db, acd, { lookbackMs: config.rebuildLookbackMs });
  const admin = new AcdAdmin(acd, deps.db);
  const voice = new VoiceQueue({ acd, engine: deps.engine, logger: deps.logger, ...(deps.onConnected ? { onConnected: deps.onConnected } : {}) });
  const log = deps.logger.child({ component: 'acd' });
  const detach = persistIntervals(acd, admin.intervals, (err) => log.error({ err }, 'could not save ACD interval statistics'));
  log.info(rebuilt, 'ACD state rebuilt from the event log');
  return {
    acd,
    admin,
    voice,
    rebuilt,
    close() {
      detach();
      acd.close();
    },
  };
}

/**
 * The ACD as a step of becoming active (ha/ActiveRole): on activation build it and rebuild
 * its state from the event log; on deactivation stop its timers and drop it (the next
 * active rebuilds from the log). `current()` is the live service, or null while standby.
 */
export function acdRoleParticipant(deps: { db: Knex; eventLog: EventLog; engine: MediaEngine; logger: Logger; config?: AcdConfig }, onActive?: (svc: AcdService | null) => void): RoleParticipant & { current(): AcdService | null } {
  let svc: AcdService | null = null;
  return {
    name: 'acd',
    async activate() {
      svc = await startAcd(deps);
      onActive?.(svc);
    },
    async deactivate() {
      svc?.close();
      svc = null;
      onActive?.(null);
    },
    current: () => svc,
  };
}
