/**
 * The inbound ESL connection to one FreeSWITCH node: authenticate, subscribe, run `api`
 * and `bgapi` commands (Job-UUID tracked to its BACKGROUND_JOB), and stay connected:
 * on loss everything pending rejects, the connection comes back with capped exponential
 * backoff and jitter, the subscription is restored and `reconnected` tells the engine to
 * resynchronise.
 */
import { createConnection } from 'node:net';
import type { Clock, TimerHandle } from '../../clock.js';
import { TypedEmitter } from '../../events.js';
import type { Logger } from '../../logger.js';
import { EngineUnavailableError, MediaCommandError, MediaTimeoutError } from '../errors.js';
import { EslChannel, replyText } from './EslChannel.js';
import type { EslFrame } from './EslParser.js';
import type { FsEvent } from './fsEvents.js';
import { assertSafeCommand } from './escape.js';

export interface EslConnectionOptions {
  host: string;
  port: number;
  password: string;
  clock: Clock;
  logger: Logger;
  /** Event names to subscribe to (plain format). CUSTOM subclasses may follow `CUSTOM`. */
  events: string[];
  /** Reply timeout for every command (default 5 s). */
  commandTimeoutMs?: number;
  /** Reconnect delays: first retry after `initialMs`, doubling up to `maxMs`, with ±50 % jitter. */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Random source for jitter (tests pin it). */
  random?: () => number;
  /** TCP connect timeout (default 5 s). */
  connectTimeoutMs?: number;
}

export type EslConnectionEventMap = {
  /** First successful connection. */
  connected: [];
  /** Connected again after a loss; state may have changed meanwhile. */
  reconnected: [];
  disconnected: [{ reason: string }];
  event: [FsEvent];
  /** Authentication was refused (wrong password): retrying will not help until config changes. */
  'auth.failed': [{ reason: string }];
};

interface PendingJob {
  resolve(result: string): void;
  reject(err: Error): void;
  timer: TimerHandle;
}

/** The node refused the ESL password. */
export class EslAuthError extends EngineUnavailableError {}

export class EslConnection extends TypedEmitter<EslConnectionEventMap> {
  readonly #o: Required<Omit<EslConnectionOptions, 'reconnect'>> & { reconnect: { initialMs: number; maxMs: number } };
  #channel: EslChannel | null = null;
  #ready = false;
  #everConnected = false;
  #stopped = true;
  #attempt = 0;
  #retryTimer: TimerHandle | null = null;
  readonly #jobs = new Map<string, PendingJob>();
  /**
   * BACKGROUND_JOB results nobody waited for yet: FreeSWITCH often sends the job's event in
   * the same chunk as the bgapi reply, before the awaiting code has registered the job.
   * Bounded (oldest dropped), since other clients' jobs are broadcast to us too.
   */
  readonly #unclaimedJobs = new Map<string, string>();
  #firstReady: { resolve(): void; reject(err: Error): void } | null = null;

  constructor(options: EslConnectionOptions) {
    super();
    this.#o = {
      commandTimeoutMs: 5000,
      random: Math.random,
      connectTimeoutMs: 5000,
      ...options,
      reconnect: { initialMs: options.reconnect?.initialMs ?? 250, maxMs: options.reconnect?.maxMs ?? 15000 },
    };
  }

  get id(): string {
    return `${this.#o.host}:${this.#o.port}`;
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Resolves once connected and subscribed; keeps retrying until then (rejects on a refused password). */
  start(): Promise<void> {
    if (!this.#stopped) return Promise.resolve();
    this.#stopped = false;
    return new Promise<void>((resolve, reject) => {
      this.#firstReady = { resolve, reject };
      this.#connect();
    });
  }

  /** Closes for good: no reconnect; pending commands reject. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#retryTimer?.cancel();
    this.#retryTimer = null;
    const ch = this.#channel;
    if (ch && !ch.closed) {
      await ch.send('exit', 'exit', 1000).catch(() => undefined);
      ch.close('stopped');
    }
    this.#firstReady?.reject(new EngineUnavailableError(`ESL ${this.id}: stopped before connecting`));
    this.#firstReady = null;
  }

  /** Drops the socket as if the network failed (heartbeat watchdog, tests); reconnects as usual. */
  drop(): void {
    this.#channel?.close('dropped');
  }

  /** `api <command>`: resolves with the response body; `-ERR …` rejects with MediaCommandError. */
  async api(command: string, timeoutMs = this.#o.commandTimeoutMs): Promise<string> {
    assertSafeCommand(command);
    const frame = await this.#channelOrThrow(command).send(`api ${command}`, `api ${firstWord(command)}`, timeoutMs);
    return replyText(frame);
  }

  /**
   * `bgapi <command>`: resolves with the BACKGROUND_JOB result (`+OK …`); `-ERR CAUSE`
   * rejects with MediaCommandError whose detail is the cause. `timeoutMs` bounds the job.
   */
  async bgapi(command: string, timeoutMs: number): Promise<string> {
    assertSafeCommand(command);
    const operation = `bgapi ${firstWord(command)}`;
    const started = this.#o.clock.now();
    const reply = await this.#channelOrThrow(command).send(`bgapi ${command}`, operation);
    const jobUuid = reply.headers['Job-UUID'] ?? /Job-UUID:\s*(\S+)/.exec(replyText(reply))?.[1];
    if (!jobUuid) throw new MediaCommandError(operation, `no Job-UUID in reply ${JSON.stringify(replyText(reply))}`);
    const remaining = Math.max(1, timeoutMs - (this.#o.clock.now() - started));
    const early = this.#unclaimedJobs.get(jobUuid);
    if (early !== undefined) this.#unclaimedJobs.delete(jobUuid);
    const result = early ?? await new Promise<string>((resolve, reject) => {
      const timer = this.#o.clock.setTimer(remaining, () => {
        this.#jobs.delete(jobUuid);
        reject(new MediaTimeoutError(operation, timeoutMs));
      });
      this.#jobs.set(jobUuid, { resolve, reject, timer });
    });
    if (result.startsWith('-ERR') || result.startsWith('-USAGE')) {
      throw new MediaCommandError(operation, result.replace(/^-ERR\s*/, '').trim());
    }
    return result;
  }

  #channelOrThrow(command: string): EslChannel {
    const ch = this.#channel;
    if (!ch || !this.#ready || ch.closed) {
      throw new EngineUnavailableError(`ESL ${this.id} is not connected (command ${firstWord(command)} not sent)`);
    }
    return ch;
  }

  #connect(): void {
    if (this.#stopped) return;
    const log = this.#o.logger;
    const socket = createConnection({ host: this.#o.host, port: this.#o.port });
    const connectTimer = this.#o.clock.setTimer(this.#o.connectTimeoutMs, () => socket.destroy(new Error('connect timeout')));
    socket.once('connect', () => connectTimer.cancel());
    socket.once('close', () => connectTimer.cancel());
    let authRequested: (() => void) | null = null;
    let closedEarly: ((err: Error) => void) | null = null;
    const authRequest = new Promise<void>((resolve, reject) => {
      authRequested = resolve;
      closedEarly = reject;
    });
    const channel = new EslChannel(
      socket,
      {
        onEvent: (event) => this.#onEvent(event),
        onNotice: (frame: EslFrame) => {
          if (frame.headers['Content-Type'] === 'auth/request') authRequested?.();
        },
        onClose: (error) => {
          closedEarly?.(error ?? new Error('connection closed'));
          this.#onClose(channel, error);
        },
      },
      { clock: this.#o.clock, commandTimeoutMs: this.#o.commandTimeoutMs },
    );
    this.#channel = channel;
    void (async () => {
      const authTimer = this.#o.clock.setTimer(this.#o.commandTimeoutMs + this.#o.connectTimeoutMs, () => channel.close('timed out waiting for auth/request'));
      await authRequest;
      authTimer.cancel();
      try {
        await channel.send(`auth ${this.#o.password}`, 'auth');
      } catch (err) {
        if (err instanceof MediaCommandError) {
          const reason = `FreeSWITCH ${this.id} refused the ESL password (${err.detail})`;
          log.error({ node: this.id }, reason);
          this.emit('auth.failed', { reason });
          this.#firstReady?.reject(new EslAuthError(reason));
          this.#firstReady = null;
        }
        channel.close('auth failed');
        return;
      }
      await channel.send(`event plain ${this.#o.events.join(' ')}`, 'event subscribe');
      this.#ready = true;
      this.#attempt = 0;
      if (this.#everConnected) {
        log.info({ node: this.id }, 'ESL reconnected; subscriptions restored');
        this.emit('reconnected');
      } else {
        this.#everConnected = true;
        log.info({ node: this.id }, 'ESL connected');
        this.emit('connected');
      }
      this.#firstReady?.resolve();
      this.#firstReady = null;
    })().catch((err: unknown) => {
      // While a node is down this repeats on every retry: debug, not warn.
      log.debug({ node: this.id, err: err instanceof Error ? err.message : String(err) }, 'ESL handshake failed');
      channel.close('handshake failed');
    });
  }

  #onEvent(event: FsEvent): void {
    if (event.type === 'BACKGROUND_JOB') {
      const job = this.#jobs.get(event.jobUuid);
      if (job) {
        this.#jobs.delete(event.jobUuid);
        job.timer.cancel();
        job.resolve(event.result);
      } else {
        this.#unclaimedJobs.set(event.jobUuid, event.result);
        if (this.#unclaimedJobs.size > 256) this.#unclaimedJobs.delete(this.#unclaimedJobs.keys().next().value as string);
      }
    }
    this.emit('event', event);
  }

  #onClose(channel: EslChannel, error: Error | null): void {
    if (this.#channel !== channel) return;
    const wasReady = this.#ready;
    this.#ready = false;
    this.#channel = null;
    const reason = error?.message ?? 'connection closed';
    for (const [id, job] of this.#jobs) {
      job.timer.cancel();
      job.reject(new EngineUnavailableError(`ESL ${this.id} lost while waiting for background job ${id}: ${reason}`));
    }
    this.#jobs.clear();
    if (wasReady) {
      this.#o.logger.warn({ node: this.id, reason }, 'ESL connection lost');
      this.emit('disconnected', { reason });
    }
    if (this.#stopped) return;
    const delay = this.nextDelay(this.#attempt++);
    this.#retryTimer = this.#o.clock.setTimer(delay, () => {
      this.#retryTimer = null;
      this.#connect();
    });
  }

  /** Backoff for the n-th consecutive retry: min(max, initial·2ⁿ) scaled by a jitter in [0.5, 1). */
  nextDelay(attempt: number): number {
    const base = Math.min(this.#o.reconnect.maxMs, this.#o.reconnect.initialMs * 2 ** Math.min(attempt, 30));
    return Math.round(base * (0.5 + this.#o.random() * 0.5));
  }
}

function firstWord(command: string): string {
  const i = command.indexOf(' ');
  return i === -1 ? command : command.slice(0, i);
}
