/**
 * The live stream: a WebSocket endpoint on the control plane's HTTP server (default path
 * /api/realtime). A client authenticates with its API key — in the X-API-Key or
 * Authorization header of the upgrade, or (browsers) as the first message
 * `{"type":"auth","key":"…"}` within 5 s — then receives `{"type":"snapshot"}` at once and
 * every `snapshotMs`, and `{"type":"event"}` as things happen. Agent keys receive only
 * events about themselves (and the aggregate snapshot).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../logger.js';
import type { ApiKeyService } from '../auth/ApiKeyService.js';
import { presentedKey } from '../auth/middleware.js';
import type { Principal } from '../roles.js';
import type { RealtimeEvent, RealtimeSource } from './types.js';

export interface WebSocketHubOptions {
  source: RealtimeSource;
  keys: ApiKeyService;
  logger: Logger;
  path?: string;
  snapshotMs?: number;
  authTimeoutMs?: number;
}

export class WebSocketHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  readonly #o: Required<Omit<WebSocketHubOptions, 'logger'>> & { logger: Logger };
  readonly #clients = new Map<WebSocket, Principal>();
  #timer: NodeJS.Timeout | null = null;
  readonly #onEvent = (e: RealtimeEvent): void => this.#broadcastEvent(e);
  readonly #servers: Array<{ server: Server; listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void }> = [];

  constructor(options: WebSocketHubOptions) {
    this.#o = { path: '/api/realtime', snapshotMs: 1000, authTimeoutMs: 5000, ...options, logger: options.logger.child({ component: 'websocket' }) };
    this.#o.source.on('event', this.#onEvent);
    this.#timer = setInterval(() => this.#broadcastSnapshot(), this.#o.snapshotMs);
    this.#timer.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Handles upgrades for this hub's path on an http server; other paths are left alone. */
  attach(server: Server): void {
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== this.#o.path) return;
      void this.#upgrade(req, socket, head);
    };
    server.on('upgrade', listener);
    this.#servers.push({ server, listener });
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const key = presentedKey(req);
    let principal: Principal | null = null;
    if (key !== null) {
      principal = await this.#o.keys.verify(key).catch(() => null);
      if (!principal) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nunknown or revoked API key\n');
        return;
      }
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (principal) this.#admit(ws, principal);
      else this.#awaitAuth(ws);
    });
  }

  #awaitAuth(ws: WebSocket): void {
    const timer = setTimeout(() => ws.close(4401, 'authenticate first: {"type":"auth","key":"…"}'), this.#o.authTimeoutMs);
    ws.once('message', async (raw) => {
      clearTimeout(timer);
      let key: unknown;
      try {
        key = (JSON.parse(String(raw)) as { type?: string; key?: unknown }).key;
      } catch {
        key = undefined;
      }
      const principal = typeof key === 'string' ? await this.#o.keys.verify(key).catch(() => null) : null;
      if (!principal) {
        ws.close(4401, 'unknown or revoked API key');
        return;
      }
      this.#admit(ws, principal);
    });
  }

  #admit(ws: WebSocket, principal: Principal): void {
    this.#clients.set(ws, principal);
    ws.on('close', () => this.#clients.delete(ws));
    ws.on('error', () => this.#clients.delete(ws));
    this.#send(ws, { type: 'hello', role: principal.role, agentId: principal.agentId });
    this.#send(ws, { type: 'snapshot', snapshot: this.#o.source.snapshot() });
  }

  #send(ws: WebSocket, msg: unknown): void {
    if (ws.readyState !== ws.OPEN) return;
    // A client that does not read (buffer > 1 MB) is dropped rather than growing memory.
    if (ws.bufferedAmount > 1024 * 1024) {
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(msg));
  }

  #broadcastSnapshot(): void {
    if (!this.#clients.size) return;
    let snapshot;
    try {
      snapshot = this.#o.source.snapshot();
    } catch (err) {
      this.#o.logger.error({ err: (err as Error).message }, 'realtime snapshot failed');
      return;
    }
    const msg = { type: 'snapshot', snapshot };
    for (const ws of this.#clients.keys()) this.#send(ws, msg);
  }

  #broadcastEvent(e: RealtimeEvent): void {
    for (const [ws, p] of this.#clients) {
      if (p.role === 'agent' && e.agentId !== p.agentId) continue;
      this.#send(ws, { type: 'event', event: e });
    }
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#o.source.off('event', this.#onEvent);
    for (const { server, listener } of this.#servers) server.off('upgrade', listener);
    for (const ws of this.#clients.keys()) ws.close(1001, 'server shutting down');
    await new Promise<void>((r) => this.#wss.close(() => r()));
  }
}
