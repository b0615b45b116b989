/**
 * One call leg controlled over its own outbound ESL socket (`socket … async full`).
 *
 * Applications run with `sendmsg execute` carrying an Event-UUID; the command's
 * completion is the CHANNEL_EXECUTE_COMPLETE whose Application-UUID is that id. In async
 * mode FreeSWITCH queues applications, so media operations on one leg run in the order
 * they were asked. Immediate operations (stop music, record pause/resume, bridge,
 * variables, AMD) use `api uuid_*` on the same socket and do not wait behind a prompt.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../clock.js';
import { abortReason } from '../../clock.js';
import { TypedEmitter } from '../../events.js';
import type { Logger } from '../../logger.js';
import { CallGoneError, MediaCommandError } from '../errors.js';
import type {
  CallerId,
  CallLeg,
  CallLegEventMap,
  CollectOptions,
  CollectResult,
  EavesdropMode,
  HangupEvent,
  LegState,
  MachineDetection,
  PlayOptions,
  PlayResult,
  Prompt,
  RecordOptions,
  Recording,
  RecordingStoppedEvent,
} from '../port.js';
import type { EslChannel } from './EslChannel.js';
import { FsRecording } from './FsRecording.js';
import type { EslEvent } from './EslEvent.js';
import type { ExecuteEvent, FsEvent } from './fsEvents.js';
import { assertAppArg, assertSafeValue, assertSingleArg, assertUuid, assertVarName, UnsafeValueError } from './escape.js';

export interface FsCallLegOptions {
  channel: EslChannel;
  /** The channel data FreeSWITCH sent in reply to `connect`. */
  channelData: EslEvent;
  clock: Clock;
  logger: Logger;
  /**
   * Node this leg runs on: a node id, or a function giving it (a call can arrive before the
   * engine learnt its node's Core-UUID; the function answers with the node id once known).
   */
  nodeId: string | (() => string);
  /** Event-UUID generator (tests pin it to match recorded traces). */
  newId?: () => string;
  /** TTS engine and default voice for `{kind:'tts'}` prompts (default flite / kal). */
  tts?: { engine: string; voice: string };
  /** Dialplan context for blind transfers to an extension (default `agents`). */
  transferContext?: string;
  /** Default music-on-hold stream (default `local_stream://moh`). */
  musicOnHold?: string;
}

interface Execution {
  app: string;
  started: boolean;
  onStart: (() => void) | null;
  resolve(event: ExecuteEvent): void;
  reject(err: Error): void;
}

/** The channel variable play_and_get_digits writes the digits to. */
export const COLLECT_VARIABLE = 'ivr_choice';
const HANGUP_WAIT_MS = 5000;
const LINGER_WAIT_MS = 3000;
const HANGUP_CAUSE = /^[A-Z][A-Z0-9_]{1,63}$/;

export class FsCallLeg extends TypedEmitter<CallLegEventMap> implements CallLeg {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  readonly callerId: CallerId;
  readonly destination: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly #nodeId: string | (() => string);
  readonly ended: Promise<HangupEvent>;

  readonly #channel: EslChannel;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #newId: () => string;
  readonly #tts: { engine: string; voice: string };
  readonly #transferContext: string;
  readonly #moh: string;
  readonly #executions = new Map<string, Execution>();
  readonly #recordings = new Map<string, FsRecording>();
  #state: LegState;
  #hangup: HangupEvent | null = null;
  #hangupRequested = false;
  #resolveEnded!: (e: HangupEvent) => void;
  #bridgedWith: string | null = null;
  /** Current playback_terminators; null until we set it. */
  #terminators: string | null = null;
  #mohExecution: string | null = null;
  #lingerTimer: TimerHandle | null = null;
  #avmdWaiters = new Set<(event: FsEvent & { type: 'AVMD' }) => void>();

  constructor(o: FsCallLegOptions) {
    super();
    const d = o.channelData;
    this.#channel = o.channel;
    this.#clock = o.clock;
    this.#newId = o.newId ?? randomUUID;
    this.#tts = o.tts ?? { engine: 'flite', voice: 'kal' };
    this.#transferContext = o.transferContext ?? 'agents';
    this.#moh = o.musicOnHold ?? 'local_stream://moh';
    this.id = d.get('Unique-ID') ?? d.get('Channel-Unique-ID') ?? '';
    this.#nodeId = o.nodeId;
    this.direction = (d.get('Call-Direction') ?? d.get('Channel-Direction')) === 'outbound' ? 'outbound' : 'inbound';
    const name = d.get('Channel-Caller-ID-Name') ?? d.get('Caller-Caller-ID-Name');
    this.callerId = {
      number: d.get('Channel-Caller-ID-Number') ?? d.get('Caller-Caller-ID-Number') ?? '',
      ...(name ? { name } : {}),
    };
    this.destination = d.get('Channel-Destination-Number') ?? d.get('Caller-Destination-Number') ?? '';
    this.variables = Object.freeze(d.variables());
    const answerState = d.get('Answer-State');
    this.#state = answerState === 'answered' ? 'answered' : 'ringing';
    // The dialplan sets playback_terminators=none before the socket; no need to set it again.
    this.#terminators = d.get('variable_playback_terminators') ?? null;
    this.#log = o.logger.child({ callId: this.id, node: this.nodeId });
    this.ended = new Promise<HangupEvent>((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** The node carrying this leg (its id once the engine knows the node's Core-UUID). */
  get nodeId(): string {
    return typeof this.#nodeId === 'function' ? this.#nodeId() : this.#nodeId;
  }

  get state(): LegState {
    return this.#state;
  }

  // ---- events from the socket ----------------------------------------------------

  /** Called by the outbound server for every event on this leg's socket. */
  handleEvent(e: FsEvent): void {
    if (e.uuid && e.uuid !== this.id) {
      if (e.type === 'AVMD') for (const w of this.#avmdWaiters) w(e);
      return;
    }
    switch (e.type) {
      case 'CHANNEL_EXECUTE': {
        const ex = this.#executions.get(e.applicationUuid);
        if (ex && !ex.started) {
          ex.started = true;
          ex.onStart?.();
        }
        return;
      }
      case 'CHANNEL_EXECUTE_COMPLETE': {
        const ex = this.#executions.get(e.applicationUuid);
        if (!ex) return;
        this.#executions.delete(e.applicationUuid);
        if (!ex.started) {
          ex.started = true;
          ex.onStart?.();
        }
        if (this.#hangup) ex.reject(new CallGoneError(this.id, `${ex.app} ended because call leg ${this.id} hung up`));
        else ex.resolve(e);
        return;
      }
      case 'CHANNEL_ANSWER':
        if (this.#state === 'ringing') {
          this.#state = 'answered';
          this.emit('answered', this.#stamp({ type: 'answered' as const }));
          this.emit('event', this.#stamp({ type: 'answered' as const }));
        }
        return;
      case 'CHANNEL_BRIDGE':
        if (e.otherUuid && this.#bridgedWith === null) this.markBridged(e.otherUuid);
        return;
      case 'CHANNEL_UNBRIDGE':
        if (this.#bridgedWith !== null) this.markUnbridged();
        return;
      case 'DTMF': {
        const ev = this.#stamp({ type: 'dtmf' as const, digit: e.digit });
        this.emit('dtmf', ev);
        this.emit('event', ev);
        return;
      }
      case 'CHANNEL_HANGUP':
        this.finish(e.cause, this.#hangupRequested || e.disposition.startsWith('send_') ? 'local' : 'remote');
        return;
      case 'CHANNEL_HANGUP_COMPLETE':
        this.finish(e.cause, this.#hangupRequested || e.disposition.startsWith('send_') ? 'local' : 'remote');
        // The last event that matters: the socket has nothing more to tell us.
        this.#lingerTimer?.cancel();
        this.#channel.close('leg ended');
        return;
      case 'RECORD_STOP':
        for (const r of this.#recordings.values()) if (r.path === e.path) r.switchStopped(e.recordMs);
        return;
      case 'AVMD':
        for (const w of this.#avmdWaiters) w(e);
        return;
      default:
        return;
    }
  }

  /**
   * Called when the socket reports the end. With `linger`, FreeSWITCH still sends the
   * final events (CHANNEL_HANGUP_COMPLETE) after the notice, so we wait for them a little.
   */
  handleSocketEnd(reason: 'disconnect-notice' | 'linger-notice' | 'closed'): void {
    if (reason === 'linger-notice' && !this.#channel.closed) {
      this.#lingerTimer ??= this.#clock.setTimer(LINGER_WAIT_MS, () => this.handleSocketEnd('disconnect-notice'));
      return;
    }
    this.#lingerTimer?.cancel();
    if (!this.#hangup) this.finish(reason === 'closed' ? 'CONNECTION_LOST' : 'NORMAL_CLEARING', this.#hangupRequested ? 'local' : 'remote');
    this.#channel.close('leg ended');
  }

  /** Marks the leg gone (hang-up seen, socket lost, node down). Idempotent. */
  finish(cause: string, side: 'local' | 'remote'): void {
    if (this.#hangup) return;
    if (this.#bridgedWith !== null) this.markUnbridged();
    this.#state = 'ended';
    const ev: HangupEvent = this.#stamp({ type: 'hangup' as const, cause, side });
    this.#hangup = ev;
    for (const r of this.#recordings.values()) r.legEnded();
    for (const [id, ex] of this.#executions) {
      // Completions still arrive after a hang-up (FreeSWITCH reports them); whoever waits learns the leg is gone.
      this.#executions.delete(id);
      ex.reject(new CallGoneError(this.id, `${ex.app} ended because call leg ${this.id} hung up (${cause})`));
    }
    this.#log.info({ cause, side }, 'leg ended');
    this.emit('hangup', ev);
    this.emit('event', ev);
    this.#resolveEnded(ev);
  }

  /** The node carrying this leg is gone: end it and drop its socket. */
  lose(cause: string): void {
    this.finish(cause, 'remote');
    this.#channel.close('node down');
  }

  markBridged(otherId: string): void {
    if (this.#bridgedWith === otherId || this.#hangup) return;
    this.#bridgedWith = otherId;
    this.#state = 'bridged';
    const ev = this.#stamp({ type: 'bridged' as const, otherLegId: otherId });
    this.emit('bridged', ev);
    this.emit('event', ev);
  }

  markUnbridged(): void {
    const other = this.#bridgedWith;
    if (other === null) return;
    this.#bridgedWith = null;
    if (this.#state === 'bridged') this.#state = 'answered';
    const ev = this.#stamp({ type: 'unbridged' as const, otherLegId: other });
    this.emit('unbridged', ev);
    this.emit('event', ev);
  }

  #stamp<T extends object>(e: T): T & { legId: string; at: number } {
    return { ...e, legId: this.id, at: this.#clock.now() };
  }

  // ---- primitives ----------------------------------------------------------------

  #assertLive(operation: string): void {
    if (this.#hangup) throw new CallGoneError(this.id, `${operation}: call leg ${this.id} has hung up`);
  }

  /**
   * Runs an application. Resolves with its CHANNEL_EXECUTE_COMPLETE, or — with
   * `untilStarted` — as soon as CHANNEL_EXECUTE reports it running.
   */
  async execute(app: string, arg: string | null, options: { untilStarted?: boolean; signal?: AbortSignal } = {}): Promise<(ExecuteEvent) | null> {
    this.#assertLive(app);
    if (arg !== null) assertAppArg(arg, `${app} argument`);
    const eventUuid = this.#newId();
    let started!: () => void;
    const startedP = new Promise<null>((resolve) => {
      started = () => resolve(null);
    });
    const done = new Promise<ExecuteEvent>((resolve, reject) => {
      this.#executions.set(eventUuid, { app, started: false, onStart: started, resolve, reject });
    });
    // The caller may stop waiting (untilStarted); a later rejection must not go unhandled.
    done.catch(() => undefined);
    const lines = ['sendmsg', 'call-command: execute', `execute-app-name: ${app}`];
    if (arg !== null && arg !== '') lines.push(`execute-app-arg: ${arg}`);
    lines.push(`Event-UUID: ${eventUuid}`);
    try {
      await this.#channel.send(lines.join('\n'), app);
    } catch (err) {
      this.#executions.delete(eventUuid);
      throw this.#mapError(err);
    }
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) void this.#break();
      else signal.addEventListener('abort', () => void this.#break(), { once: true });
    }
    if (options.untilStarted) {
      const first = await Promise.race([startedP, done]);
      return first;
    }
    const result = await done;
    if (signal?.aborted) throw abortReason(signal);
    return result;
  }

  /** `api <command>` on this leg's socket. */
  async api(command: string, operation: string): Promise<string> {
    try {
      const frame = await this.#channel.send(`api ${command}`, operation);
      return frame.body?.toString('utf8') ?? frame.headers['Reply-Text'] ?? '';
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  #mapError(err: unknown): Error {
    if (err instanceof MediaCommandError && /No such channel|Cannot locate session/i.test(err.detail)) {
      return new CallGoneError(this.id, `${err.operation}: FreeSWITCH has no channel ${this.id}`);
    }
    if (this.#hangup && !(err instanceof UnsafeValueError)) return new CallGoneError(this.id);
    return err instanceof Error ? err : new Error(String(err));
  }

  async #break(): Promise<void> {
    if (this.#hangup) return;
    await this.api(`uuid_break ${this.id} all`, 'uuid_break').catch(() => undefined);
  }

  // ---- CallLeg ------------------------------------------------------------------

  async answer(): Promise<void> {
    if (this.#state !== 'ringing') {
      this.#assertLive('answer');
      return;
    }
    await this.execute('answer', null);
    if (this.#state === 'ringing') {
      this.#state = 'answered';
      const ev = this.#stamp({ type: 'answered' as const });
      this.emit('answered', ev);
      this.emit('event', ev);
    }
  }

  async hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
    if (!HANGUP_CAUSE.test(cause)) throw new UnsafeValueError(`hangup cause ${JSON.stringify(cause)}`, 'must be a Q.850 cause name such as NORMAL_CLEARING');
    if (this.#hangup) return;
    this.#hangupRequested = true;
    try {
      await this.api(`uuid_kill ${this.id} ${cause}`, 'hangup');
    } catch (err) {
      if (!(err instanceof CallGoneError)) throw err;
      // FreeSWITCH no longer has the channel: it is over, whatever we missed.
      this.finish(cause, 'local');
      return;
    }
    // The hang-up events normally follow at once; if the socket stays silent, end the leg ourselves.
    const wait = new AbortController();
    const quiet = await Promise.race([
      this.ended.then(() => false),
      this.#clock.sleep(HANGUP_WAIT_MS, wait.signal).then(() => true, () => false),
    ]);
    wait.abort();
    if (quiet) this.finish(cause, 'local');
  }

  /** The FreeSWITCH file string for a prompt (playback argument). */
  promptFile(prompt: Prompt, field = 'prompt'): string {
    switch (prompt.kind) {
      case 'file':
        assertAppArg(prompt.path, `${field} path`);
        if (prompt.path === '') throw new UnsafeValueError(`${field} path`, 'is empty');
        return prompt.path;
      case 'tone': {
        assertSingleArg(prompt.spec, `${field} tone spec`);
        const spec = prompt.spec.startsWith('tone_stream://') ? prompt.spec : `tone_stream://${prompt.spec}`;
        return prompt.durationMs !== undefined && !spec.includes('loops=') ? `${spec};loops=-1` : spec;
      }
      case 'silence':
        if (!Number.isInteger(prompt.ms) || prompt.ms < 0) throw new UnsafeValueError(`${field} silence ms`, 'must be a whole number of milliseconds');
        return `silence_stream://${prompt.ms}`;
      case 'tts':
        throw new UnsafeValueError(field, 'is text-to-speech, which has no file form here');
    }
  }

  async #setTerminators(value: string): Promise<void> {
    if (this.#terminators === value) return;
    await this.execute('set', `playback_terminators=${value}`);
    this.#terminators = value;
  }

  async play(prompt: Prompt | Prompt[], options: PlayOptions = {}): Promise<PlayResult> {
    const prompts = Array.isArray(prompt) ? prompt : [prompt];
    // Validate everything before the first prompt starts.
    const steps = prompts.map((p, i) => {
      if (p.kind === 'tts') {
        assertAppArg(p.text, `prompt ${i + 1} text`);
        if (p.text.includes('|')) throw new UnsafeValueError(`prompt ${i + 1} text`, 'contains "|", which separates speak arguments');
        const voice = p.voice ?? this.#tts.voice;
        assertSingleArg(voice, `prompt ${i + 1} voice`);
        return { prompt: p, app: 'speak', arg: `${this.#tts.engine}|${voice}|${p.text}` };
      }
      return { prompt: p, app: 'playback', arg: this.promptFile(p, `prompt ${i + 1}`) };
    });
    const signal = options.signal;
    if (signal?.aborted) throw abortReason(signal);
    await this.#setTerminators(options.bargeIn ? 'any' : 'none');
    for (const step of steps) {
      let digit: string | undefined;
      const onDtmf = (e: { digit: string }): void => {
        if (options.bargeIn && digit === undefined) digit = e.digit;
      };
      this.on('dtmf', onDtmf);
      const timer = step.prompt.kind === 'tone' && step.prompt.durationMs !== undefined ? this.#clock.setTimer(step.prompt.durationMs, () => void this.#break()) : null;
      try {
        await this.execute(step.app, step.arg, signal ? { signal } : {});
      } finally {
        timer?.cancel();
        this.off('dtmf', onDtmf);
      }
      const done = this.#stamp({ type: 'playback.done' as const, prompt: step.prompt, interrupted: digit !== undefined });
      this.emit('playback.done', done);
      this.emit('event', done);
      if (digit !== undefined) return { interruptedBy: digit };
    }
    return {};
  }

  async collect(o: CollectOptions): Promise<CollectResult> {
    const check = (ok: boolean, field: string, problem: string): void => {
      if (!ok) throw new UnsafeValueError(`collect ${field}`, problem);
    };
    check(Number.isInteger(o.minDigits) && o.minDigits >= 0 && o.minDigits <= 128, 'minDigits', 'must be a whole number from 0 to 128');
    check(Number.isInteger(o.maxDigits) && o.maxDigits >= Math.max(1, o.minDigits) && o.maxDigits <= 128, 'maxDigits', 'must be a whole number ≥ minDigits (and ≥ 1), at most 128');
    check(Number.isInteger(o.timeoutMs) && o.timeoutMs > 0, 'timeoutMs', 'must be a positive whole number');
    const tries = o.tries ?? 1;
    check(Number.isInteger(tries) && tries >= 1 && tries <= 20, 'tries', 'must be a whole number from 1 to 20');
    const terminators = o.terminators ?? '';
    check(/^[0-9*#]*$/.test(terminators), 'terminators', 'must contain only 0-9, * and #');
    const regex = o.validRegex ?? '^[0-9*#]+$';
    if (o.validRegex !== undefined) {
      assertSingleArg(o.validRegex, 'collect validRegex');
      try {
        new RegExp(o.validRegex);
      } catch {
        throw new UnsafeValueError('collect validRegex', `${JSON.stringify(o.validRegex)} is not a valid regular expression`);
      }
    }
    const interDigit = o.interDigitTimeoutMs ?? o.timeoutMs;
    const fileOf = (p: Prompt | undefined, field: string): string => {
      if (!p) return 'silence_stream://250';
      if (p.kind === 'tts') throw new UnsafeValueError(`collect ${field}`, 'is text-to-speech; on FreeSWITCH play_and_get_digits needs a file, tone or silence prompt');
      const f = this.promptFile(p, `collect ${field}`);
      assertSingleArg(f, `collect ${field}`);
      return f;
    };
    const prompt = fileOf(o.prompt, 'prompt');
    const invalid = fileOf(o.invalidPrompt, 'invalidPrompt');
    const arg = [o.minDigits, o.maxDigits, tries, o.timeoutMs, terminators === '' ? 'none' : terminators, prompt, invalid, COLLECT_VARIABLE, regex, interDigit].join(' ');
    const done = await this.execute('play_and_get_digits', arg, o.signal ? { signal: o.signal } : {});
    const ev = done?.event;
    const digits = ev?.get(`variable_${COLLECT_VARIABLE}`) ?? '';
    const terminator = ev?.get('variable_read_terminator_used') || undefined;
    const invalidInput = ev?.get(`variable_${COLLECT_VARIABLE}_invalid`) ?? '';
    const outcome: CollectResult['outcome'] = digits !== '' ? 'ok' : invalidInput !== '' ? 'invalid' : 'timeout';
    return { digits, outcome, attempts: tries, ...(terminator ? { terminator } : {}) };
  }

  async startMusicOnHold(stream?: string): Promise<void> {
    const source = stream ?? this.#moh;
    assertSingleArg(source, 'music on hold stream');
    if (this.#mohExecution) return;
    const id = 'moh';
    this.#mohExecution = id;
    try {
      await this.execute('playback', source, { untilStarted: true });
    } catch (err) {
      this.#mohExecution = null;
      throw err;
    }
  }

  async stopMusicOnHold(): Promise<void> {
    if (!this.#mohExecution) return;
    this.#mohExecution = null;
    if (this.#hangup) return;
    await this.api(`uuid_break ${this.id} all`, 'stop music on hold');
  }

  async record(o: RecordOptions): Promise<Recording> {
    assertSingleArg(o.path, 'record path');
    if (o.maxDurationMs !== undefined && (!Number.isInteger(o.maxDurationMs) || o.maxDurationMs <= 0)) {
      throw new UnsafeValueError('record maxDurationMs', 'must be a positive whole number of milliseconds');
    }
    this.#assertLive('record');
    await this.execute('set', `RECORD_STEREO=${o.stereo ? 'true' : 'false'}`);
    const limit = o.maxDurationMs !== undefined ? ` +${Math.ceil(o.maxDurationMs / 1000)}` : '';
    await this.execute('record_session', `${o.path}${limit}`);
    const rec = new FsRecording(this, o.path, o.stereo, this.#clock, (r) => {
      this.#recordings.delete(r.id);
      this.emit('recording.stopped', r.stoppedEvent as RecordingStoppedEvent);
      this.emit('event', r.stoppedEvent as RecordingStoppedEvent);
    });
    this.#recordings.set(rec.id, rec);
    return rec;
  }

  async bridge(other: CallLeg): Promise<void> {
    this.#assertLive('bridge');
    if (other.state === 'ended') throw new CallGoneError(other.id, `bridge: call leg ${other.id} has hung up`);
    assertUuid(other.id, 'other leg id');
    if (other instanceof FsCallLeg && other.nodeId !== this.nodeId) {
      throw new MediaCommandError('bridge', `legs ${this.id} and ${other.id} are on different FreeSWITCH nodes (${this.nodeId}, ${other.nodeId}); originate the other leg on the same node`);
    }
    // The dialplan sets socket_resume=true so a waiting caller survives a control plane crash
    // (the dialplan goes on and retries the socket). While bridged that would do harm: when our
    // socket dies FreeSWITCH resets a resuming channel, which breaks the bridge. A conversation
    // must outlive the control plane, so both legs stop resuming before they are bridged.
    await Promise.all([this.api(`uuid_setvar ${this.id} socket_resume false`, 'bridge'), this.api(`uuid_setvar ${other.id} socket_resume false`, 'bridge')]);
    await this.api(`uuid_bridge ${this.id} ${other.id}`, 'bridge');
    this.markBridged(other.id);
    if (other instanceof FsCallLeg) other.markBridged(this.id);
  }

  async transfer(target: string): Promise<void> {
    if (/^sips?:/i.test(target)) {
      assertSingleArg(target, 'transfer target');
      if (!/^sips?:[A-Za-z0-9_.+*#-]+@[A-Za-z0-9.-]+(:\d{1,5})?(;[A-Za-z0-9=_.-]+)*$/.test(target)) {
        throw new UnsafeValueError(`transfer target ${JSON.stringify(target)}`, 'must be sip:user@host[:port]');
      }
      await this.execute(this.#state === 'ringing' ? 'redirect' : 'deflect', target);
      return;
    }
    if (!/^[A-Za-z0-9_+*#.-]{1,64}$/.test(target)) {
      throw new UnsafeValueError(`transfer target ${JSON.stringify(target)}`, 'must be an extension (letters, digits, + * # _ . -) or a sip: URI');
    }
    await this.execute('transfer', `${target} XML ${this.#transferContext}`, { untilStarted: true });
  }

  async detectMachine(options: { timeoutMs: number; signal?: AbortSignal }): Promise<MachineDetection> {
    this.#assertLive('detectMachine');
    let onBeep!: (e: FsEvent & { type: 'AVMD' }) => void;
    const beep = new Promise<'machine'>((resolve) => {
      onBeep = (e) => {
        // Only a beep counts: mod_avmd's stop event says Beep-Status: DETECTED even for a human (see the avmd trace).
        if (e.uuid === this.id && e.phase === 'beep') resolve('machine');
      };
    });
    this.#avmdWaiters.add(onBeep);
    let result: MachineDetection = 'unknown';
    try {
      await this.api(`avmd ${this.id} start`, 'detectMachine');
      const wait = new AbortController();
      const stopWaiting = (): void => wait.abort(options.signal?.reason);
      options.signal?.addEventListener('abort', stopWaiting, { once: true });
      const timeout = this.#clock.sleep(options.timeoutMs, wait.signal).then(() => 'unknown' as const);
      try {
        result = await Promise.race([beep, timeout, this.ended.then(() => 'unknown' as const)]);
      } finally {
        options.signal?.removeEventListener('abort', stopWaiting);
        if (!wait.signal.aborted) wait.abort();
        timeout.catch(() => undefined);
      }
      if (options.signal?.aborted) throw abortReason(options.signal);
    } finally {
      this.#avmdWaiters.delete(onBeep);
      if (!this.#hangup) await this.api(`avmd ${this.id} stop`, 'detectMachine').catch(() => undefined);
    }
    const ev = this.#stamp({ type: 'machine.detected' as const, result });
    this.emit('machine.detected', ev);
    this.emit('event', ev);
    return result;
  }

  /** Feeds AVMD events seen on the node's inbound connection (they may not reach this socket). */
  handleNodeEvent(e: FsEvent): void {
    if (e.type === 'AVMD' && e.uuid === this.id) for (const w of this.#avmdWaiters) w(e);
  }

  async eavesdrop(target: CallLeg, mode: EavesdropMode): Promise<void> {
    assertUuid(target.id, 'eavesdrop target');
    if (target.state === 'ended') throw new CallGoneError(target.id, `eavesdrop: call leg ${target.id} has hung up`);
    // aleg = the leg being eavesdropped (target); bleg = whoever it is bridged to.
    const whisperTarget = mode === 'whisper' || mode === 'barge';
    const whisperOther = mode === 'barge';
    await this.setVariable('eavesdrop_whisper_aleg', String(whisperTarget));
    await this.setVariable('eavesdrop_whisper_bleg', String(whisperOther));
    await this.execute('eavesdrop', target.id, { untilStarted: true });
  }

  async setVariable(name: string, value: string): Promise<void> {
    assertVarName(name);
    assertSafeValue(value, `variable ${name}`);
    this.#assertLive('setVariable');
    await this.api(`uuid_setvar ${this.id} ${name} ${value}`, 'setVariable');
  }
}
