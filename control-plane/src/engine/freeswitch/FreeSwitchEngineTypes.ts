import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { FsCallLegOptions } from './FsCallLeg.js';

export interface FreeSwitchNodeOptions {
  host: string;
  port: number;
  /** Name used in health and logs (default host:port). */
  id?: string;
}

export interface FreeSwitchEngineOptions {
  /** One inbound ESL connection per node. */
  nodes: FreeSwitchNodeOptions[];
  /** event_socket password (never logged). */
  password: string;
  /**
   * Where the outbound socket server listens, and the address FreeSWITCH should dial for
   * originated legs (`&socket(<advertiseHost>:<port> async full)`; default: host).
   */
  outboundSocket: { host: string; port: number; advertiseHost?: string };
  logger: Logger;
  clock?: Clock;
  /** Reply timeout for every ESL command (default 5000 ms). */
  commandTimeoutMs?: number;
  reconnect?: { initialMs?: number; maxMs?: number };
  /** A node not back within this long after losing its connection is declared down (default 5000 ms). */
  nodeDownGraceMs?: number;
  /** No HEARTBEAT for this long → the connection is treated as dead (default 65000 ms; FreeSWITCH beats every 20 s). */
  heartbeatTimeoutMs?: number;
  /** Gateway for `to.kind = 'number'` requests that name none. */
  defaultGateway?: string;
  /** Domain appended to `user/<name>` dial strings (default: none, FreeSWITCH's default domain). */
  userDomain?: string;
  /** How long an answered originate may take to connect its outbound socket (default 10000 ms). */
  socketWaitMs?: number;
  /** Options for every leg (TTS voice, transfer context, MOH stream, Event-UUID generator). */
  legOptions?: Partial<Pick<FsCallLegOptions, 'newId' | 'tts' | 'transferContext' | 'musicOnHold'>>;
  /** Random source for reconnect jitter (tests). */
  random?: () => number;
  /** Time start() waits for a first node before failing (default 10000 ms). */
  startTimeoutMs?: number;
  /**
   * Listen for calls from start() (default true). A high-availability standby starts with
   * false and is switched on by `setTakingCalls(true)` when it becomes active.
   */
  takeCallsOnStart?: boolean;
  /** Told of every ESL event received, inbound connection and call sockets alike (metrics). */
  onEslEvent?: (nodeId: string, event: string) => void;
  /** Where `uuid_transfer` sends an orphaned caller to come back (default `reattach` in `switchboard-fallback`, see dialplan/public.xml). */
  reattach?: { extension: string; context: string };
}
