/**
 * Wiring entry for main.ts: builds the elector from the HA environment, or returns null
 * when HA is off. The caller starts domain work on `became-active` and stops it on
 * `lost-leadership`; /readyz serves `elector.readiness()`.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { ConfigError } from '../envSchema.js';
import type { HaConfig } from './config.js';
import { LeaderElector } from './LeaderElector.js';

export { loadHaConfig, type HaConfig } from './config.js';
export { LeaderElector, applicationName, withApplicationName, lockKey } from './LeaderElector.js';
export type * from './LeaderElectorTypes.js';
export { registerHaMetrics } from './metrics.js';
export { ActiveRole, type RoleParticipant } from './ActiveRole.js';
export { waitingFromLog, type LoggedEvent } from './waitingFromLog.js';

export function createLeaderElector(ha: HaConfig, databaseUrl: string | null, deps: { clock: Clock; logger: Logger }): LeaderElector | null {
  if (!ha.enabled) return null;
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(['HA_ENABLED="true" is invalid: active/standby needs DATABASE_URL=postgres://… (the embedded database serves one process)']);
  }
  return new LeaderElector({
    connectionString: databaseUrl,
    lockName: ha.lockName,
    instanceId: ha.instanceId,
    clock: deps.clock,
    logger: deps.logger,
    pollMs: ha.pollMs,
    reacquireGraceMs: ha.reacquireGraceMs,
    keepaliveS: ha.keepaliveS,
  });
}

/** A /readyz check (api/app.ts ReadinessCheck shape): ready only while this instance is active. */
export function haReadinessCheck(elector: LeaderElector): { name: string; check(): Promise<string> } {
  return {
    name: 'role',
    check: async () => {
      const s = elector.readiness();
      if (!s.ready) throw new Error(`${s.role} (instance ${s.instanceId}): another instance is active`);
      return `active (instance ${s.instanceId}${s.lockHeld ? '' : ', database away: routing from memory'})`;
    },
  };
}
