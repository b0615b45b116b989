/**
 * One ESL socket: framing, ordered command replies, events.
 *
 * FreeSWITCH answers the commands of one connection strictly in order, so a reply
 * belongs to the oldest command still waiting. What modesl gets wrong and this does not:
 * every command has a timeout; a command that timed out keeps its place in the queue
 * (its late reply is swallowed, never handed to the next command); everything pending
 * is rejected when the socket closes; writes stop when the kernel buffer is full instead
 * of growing without bound.
 */
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../clock.js';
import { EngineUnavailableError, MediaCommandError, MediaTimeoutError } from '../errors.js';
import { EslParser, EslProtocolError, type EslFrame } from './EslParser.js';
import { eventOfFrame } from './EslEvent.js';
import { toFsEvent, type FsEvent } from './fsEvents.js';

export interface EslChannelHandlers {
  onEvent(event: FsEvent): void;
  /** Frames that are neither replies nor events (auth/request, text/disconnect-notice …). */
  onNotice(frame: EslFrame): void;
  onClose(error: Error | null): void;
}

export interface EslChannelOptions {
  clock: Clock;
  /** Default timeout for a command's reply. */
  commandTimeoutMs: number;
  /** Refuse new commands while this many bytes wait in the socket's write buffer. */
  writeHighWaterBytes?: number;
}

interface PendingReply {
  operation: string;
  resolve(frame: EslFrame): void;
  reject(err: Error): void;
  timer: TimerHandle | null;
  /** Timed out: the reply will still come and must be dropped. */
  abandoned: boolean;
}

export class EslChannel {
  readonly #socket: Socket;
  readonly #handlers: EslChannelHandlers;
  readonly #options: Required<EslChannelOptions>;
  readonly #parser: EslParser;
  readonly #replies: PendingReply[] = [];
  #closed = false;

  constructor(socket: Socket, handlers: EslChannelHandlers, options: EslChannelOptions) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#options = { writeHighWaterBytes: 4 << 20, ...options };
    this.#parser = new EslParser((frame) => this.#onFrame(frame));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#parser.push(chunk);
      } catch (err) {
        // Garbage on the wire: the stream cannot be trusted any more.
        this.#shutdown(err instanceof EslProtocolError ? err : new EslProtocolError(String(err)));
      }
    });
    socket.on('error', (err) => this.#shutdown(err));
    socket.on('close', () => this.#shutdown(null));
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pendingCommands(): number {
    return this.#replies.length;
  }

  get remoteAddress(): string {
    return `${this.#socket.remoteAddress ?? '?'}:${this.#socket.remotePort ?? '?'}`;
  }

  /**
   * Sends one command (text without the final blank line) and resolves with its reply
   * frame. `-ERR` replies reject with MediaCommandError.
   */
  send(command: string, operation: string, timeoutMs = this.#options.commandTimeoutMs): Promise<EslFrame> {
    if (this.#closed) return Promise.reject(new EngineUnavailableError(`${operation}: ESL connection is closed`));
    if (this.#socket.writableLength > this.#options.writeHighWaterBytes) {
      return Promise.reject(new EngineUnavailableError(`${operation}: ESL write buffer is full (${this.#socket.writableLength} bytes waiting)`));
    }
    return new Promise<EslFrame>((resolve, reject) => {
      const pending: PendingReply = { operation, resolve, reject, timer: null, abandoned: false };
      pending.timer = this.#options.clock.setTimer(timeoutMs, () => {
        pending.abandoned = true;
        pending.timer = null;
        reject(new MediaTimeoutError(operation, timeoutMs));
      });
      this.#replies.push(pending);
      this.#socket.write(command.endsWith('\n\n') ? command : `${command}\n\n`);
    });
  }

  /** Closes the socket; pending commands reject. Idempotent. */
  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#shutdown(new EngineUnavailableError(`ESL connection ${reason}`));
  }

  #shutdown(error: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    const why = error ? `: ${error.message}` : '';
    for (const pending of this.#replies.splice(0)) {
      pending.timer?.cancel();
      if (!pending.abandoned) pending.reject(new EngineUnavailableError(`${pending.operation}: ESL connection lost before the reply${why}`));
    }
    this.#handlers.onClose(error);
  }

  #onFrame(frame: EslFrame): void {
    const type = frame.headers['Content-Type'];
    if (type === 'command/reply' || type === 'api/response') {
      const pending = this.#replies.shift();
      if (!pending) return; // unsolicited reply: nothing waits for it
      pending.timer?.cancel();
      if (pending.abandoned) return;
      const text = type === 'api/response' ? (frame.body?.toString('utf8') ?? '') : (frame.headers['Reply-Text'] ?? '');
      if (text.startsWith('-ERR') || text.startsWith('-USAGE')) {
        pending.reject(new MediaCommandError(pending.operation, text.replace(/^-ERR\s*/, '').trim()));
      } else {
        pending.resolve(frame);
      }
      return;
    }
    if (type === 'text/event-plain' || type === 'text/event-json') {
      let event;
      try {
        const raw = eventOfFrame(frame);
        if (!raw) return;
        event = toFsEvent(raw);
      } catch {
        return; // one undecodable event is dropped; the stream itself is still framed correctly
      }
      this.#handlers.onEvent(event);
      return;
    }
    this.#handlers.onNotice(frame);
  }
}

/** Text of a reply frame: the api body or the Reply-Text header. */
export function replyText(frame: EslFrame): string {
  if (frame.headers['Content-Type'] === 'api/response') return frame.body?.toString('utf8') ?? '';
  return frame.headers['Reply-Text'] ?? '';
}
