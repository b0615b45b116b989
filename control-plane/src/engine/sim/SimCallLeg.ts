/**
 * A simulated call leg: the same CallLeg contract as a FreeSWITCH channel, driven by the
 * virtual clock. Digits are queued as type-ahead until a collect consumes them; a prompt
 * with barge-in stops on the first digit; every pending operation rejects with
 * CallGoneError when the leg ends.
 */
import { TypedEmitter } from '../../events.js';
import { abortReason, type TimerHandle } from '../../clock.js';
import {
  CallGoneError,
  MediaCommandError,
  type CallerId,
  type CallLeg,
  type CallLegEvent,
  type CallLegEventMap,
  type CollectOptions,
  type CollectResult,
  type EavesdropMode,
  type HangupEvent,
  type HangupSide,
  type LegState,
  type MachineDetection,
  type PlayOptions,
  type PlayResult,
  type Prompt,
  type Recording,
  type RecordingStoppedEvent,
  type RecordOptions,
} from '../port.js';
import type { VirtualClock } from './VirtualClock.js';

export type SimRole = 'caller' | 'agent' | 'target' | 'other';

/** What a leg needs from the simulated world around it. */
export interface SimWorld {
  readonly clock: VirtualClock;
  promptDurationMs(prompt: Prompt): number;
  onAnswered(leg: SimCallLeg): void;
  onBridged(a: SimCallLeg, b: SimCallLeg): void;
  onEnded(leg: SimCallLeg): void;
  onTransfer(leg: SimCallLeg, target: string): void;
  onEavesdrop(leg: SimCallLeg, target: CallLeg, mode: EavesdropMode): void;
  amdVerdict(leg: SimCallLeg): { result: MachineDetection; afterMs: number };
  onRecordingStopped(leg: SimCallLeg, event: RecordingStoppedEvent, stereo: boolean): void;
  abandoned(leg: SimCallLeg): void;
}

export interface SimLegInit {
  id: string;
  direction: 'inbound' | 'outbound';
  callerId: CallerId;
  destination: string;
  variables?: Record<string, string>;
  role: SimRole;
  state?: LegState;
  patienceMs?: number;
  talkTimeMs?: number;
}

interface DigitWaiter {
  resolve(digit: string | null): void;
}

export function promptText(prompt: Prompt): string {
  switch (prompt.kind) {
    case 'file':
      return prompt.path;
    case 'tts':
      return prompt.text;
    case 'tone':
      return prompt.spec;
    case 'silence':
      return '';
  }
}

export class SimCallLeg extends TypedEmitter<CallLegEventMap> implements CallLeg {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  readonly callerId: CallerId;
  readonly destination: string;
  readonly role: SimRole;
  readonly ended: Promise<HangupEvent>;
  /** Caller model: total time on hold it will accept, and conversation length once bridged. */
  readonly patienceMs: number;
  talkTimeMs: number | undefined;
  /** Set on outbound targets: what actually answered. */
  answeredBy: 'human' | 'machine' | null = null;

  readonly #world: SimWorld;
  readonly #variables: Record<string, string>;
  #state: LegState;
  #resolveEnded!: (e: HangupEvent) => void;
  #digits: string[] = [];
  #digitWaiters = new Set<DigitWaiter>();
  #gone = new Set<(err: Error) => void>();
  #timers = new Set<TimerHandle>();
  #bridgedWith: SimCallLeg | null = null;
  #onHold = false;
  #holdStartedAt = 0;
  #heldMs = 0;
  #patienceTimer: TimerHandle | null = null;
  #recordings = new Set<SimRecording>();
  #promptsStarted: Array<{ text: string; at: number }> = [];
  #promptWatchers = new Set<() => void>();
  #hangup: HangupEvent | null = null;

  constructor(world: SimWorld, init: SimLegInit) {
    super();
    this.#world = world;
    this.id = init.id;
    this.direction = init.direction;
    this.callerId = init.callerId;
    this.destination = init.destination;
    this.role = init.role;
    this.#variables = { ...(init.variables ?? {}) };
    this.#state = init.state ?? 'ringing';
    this.patienceMs = init.patienceMs ?? Number.POSITIVE_INFINITY;
    this.talkTimeMs = init.talkTimeMs;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  get state(): LegState {
    return this.#state;
  }
  get variables(): Readonly<Record<string, string>> {
    return this.#variables;
  }
  get bridgedWith(): SimCallLeg | null {
    return this.#bridgedWith;
  }
  get onHold(): boolean {
    return this.#onHold;
  }
  get hangupEvent(): HangupEvent | null {
    return this.#hangup;
  }
  /** Prompts this leg has heard, in order (for tests and the IVR test runner). */
  get promptsHeard(): ReadonlyArray<{ text: string; at: number }> {
    return this.#promptsStarted;
  }

  // ── operations of the port ──────────────────────────────────────────────

  async answer(): Promise<void> {
    this.#assertLive('answer');
    if (this.#state !== 'ringing') return;
    this.#state = 'answered';
    this.#emitEvent({ type: 'answered', legId: this.id, at: this.#now() });
    this.#world.onAnswered(this);
  }

  async hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
    this.end(cause, 'local');
  }

  async play(prompt: Prompt | Prompt[], options: PlayOptions = {}): Promise<PlayResult> {
    const prompts = Array.isArray(prompt) ? prompt : [prompt];
    for (const p of prompts) {
      this.#assertLive('play');
      const interruptedBy = await this.#playOne(p, options.bargeIn ?? false, options.signal);
      if (interruptedBy !== undefined) return { interruptedBy };
    }
    return {};
  }

  async collect(options: CollectOptions): Promise<CollectResult> {
    this.#assertLive('collect');
    if (options.minDigits < 0 || options.maxDigits < Math.max(1, options.minDigits)) {
      throw new MediaCommandError('collect', `invalid digit bounds min=${options.minDigits} max=${options.maxDigits}`);
    }
    const tries = Math.max(1, options.tries ?? 1);
    const regex = options.validRegex ? new RegExp(`^(?:${options.validRegex})$`) : null;
    let outcome: CollectResult['outcome'] = 'timeout';
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (options.prompt && this.#digits.length === 0) await this.#playOne(options.prompt, true, options.signal);
      const got = await this.#gather(options);
      const valid = got.digits.length >= options.minDigits && got.digits.length > 0 && (!regex || regex.test(got.digits));
      if (valid) {
        return { digits: got.digits, outcome: 'ok', attempts: attempt, ...(got.terminator ? { terminator: got.terminator } : {}) };
      }
      outcome = got.digits.length === 0 && !got.terminator ? 'timeout' : 'invalid';
      if (attempt < tries && options.invalidPrompt) await this.#playOne(options.invalidPrompt, false, options.signal);
    }
    return { digits: '', outcome, attempts: tries };
  }

  async startMusicOnHold(_stream?: string): Promise<void> {
    this.#assertLive('startMusicOnHold');
    if (this.#onHold) return;
    this.#onHold = true;
    this.#holdStartedAt = this.#now();
    this.#promptStarted(`moh:${_stream ?? 'default'}`);
    const left = this.patienceMs - this.#heldMs;
    if (Number.isFinite(left)) {
      this.#patienceTimer = this.#timer(Math.max(0, left), () => {
        this.#world.abandoned(this);
        this.end('NORMAL_CLEARING', 'remote');
      });
    }
  }

  async stopMusicOnHold(): Promise<void> {
    this.#stopHold();
  }

  async record(options: RecordOptions): Promise<Recording> {
    this.#assertLive('record');
    const rec = new SimRecording(this, options, () => this.#now(), (event) => {
      this.#recordings.delete(rec);
      this.#emitEvent(event);
      this.#world.onRecordingStopped(this, event, options.stereo);
    });
    this.#recordings.add(rec);
    if (options.maxDurationMs) this.#timer(options.maxDurationMs, () => void rec.stop());
    return rec;
  }

  async bridge(other: CallLeg): Promise<void> {
    this.#assertLive('bridge');
    if (!(other instanceof SimCallLeg)) throw new MediaCommandError('bridge', 'can only bridge simulator legs');
    if (other.state === 'ended') throw new CallGoneError(other.id);
    if (this.#bridgedWith || other.#bridgedWith) throw new MediaCommandError('bridge', 'a leg is already bridged');
    if (other === this) throw new MediaCommandError('bridge', 'cannot bridge a leg to itself');
    for (const leg of [this, other]) {
      if (leg.#state === 'ringing') await leg.answer();
      leg.#stopHold();
    }
    this.#bridgedWith = other;
    other.#bridgedWith = this;
    this.#state = 'bridged';
    other.#state = 'bridged';
    const at = this.#now();
    this.#emitEvent({ type: 'bridged', legId: this.id, at, otherLegId: other.id });
    other.#emitEvent({ type: 'bridged', legId: other.id, at, otherLegId: this.id });
    this.#world.onBridged(this, other);
  }

  async transfer(target: string): Promise<void> {
    this.#assertLive('transfer');
    if (!/^(sip:[^\s@]+@[^\s]+|[0-9*#+]{1,32})$/.test(target)) {
      throw new MediaCommandError('transfer', `not a SIP URI or extension: ${JSON.stringify(target)}`);
    }
    this.#variables.transfer_target = target;
    this.#world.onTransfer(this, target);
    this.end('NORMAL_CLEARING', 'local');
  }

  async detectMachine(options: { timeoutMs: number; signal?: AbortSignal }): Promise<MachineDetection> {
    this.#assertLive('detectMachine');
    const verdict = this.#world.amdVerdict(this);
    const result = verdict.afterMs <= options.timeoutMs ? verdict.result : 'unknown';
    await this.#wait(Math.min(verdict.afterMs, options.timeoutMs), options.signal);
    this.#emitEvent({ type: 'machine.detected', legId: this.id, at: this.#now(), result });
    return result;
  }

  async eavesdrop(target: CallLeg, mode: EavesdropMode): Promise<void> {
    this.#assertLive('eavesdrop');
    if (target.state === 'ended') throw new CallGoneError(target.id);
    this.#world.onEavesdrop(this, target, mode);
  }

  async setVariable(name: string, value: string): Promise<void> {
    this.#assertLive('setVariable');
    this.#variables[name] = value;
  }

  // ── the far end (used by the simulator) ─────────────────────────────────

  /** The far end presses a key. */
  receiveDtmf(digit: string): void {
    if (this.#state === 'ended') return;
    this.#emitEvent({ type: 'dtmf', legId: this.id, at: this.#now(), digit });
    const waiter = this.#digitWaiters.values().next().value as DigitWaiter | undefined;
    if (waiter) {
      this.#digitWaiters.delete(waiter);
      waiter.resolve(digit);
    } else this.#digits.push(digit);
  }

  /** Resolves when a prompt containing `text` starts at or after `since`. */
  waitForPrompt(text: string, since: number): Promise<void> {
    const seen = (): boolean => this.#promptsStarted.some((p) => p.at >= since && p.text.includes(text));
    if (seen()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (seen()) {
          this.#promptWatchers.delete(check);
          this.#gone.delete(onGone);
          resolve();
        }
      };
      const onGone = (err: Error): void => {
        this.#promptWatchers.delete(check);
        reject(err);
      };
      this.#promptWatchers.add(check);
      this.#gone.add(onGone);
    });
  }

  /** Ends the leg (idempotent). A bridged peer is unbridged and hung up as the far end. */
  end(cause: string, side: HangupSide): void {
    if (this.#state === 'ended') return;
    this.#stopHold();
    this.#state = 'ended';
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    for (const rec of [...this.#recordings]) rec.stopNow();
    const peer = this.#bridgedWith;
    const at = this.#now();
    if (peer) {
      this.#bridgedWith = null;
      peer.#bridgedWith = null;
      this.#emitEvent({ type: 'unbridged', legId: this.id, at, otherLegId: peer.id });
      peer.#emitEvent({ type: 'unbridged', legId: peer.id, at, otherLegId: this.id });
      if (peer.#state !== 'ended') peer.#state = 'answered';
    }
    const event: HangupEvent = { type: 'hangup', legId: this.id, at, cause, side };
    this.#hangup = event;
    const err = new CallGoneError(this.id);
    for (const fail of [...this.#gone]) fail(err);
    this.#gone.clear();
    for (const w of [...this.#digitWaiters]) w.resolve(null);
    this.#digitWaiters.clear();
    this.#emitEvent(event);
    this.#resolveEnded(event);
    this.#world.onEnded(this);
    // Like FreeSWITCH: the other leg is hung up when the bridge ends, unless it asked to be
    // parked afterwards (park_after_bridge=true).
    if (peer && peer.#variables.park_after_bridge !== 'true') peer.end('NORMAL_CLEARING', 'remote');
  }

  /** A timer owned by this leg, cancelled when it ends. */
  timer(ms: number, fn: () => void): TimerHandle {
    return this.#timer(ms, fn);
  }

  // ── internals ───────────────────────────────────────────────────────────

  #now(): number {
    return this.#world.clock.now();
  }

  #emitEvent(event: CallLegEvent): void {
    this.emit(event.type, event as never);
    this.emit('event', event);
  }

  #assertLive(operation: string): void {
    if (this.#state === 'ended') throw new CallGoneError(this.id, `${operation} on ended leg ${this.id}`);
  }

  #timer(ms: number, fn: () => void): TimerHandle {
    const handle = this.#world.clock.setTimer(ms, () => {
      this.#timers.delete(handle);
      fn();
    });
    this.#timers.add(handle);
    return handle;
  }

  #stopHold(): void {
    if (!this.#onHold) return;
    this.#onHold = false;
    this.#heldMs += this.#now() - this.#holdStartedAt;
    this.#patienceTimer?.cancel();
    this.#patienceTimer = null;
  }

  #promptStarted(text: string): void {
    this.#promptsStarted.push({ text, at: this.#now() });
    for (const check of [...this.#promptWatchers]) check();
  }

  /**
   * The one waiting primitive: resolves with `onTimeout` after `ms`, or with what `onDigit`
   * makes of the first digit pressed (when given); rejects with CallGoneError when the leg
   * ends and with the signal's reason on abort. Everything it registered is removed either way.
   */
  #race<T>(ms: number, onTimeout: T, signal?: AbortSignal, onDigit?: (digit: string) => T): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      let waiter: DigitWaiter | null = null;
      const cleanup = (): void => {
        timer.cancel();
        this.#gone.delete(onGone);
        signal?.removeEventListener('abort', onAbort);
        if (waiter) this.#digitWaiters.delete(waiter);
      };
      const timer = this.#timer(ms, () => {
        cleanup();
        resolve(onTimeout);
      });
      const onGone = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const onAbort = (): void => {
        cleanup();
        reject(abortReason(signal as AbortSignal));
      };
      this.#gone.add(onGone);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (onDigit) {
        waiter = {
          resolve: (d) => {
            if (d === null) return; // the leg ended: onGone rejects
            cleanup();
            resolve(onDigit(d));
          },
        };
        this.#digitWaiters.add(waiter);
      }
    });
  }

  /** Waits `ms`, rejecting with CallGoneError if the leg ends or the signal's reason on abort. */
  #wait(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#race<void>(ms, undefined, signal);
  }

  /** Plays one prompt; returns the interrupting digit when barge-in stopped it. */
  async #playOne(prompt: Prompt, bargeIn: boolean, signal?: AbortSignal): Promise<string | undefined> {
    this.#assertLive('play');
    if (signal?.aborted) throw abortReason(signal);
    const started = this.#now();
    this.#promptStarted(promptText(prompt));
    const duration = this.#world.promptDurationMs(prompt);
    if (bargeIn && this.#digits.length > 0) {
      this.#emitEvent({ type: 'playback.done', legId: this.id, at: started, prompt, interrupted: true });
      return this.#digits[0];
    }
    const digit = await this.#race<string | undefined>(
      duration,
      undefined,
      signal,
      bargeIn
        ? (d) => {
            this.#digits.unshift(d); // the interrupting digit stays queued for a collect
            return d;
          }
        : undefined,
    );
    this.#emitEvent({ type: 'playback.done', legId: this.id, at: this.#now(), prompt, interrupted: digit !== undefined });
    return digit;
  }

  #nextDigit(timeoutMs: number, signal?: AbortSignal): Promise<string | null> {
    const queued = this.#digits.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    this.#assertLive('collect');
    return this.#race<string | null>(timeoutMs, null, signal, (d) => d);
  }

  async #gather(options: CollectOptions): Promise<{ digits: string; terminator?: string }> {
    let digits = '';
    const terminators = options.terminators ?? '';
    for (;;) {
      const timeout = digits.length === 0 ? options.timeoutMs : (options.interDigitTimeoutMs ?? options.timeoutMs);
      const d = await this.#nextDigit(timeout, options.signal);
      if (d === null) return { digits };
      if (terminators.includes(d)) return { digits, terminator: d };
      digits += d;
      if (digits.length >= options.maxDigits) return { digits };
    }
  }
}

/** A recording on a simulated leg. */
export class SimRecording implements Recording {
  readonly id: string;
  readonly path: string;
  readonly stereo: boolean;
  readonly startedAt: number;
  #leg: SimCallLeg;
  #pausedAt: number | null = null;
  #spans: Array<{ fromMs: number; toMs: number }> = [];
  #stopped: RecordingStoppedEvent | null = null;
  #onStop: (e: RecordingStoppedEvent) => void;
  #now: () => number;

  constructor(leg: SimCallLeg, options: RecordOptions, now: () => number, onStop: (e: RecordingStoppedEvent) => void) {
    this.#leg = leg;
    this.#now = now;
    const startedAt = now();
    this.id = `${leg.id}:rec:${startedAt}`;
    this.path = options.path;
    this.stereo = options.stereo;
    this.startedAt = startedAt;
    this.#onStop = onStop;
  }

  async pause(): Promise<void> {
    if (this.#stopped) throw new MediaCommandError('pause', 'recording already stopped');
    if (this.#pausedAt === null) this.#pausedAt = this.#elapsed();
  }

  async resume(): Promise<void> {
    if (this.#stopped) throw new MediaCommandError('resume', 'recording already stopped');
    if (this.#pausedAt !== null) {
      this.#spans.push({ fromMs: this.#pausedAt, toMs: this.#elapsed() });
      this.#pausedAt = null;
    }
  }

  async stop(): Promise<RecordingStoppedEvent> {
    return this.stopNow();
  }

  stopNow(): RecordingStoppedEvent {
    if (this.#stopped) return this.#stopped;
    const durationMs = this.#elapsed();
    if (this.#pausedAt !== null) this.#spans.push({ fromMs: this.#pausedAt, toMs: durationMs });
    this.#pausedAt = null;
    this.#stopped = {
      type: 'recording.stopped',
      legId: this.#leg.id,
      at: this.startedAt + durationMs,
      recordingId: this.id,
      path: this.path,
      durationMs,
      pausedSpans: [...this.#spans],
    };
    this.#onStop(this.#stopped);
    return this.#stopped;
  }

  #elapsed(): number {
    return (this.#leg.hangupEvent?.at ?? this.#now()) - this.startedAt;
  }
}
