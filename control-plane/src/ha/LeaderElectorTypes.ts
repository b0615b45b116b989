import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';

/** starting → standby ⇄ active → stopped. */
export type HaRole = 'starting' | 'standby' | 'active' | 'stopped';

export type LostLeadershipReason =
  /** stop() was called (graceful hand-over: the lock is released at once). */
  | 'stopped'
  /** The lock connection dropped and, on reconnecting, another instance held the lock. */
  | 'taken-over'
  /** The lock could not be re-confirmed within maxUnconfirmedMs. */
  | 'lock-unconfirmed';

export interface BecameActive {
  instanceId: string;
  /** Fencing token: grows by one each time the active role changes hands. */
  epoch: number;
  /** The instance that held the role before (null on the very first election). */
  previousInstanceId: string | null;
  /** How long this instance waited as standby before getting the lock. */
  waitedMs: number;
  takeovers: number;
}

export type LeaderElectorEvents = {
  'became-active': [BecameActive];
  'lost-leadership': [{ instanceId: string; reason: LostLeadershipReason }];
  /** Every role change (for logs and gauges). */
  role: [HaRole];
};

export interface HaStatus {
  role: HaRole;
  instanceId: string;
  lockName: string;
  /** False while the active runs on without its lock connection (database away). */
  lockHeld: boolean;
  epoch: number | null;
  /** Times this instance became active. */
  takeovers: number;
  /** Epoch ms of the last role change. */
  since: number;
}

export interface LeaderElectorOptions {
  /** postgres:// URL; the lock lives on a dedicated connection (never a pooled one). */
  connectionString: string;
  /** Schema holding the ha_leadership table (tests); default the search_path. */
  schema?: string;
  lockName: string;
  instanceId: string;
  clock: Clock;
  logger: Logger;
  /** Standby: how often to try the lock. Active: how often to check its lock connection. */
  pollMs?: number;
  /** After its own connection came back, a standby waits this long so the incumbent can re-take the lock. */
  reacquireGraceMs?: number;
  /** Server-side TCP keepalive (idle seconds) of the lock session. */
  keepaliveS?: number;
  /** An active whose lock cannot be re-confirmed for this long steps down (default: never; keeps routing from memory). */
  maxUnconfirmedMs?: number | null;
  /** How long a new active waits for the previous holder's sessions to end after fencing them. */
  fenceWaitMs?: number;
}
