/**
 * The outbound socket server: FreeSWITCH connects here once per call
 * (`socket <cp>:8084 async full` in the dialplan, `&socket(…)` for originates). Each
 * connection becomes one FsCallLeg after `connect` (channel data), `myevents` (this
 * channel's events) and `linger` (keep the socket after hang-up so the final events
 * arrive).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import { EslChannel } from './EslChannel.js';
import { decodeValue, EslEvent } from './EslEvent.js';
import type { FsEvent } from './fsEvents.js';
import { FsCallLeg, type FsCallLegOptions } from './FsCallLeg.js';

export interface OutboundServerOptions {
  host: string;
  port: number;
  clock: Clock;
  logger: Logger;
  commandTimeoutMs?: number;
  /** Called with each new leg once its socket is set up. */
  onLeg(leg: FsCallLeg): void;
  /** Extra options for every leg (TTS voice, transfer context, Event-UUID generator …). */
  legOptions?: Partial<Pick<FsCallLegOptions, 'newId' | 'tts' | 'transferContext' | 'musicOnHold'>>;
  /** Maps a channel's Core-UUID to the node id it belongs to. */
  nodeOf?: (coreUuid: string) => string;
  /** Told of every event a call's socket delivers (metrics). */
  onEvent?: (nodeId: string, event: FsEvent) => void;
}

export class OutboundServer {
  readonly #o: OutboundServerOptions;
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();

  constructor(options: OutboundServerOptions) {
    this.#o = options;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    const addr = this.#server?.address();
    return addr && typeof addr === 'object' ? addr.port : this.#o.port;
  }

  listen(): Promise<void> {
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port, this.#o.host, () => {
        server.off('error', reject);
        this.#o.logger.info({ host: this.#o.host, port: this.port }, 'outbound ESL socket server listening');
        resolve();
      });
    });
  }

  /** Stops accepting calls. Live legs keep their sockets unless `dropLive`. */
  close(dropLive = false): void {
    const server = this.#server;
    this.#server = null;
    if (dropLive) for (const s of this.#sockets) s.destroy();
    // close() stops accepting at once; its callback would wait for every live call's socket.
    server?.close();
  }

  #accept(socket: Socket): void {
    const o = this.#o;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    let leg: FsCallLeg | null = null;
    const early: FsEvent[] = [];
    const channel = new EslChannel(
      socket,
      {
        onEvent: (e) => {
          o.onEvent?.(leg?.nodeId ?? 'unknown', e);
          if (leg) leg.handleEvent(e);
          else early.push(e);
        },
        onNotice: (frame) => {
          if (frame.headers['Content-Type'] === 'text/disconnect-notice') {
            leg?.handleSocketEnd(frame.headers['Content-Disposition'] === 'linger' ? 'linger-notice' : 'disconnect-notice');
          }
        },
        onClose: () => leg?.handleSocketEnd('closed'),
      },
      { clock: o.clock, commandTimeoutMs: o.commandTimeoutMs ?? 5000 },
    );
    void (async () => {
      const reply = await channel.send('connect', 'connect');
      // The connect reply's headers are the channel data, URL-encoded like an event's.
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(reply.headers)) data[k] = decodeValue(v);
      const channelData = EslEvent.fromHeaders(data);
      if (!channelData.get('Unique-ID')) throw new Error('connect reply carried no Unique-ID');
      await channel.send('myevents', 'myevents');
      await channel.send('linger', 'linger');
      const coreUuid = channelData.get('Core-UUID') ?? '';
      leg = new FsCallLeg({
        channel,
        channelData,
        clock: o.clock,
        logger: o.logger,
        nodeId: o.nodeOf ? () => (o.nodeOf as (c: string) => string)(coreUuid) : coreUuid,
        ...o.legOptions,
      });
      for (const e of early.splice(0)) leg.handleEvent(e);
      if (channel.closed) leg.handleSocketEnd('closed');
      o.onLeg(leg);
    })().catch((err: unknown) => {
      o.logger.warn({ err: err instanceof Error ? err.message : String(err), remote: channel.remoteAddress }, 'outbound socket setup failed');
      channel.close('setup failed');
    });
  }
}
