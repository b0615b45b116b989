/**
 * The production MediaEngine: FreeSWITCH over ESL.
 *
 * One inbound connection per node carries `bgapi originate` and node-wide events
 * (HEARTBEAT for health and load, BACKGROUND_JOB, mod_avmd); every call is driven over
 * its own outbound socket (FsCallLeg). Originates go to the least loaded node that is
 * up. A node whose connection is lost and not back within the grace period is declared
 * down: its legs are reported lost (`node.down`) and the other nodes carry on.
 */
import { randomUUID } from 'node:crypto';
import { abortReason, SystemClock, type Clock, type TimerHandle } from '../../clock.js';
import { TypedEmitter } from '../../events.js';
import type { Logger } from '../../logger.js';
import { EngineUnavailableError, MediaCommandError, MediaTimeoutError, OriginateError } from '../errors.js';
import type { CallLeg, EngineHealth, MediaEngine, MediaEngineEventMap, OrphanCall, OrphanCallList, OriginateRequest } from '../port.js';
import { causeOfReply, normaliseOriginateCause } from './causes.js';
import { EslConnection } from './EslConnection.js';
import {
  assertDialNumber,
  assertGateway,
  assertSafeValue,
  assertUser,
  assertUuid,
  sipHeaderVariable,
  UnsafeValueError,
  variableBlock,
} from './escape.js';
import type { FreeSwitchEngineOptions } from './FreeSwitchEngineTypes.js';
import type { FsCallLeg } from './FsCallLeg.js';
import type { FsEvent } from './fsEvents.js';
import { OutboundServer } from './OutboundServer.js';
import { BRIDGED_STATES, HangupWatch, parseShowChannels, type LiveChannel } from './channels.js';

export { parseShowChannels, type LiveChannel } from './channels.js';

export type { FreeSwitchEngineOptions } from './FreeSwitchEngineTypes.js';

/** Events the inbound connection subscribes to (CUSTOM subclasses last). */
export const INBOUND_EVENTS = ['BACKGROUND_JOB', 'HEARTBEAT', 'CHANNEL_HANGUP_COMPLETE', 'CUSTOM', 'avmd::start', 'avmd::beep', 'avmd::stop'];

interface NodeState {
  id: string;
  conn: EslConnection;
  status: 'up' | 'down';
  /** Set while the connection is lost but the grace period runs. */
  detail: string | undefined;
  coreUuid: string;
  sessions: number;
  maxSessions: number;
  idleCpu: number;
  sessionsPerSecond: number;
  lastHeartbeatAt: number | null;
  inflight: number;
  downTimer: TimerHandle | null;
  heartbeatTimer: TimerHandle | null;
}

/** The event's name for metrics: FreeSWITCH's Event-Name (CUSTOM with its subclass). */
function eventName(e: FsEvent): string {
  // Already parsed into the typed event: no second look at the headers per event.
  if (e.type === 'OTHER') return e.name;
  if (e.type === 'AVMD') return `CUSTOM avmd::${e.phase}`;
  return e.type;
}

interface SocketWaiter {
  resolve(leg: FsCallLeg): void;
  nodeId: string;
}

export class FreeSwitchEngine extends TypedEmitter<MediaEngineEventMap> implements MediaEngine {
  readonly kind = 'freeswitch';
  readonly clock: Clock;
  readonly #o: FreeSwitchEngineOptions;
  readonly #log: Logger;
  readonly #nodes: NodeState[];
  readonly #server: OutboundServer;
  readonly #legs = new Map<string, FsCallLeg>();
  readonly #awaitingSocket = new Map<string, SocketWaiter>();
  /** Legs we placed, by id → node, so their sockets map to the right node. */
  readonly #placedOn = new Map<string, string>();
  /** Ends of channels no socket of ours drives (orphan calls), from the inbound connections. */
  readonly #hangups: HangupWatch;
  #started = false;
  #takingCalls: boolean;

  constructor(options: FreeSwitchEngineOptions) {
    super();
    if (options.nodes.length === 0) throw new Error('FreeSwitchEngine needs at least one node');
    if (!options.password) throw new Error('FreeSwitchEngine needs the event_socket password');
    this.#o = options;
    this.#takingCalls = options.takeCallsOnStart ?? true;
    this.clock = options.clock ?? new SystemClock();
    this.#hangups = new HangupWatch(this.clock);
    this.#log = options.logger.child({ engine: 'freeswitch' });
    if (options.defaultGateway) assertGateway(options.defaultGateway);
    const advertise = options.outboundSocket.advertiseHost ?? options.outboundSocket.host;
    if (advertise === '0.0.0.0' || advertise === '::') {
      throw new Error('outboundSocket.advertiseHost is required when the socket server listens on all addresses');
    }
    this.#nodes = options.nodes.map((n) => {
      const conn = new EslConnection({
        host: n.host,
        port: n.port,
        password: options.password,
        clock: this.clock,
        logger: this.#log,
        events: INBOUND_EVENTS,
        ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
        ...(options.reconnect ? { reconnect: options.reconnect } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
      const node: NodeState = {
        id: n.id ?? `${n.host}:${n.port}`,
        conn,
        status: 'down',
        detail: 'not connected yet',
        coreUuid: '',
        sessions: 0,
        maxSessions: 0,
        idleCpu: 100,
        sessionsPerSecond: 0,
        lastHeartbeatAt: null,
        inflight: 0,
        downTimer: null,
        heartbeatTimer: null,
      };
      conn.on('connected', () => this.#nodeUp(node, false));
      conn.on('reconnected', () => this.#nodeUp(node, true));
      conn.on('disconnected', ({ reason }) => this.#nodeLost(node, reason));
      conn.on('auth.failed', ({ reason }) => {
        node.detail = reason;
      });
      conn.on('event', (e) => this.#onNodeEvent(node, e));
      return node;
    });
    this.#server = new OutboundServer({
      host: options.outboundSocket.host,
      port: options.outboundSocket.port,
      clock: this.clock,
      logger: this.#log,
      ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
      onLeg: (leg) => this.#onLeg(leg),
      ...(options.legOptions ? { legOptions: options.legOptions } : {}),
      nodeOf: (coreUuid) => this.#nodeIdOf(coreUuid),
      ...(options.onEslEvent ? { onEvent: (nodeId: string, e: FsEvent) => options.onEslEvent?.(nodeId, eventName(e)) } : {}),
    });
  }

  /** The outbound socket server's port (after start; useful with port 0). */
  get outboundPort(): number {
    return this.#server.port;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (this.#takingCalls) await this.#server.listen();
    const starts = this.#nodes.map((n) => n.conn.start());
    for (const s of starts) s.catch(() => undefined);
    const timeoutMs = this.#o.startTimeoutMs ?? 10000;
    const controller = new AbortController();
    try {
      await Promise.race([
        Promise.any(starts),
        this.clock.sleep(timeoutMs, controller.signal).then(() => {
          throw new EngineUnavailableError(`no FreeSWITCH node answered within ${timeoutMs} ms (${this.#nodes.map((n) => `${n.id}: ${n.detail ?? 'down'}`).join('; ')})`);
        }),
      ]);
    } catch (err) {
      if (err instanceof AggregateError) {
        throw new EngineUnavailableError(`no FreeSWITCH node could be used: ${err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
      }
      throw err;
    } finally {
      controller.abort();
    }
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#server.close(false);
    this.#hangups.stop('CONTROL_PLANE_STOPPED');
    for (const n of this.#nodes) {
      n.downTimer?.cancel();
      n.heartbeatTimer?.cancel();
    }
    await Promise.all(this.#nodes.map((n) => n.conn.stop()));
  }

  health(): EngineHealth {
    const nodes = this.#nodes.map((n) => ({
      id: n.id,
      status: n.status,
      sessions: n.sessions,
      ...(n.detail ? { detail: n.detail } : n.status === 'up' ? { detail: `idle cpu ${n.idleCpu.toFixed(1)} %, ${n.sessionsPerSecond} cps` } : {}),
    }));
    const up = nodes.filter((n) => n.status === 'up').length;
    let activeLegs = 0;
    for (const leg of this.#legs.values()) if (leg.state !== 'ended') activeLegs++;
    return { status: up === nodes.length ? 'up' : up === 0 ? 'down' : 'degraded', nodes, activeLegs };
  }

  /** Live legs (tests, resynchronisation). */
  legs(): FsCallLeg[] {
    return [...this.#legs.values()];
  }

  /** Runs `api <command>` on a node (default: the first one up) — for resynchronisation (`show channels as json`). */
  async api(command: string, nodeId?: string): Promise<string> {
    const node = nodeId ? this.#nodes.find((n) => n.id === nodeId) : this.#nodes.find((n) => n.status === 'up');
    if (!node) throw new EngineUnavailableError(nodeId ? `no FreeSWITCH node ${nodeId}` : 'no FreeSWITCH node is up');
    return node.conn.api(command);
  }

  /** Runs `bgapi <command>` on a node and resolves with the job's result. */
  async bgapi(command: string, timeoutMs: number, nodeId?: string): Promise<string> {
    const node = nodeId ? this.#nodes.find((n) => n.id === nodeId) : this.#nodes.find((n) => n.status === 'up');
    if (!node) throw new EngineUnavailableError(nodeId ? `no FreeSWITCH node ${nodeId}` : 'no FreeSWITCH node is up');
    return node.conn.bgapi(command, timeoutMs);
  }

  /**
   * The channels every node that is up reports (`show channels as json`), for the ACD to
   * resynchronise after `reconnected`. Nodes that fail to answer are listed in `errors`.
   */
  async listChannels(): Promise<{ channels: LiveChannel[]; errors: Array<{ nodeId: string; message: string }> }> {
    const channels: LiveChannel[] = [];
    const errors: Array<{ nodeId: string; message: string }> = [];
    await Promise.all(
      this.#nodes
        .filter((n) => n.status === 'up')
        .map(async (n) => {
          try {
            channels.push(...parseShowChannels(await n.conn.api('show channels as json'), n.id));
          } catch (err) {
            errors.push({ nodeId: n.id, message: err instanceof Error ? err.message : String(err) });
          }
        }),
    );
    return { channels, errors };
  }

  /**
   * HA: only the active control plane takes calls. While not taking them the outbound socket
   * server does not listen, so FreeSWITCH's `socket` application is refused at once and the
   * dialplan tries the next control plane address. Live legs keep their sockets.
   */
  async setTakingCalls(taking: boolean): Promise<void> {
    if (taking === this.#takingCalls) return;
    this.#takingCalls = taking;
    if (!this.#started) return;
    if (taking) await this.#server.listen();
    else this.#server.close(false);
    this.#log.info({ taking }, taking ? 'taking calls: outbound socket server listening' : 'not taking calls: outbound socket server closed');
  }

  /**
   * Channels on the nodes that no socket of ours controls: after a takeover, the calls the
   * previous active drove. A waiting caller is reclaimed with `uuid_transfer` to the
   * dialplan's re-attach extension, which runs `socket` to the control plane again (same
   * uuid, same variables). A bridged call is followed until it ends (CHANNEL_HANGUP_COMPLETE
   * on the inbound connection), never touched.
   */
  async orphanCalls(): Promise<OrphanCallList> {
    const { channels, errors } = await this.listChannels();
    const target = this.#o.reattach ?? { extension: 'reattach', context: 'switchboard-fallback' };
    const calls: OrphanCall[] = [];
    for (const c of channels) {
      if (this.#legs.has(c.uuid) || this.#awaitingSocket.has(c.uuid)) continue;
      try {
        assertUuid(c.uuid, 'channel uuid');
      } catch {
        continue; // not one of ours: our legs and callers all have uuids
      }
      const node = this.#nodes.find((n) => n.id === c.nodeId);
      calls.push({
        id: c.uuid,
        nodeId: c.nodeId,
        direction: c.direction,
        bridged: BRIDGED_STATES.has(c.state),
        ended: this.#hangups.whenEnded(c.uuid),
        reclaim: async () => {
          if (!node || node.status !== 'up') throw new EngineUnavailableError(`FreeSWITCH node ${c.nodeId} is not up`);
          const reply = await node.conn.api(`uuid_transfer ${c.uuid} ${target.extension} XML ${target.context}`);
          if (!reply.startsWith('+OK')) throw new MediaCommandError('reclaim', reply.trim());
        },
      });
    }
    return { calls, errors };
  }

  // ---- originate -------------------------------------------------------------

  /** The `originate` argument for a request (exported for tests and docs). */
  buildOriginate(request: OriginateRequest, legId: string): string {
    if (!Number.isInteger(request.timeoutMs) || request.timeoutMs < 1000 || request.timeoutMs > 600000) {
      throw new UnsafeValueError('originate timeoutMs', 'must be a whole number of milliseconds from 1000 to 600000');
    }
    assertUuid(legId, 'originate legId');
    if (!/^[0-9A-Za-z+*#._-]{1,64}$/.test(request.callerId.number)) {
      throw new UnsafeValueError(`caller id number ${JSON.stringify(request.callerId.number)}`, 'must contain only digits, letters and + * # . _ - (at most 64)');
    }
    const vars: Array<[string, string]> = [
      ['origination_uuid', legId],
      ['originate_timeout', String(Math.ceil(request.timeoutMs / 1000))],
      ['origination_caller_id_number', request.callerId.number],
    ];
    if (request.callerId.name !== undefined) {
      assertSafeValue(request.callerId.name, 'caller id name');
      vars.push(['origination_caller_id_name', request.callerId.name]);
    }
    const reserved = new Set(vars.map(([n]) => n));
    for (const [name, value] of Object.entries(request.variables ?? {})) {
      if (reserved.has(name)) throw new UnsafeValueError(`variable ${name}`, 'is set by the engine itself; use the request field instead');
      vars.push([name, value]);
    }
    for (const [name, value] of Object.entries(request.sipHeaders ?? {})) {
      vars.push([sipHeaderVariable(name), value]);
    }
    let endpoint: string;
    if (request.to.kind === 'user') {
      assertUser(request.to.user);
      const domain = this.#o.userDomain;
      endpoint = `user/${request.to.user}${domain && !request.to.user.includes('@') ? `@${domain}` : ''}`;
    } else {
      assertDialNumber(request.to.number);
      const gateway = request.to.gateway ?? this.#o.defaultGateway;
      if (!gateway) throw new MediaCommandError('originate', 'no gateway for a number: set to.gateway or the engine defaultGateway');
      assertGateway(gateway);
      endpoint = `sofia/gateway/${gateway}/${request.to.number}`;
    }
    const sock = this.#o.outboundSocket;
    const target = `${sock.advertiseHost ?? sock.host}:${this.#server.port}`;
    return `${variableBlock(vars)}${endpoint} '&socket(${target} async full)'`;
  }

  async originate(request: OriginateRequest): Promise<CallLeg> {
    const legId = request.legId ?? randomUUID();
    const command = `originate ${this.buildOriginate(request, legId)}`;
    const signal = request.signal;
    if (signal?.aborted) throw abortReason(signal);
    const node = this.#pickNode(request.near);
    if (this.#awaitingSocket.has(legId) || this.#legs.has(legId)) throw new MediaCommandError('originate', `leg id ${legId} is already in use`);
    const log = this.#log.child({ callId: legId, node: node.id });
    let socketArrived!: (leg: FsCallLeg) => void;
    const socketP = new Promise<FsCallLeg>((resolve) => {
      socketArrived = resolve;
    });
    this.#awaitingSocket.set(legId, { resolve: socketArrived, nodeId: node.id });
    this.#placedOn.set(legId, node.id);
    node.inflight++;
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      void node.conn.api(`uuid_kill ${legId} ORIGINATOR_CANCEL`).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      try {
        await node.conn.bgapi(command, request.timeoutMs + 10000);
      } catch (err) {
        if (aborted && signal) throw abortReason(signal);
        if (err instanceof MediaCommandError && !(err instanceof UnsafeValueError)) {
          const cause = causeOfReply(err.detail);
          log.info({ cause }, 'originate failed');
          throw new OriginateError(normaliseOriginateCause(cause), cause);
        }
        throw err;
      }
      if (aborted && signal) throw abortReason(signal);
      const waitMs = this.#o.socketWaitMs ?? 10000;
      const controller = new AbortController();
      const leg = await Promise.race([socketP, this.clock.sleep(waitMs, controller.signal).then(() => null)]);
      controller.abort();
      if (!leg) {
        void node.conn.api(`uuid_kill ${legId} NORMAL_TEMPORARY_FAILURE`).catch(() => undefined);
        throw new OriginateError('failed', 'SOCKET_TIMEOUT', `originate answered but the call's socket did not reach the control plane within ${waitMs} ms (check outboundSocket.advertiseHost)`);
      }
      if (aborted && signal) {
        await leg.hangup('ORIGINATOR_CANCEL').catch(() => undefined);
        throw abortReason(signal);
      }
      return leg;
    } catch (err) {
      this.#placedOn.delete(legId);
      if (err instanceof MediaTimeoutError) void node.conn.api(`uuid_kill ${legId}`).catch(() => undefined);
      throw err;
    } finally {
      this.#awaitingSocket.delete(legId);
      node.inflight--;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Least loaded node that is up: sessions (plus originates in flight) per capacity, then idle CPU. */
  #pickNode(near?: CallLeg): NodeState {
    if (near) {
      const nodeId = this.#legNode.get(near.id);
      const node = this.#nodes.find((n) => n.id === nodeId || (n.coreUuid !== '' && n.coreUuid === nodeId));
      if (node) {
        if (node.status !== 'up') throw new EngineUnavailableError(`FreeSWITCH node ${node.id} carrying leg ${near.id} is down`);
        return node;
      }
    }
    const up = this.#nodes.filter((n) => n.status === 'up');
    if (up.length === 0) throw new EngineUnavailableError(`no FreeSWITCH node is up (${this.#nodes.map((n) => `${n.id}: ${n.detail ?? n.status}`).join('; ')})`);
    const score = (n: NodeState): number => {
      const capacity = n.maxSessions > 0 ? n.maxSessions : 1000;
      const cpuPenalty = n.idleCpu < 10 ? 1 : 0;
      return (n.sessions + n.inflight) / capacity + cpuPenalty;
    };
    return up.reduce((best, n) => (score(n) < score(best) ? n : best));
  }

  // ---- legs and nodes ---------------------------------------------------------------

  #nodeIdOf(coreUuid: string): string {
    const byCore = this.#nodes.find((n) => n.coreUuid !== '' && n.coreUuid === coreUuid);
    if (byCore) return byCore.id;
    if (this.#nodes.length === 1) return (this.#nodes[0] as NodeState).id;
    return coreUuid || 'unknown';
  }

  #onLeg(leg: FsCallLeg): void {
    const placed = this.#placedOn.get(leg.id);
    const nodeId = placed ?? leg.nodeId;
    this.#legs.set(leg.id, leg);
    this.#legNode.set(leg.id, nodeId);
    void leg.ended.then(() => {
      this.#legs.delete(leg.id);
      this.#legNode.delete(leg.id);
      this.#placedOn.delete(leg.id);
    });
    const waiter = this.#awaitingSocket.get(leg.id);
    if (waiter) {
      waiter.resolve(leg);
      return;
    }
    if (placed) {
      // An originate that gave up (timeout, abort) before the socket came: do not leave the call up.
      void leg.hangup('ORIGINATOR_CANCEL').catch(() => undefined);
      return;
    }
    this.emit('call', leg);
  }

  readonly #legNode = new Map<string, string>();

  #onNodeEvent(node: NodeState, e: FsEvent): void {
    this.#o.onEslEvent?.(node.id, eventName(e));
    if (!node.coreUuid) {
      const core = e.event.get('Core-UUID');
      if (core) node.coreUuid = core;
    }
    if (e.type === 'HEARTBEAT') {
      node.sessions = e.sessions;
      node.maxSessions = e.maxSessions;
      node.idleCpu = e.idleCpu;
      node.sessionsPerSecond = e.sessionsPerSecond;
      node.lastHeartbeatAt = this.clock.now();
      if (e.coreUuid) node.coreUuid = e.coreUuid;
      this.#armHeartbeatWatch(node);
      return;
    }
    if (e.type === 'AVMD') {
      this.#legs.get(e.uuid)?.handleNodeEvent(e);
      return;
    }
    if (e.type === 'CHANNEL_HANGUP_COMPLETE' && e.uuid) this.#hangups.gone(e.uuid, e.cause);
  }

  #armHeartbeatWatch(node: NodeState): void {
    node.heartbeatTimer?.cancel();
    const ms = this.#o.heartbeatTimeoutMs ?? 65000;
    node.heartbeatTimer = this.clock.setTimer(ms, () => {
      node.heartbeatTimer = null;
      this.#log.warn({ node: node.id, ms }, 'no HEARTBEAT from FreeSWITCH; dropping the connection');
      node.conn.drop();
    });
  }

  #nodeUp(node: NodeState, again: boolean): void {
    node.downTimer?.cancel();
    node.downTimer = null;
    node.status = 'up';
    node.detail = undefined;
    this.#armHeartbeatWatch(node);
    if (again) {
      this.emit('reconnected', { nodeId: node.id });
      void this.#resync(node);
    }
  }

  /**
   * After the inbound connection came back: a hang-up may have been missed while it was
   * away. Legs of ours on that node that the switch no longer lists are ended here.
   */
  async #resync(node: NodeState): Promise<void> {
    try {
      // Only legs we had before asking: one whose socket arrives meanwhile is not in the answer.
      const before = [...this.#legs];
      const listed = new Set(parseShowChannels(await node.conn.api('show channels as json'), node.id).map((c) => c.uuid));
      for (const [id, leg] of before) {
        const on = this.#legNode.get(id);
        if ((on === node.id || (node.coreUuid !== '' && on === node.coreUuid)) && leg.state !== 'ended' && !listed.has(id)) {
          this.#log.warn({ node: node.id, callId: id }, 'leg no longer on the switch after reconnecting; ending it');
          leg.lose('CHANNEL_GONE');
        }
      }
    } catch (err) {
      this.#log.warn({ node: node.id, err: err instanceof Error ? err.message : String(err) }, 'could not resynchronise legs after reconnecting');
    }
  }

  #nodeLost(node: NodeState, reason: string): void {
    node.status = 'down';
    node.detail = `connection lost: ${reason}`;
    node.heartbeatTimer?.cancel();
    node.heartbeatTimer = null;
    if (node.downTimer || !this.#started) return;
    node.downTimer = this.clock.setTimer(this.#o.nodeDownGraceMs ?? 5000, () => {
      node.downTimer = null;
      if (node.status === 'up') return;
      const lost: string[] = [];
      for (const [id, leg] of this.#legs) {
        // A leg that arrived before the node's Core-UUID was known carries the Core-UUID instead of the id.
        const on = this.#legNode.get(id);
        if ((on === node.id || (node.coreUuid !== '' && on === node.coreUuid)) && leg.state !== 'ended') lost.push(id);
      }
      this.#log.error({ node: node.id, lostLegs: lost.length }, 'FreeSWITCH node is down; its calls are reported lost');
      for (const id of lost) this.#legs.get(id)?.lose('NODE_DOWN');
      this.emit('node.down', { nodeId: node.id, lostLegIds: lost });
    });
  }
}
