/**
 * The simulated media engine: a deterministic discrete-event world of callers, agents'
 * phones and dialled leads behind the same MediaEngine port as FreeSWITCH. Same seed ⇒
 * same run. It is a test and planning tool, never a claim that calls work on a switch.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TypedEmitter } from '../../events.js';
import {
  OriginateError,
  type CallLeg,
  type EavesdropMode,
  type EngineHealth,
  type MachineDetection,
  type MediaEngine,
  type MediaEngineEventMap,
  type OriginateRequest,
  type Prompt,
  type RecordingStoppedEvent,
} from '../port.js';
import { abortReason } from '../../clock.js';
import { SimRandom } from './random.js';
import { VirtualClock } from './VirtualClock.js';
import { SimCallLeg, type SimWorld } from './SimCallLeg.js';
import type {
  AgentEndpointOptions,
  ArrivalsOptions,
  CallerStep,
  Distribution,
  PlaceCallOptions,
  SimEngineOptions,
  SimStats,
  TargetModel,
  TargetOverride,
} from './types.js';

const DEFAULT_TARGETS: TargetModel = {
  answerProbability: 0.3,
  busyProbability: 0.1,
  machineProbability: 0.1,
  ringTimeMs: { kind: 'uniform', minMs: 5000, maxMs: 25000 },
  talkTimeMs: { kind: 'exponential', meanMs: 120_000 },
};
const DEFAULT_AGENT_ANSWER: Distribution = { kind: 'uniform', minMs: 1000, maxMs: 4000 };
const DEFAULT_TALK: Distribution = { kind: 'exponential', meanMs: 180_000 };
/** An inbound call nobody answers is given up by the caller after this. */
const RING_PATIENCE_MS = 60_000;
const DTMF_GAP_MS = 150;

export interface SimCallerHandle {
  legId: string;
  at: number;
}

export class SimEngine extends TypedEmitter<MediaEngineEventMap> implements MediaEngine, SimWorld {
  readonly kind = 'sim';
  readonly clock: VirtualClock;
  readonly random: SimRandom;
  readonly transfers: Array<{ legId: string; target: string; at: number }> = [];
  readonly eavesdrops: Array<{ legId: string; targetLegId: string; mode: EavesdropMode; at: number }> = [];
  readonly recordings: RecordingStoppedEvent[] = [];

  #seq = 0;
  #started = false;
  #stopped = false;
  #legs = new Map<string, SimCallLeg>();
  #agents = new Map<string, AgentEndpointOptions>();
  #targets = new Map<string, TargetOverride>();
  #model: TargetModel = DEFAULT_TARGETS;
  #scripts = new Map<SimCallLeg, CallerStep[]>();
  #promptDurations = new Map<string, number>();
  #filePromptMs: number;
  #writeRecordings: boolean;
  #stats: SimStats = {
    inboundCalls: 0,
    inboundAnswered: 0,
    abandonedOnHold: 0,
    callerHangupsScripted: 0,
    originates: 0,
    originateFailures: {},
    bridges: 0,
    activeLegs: 0,
    maxActiveLegs: 0,
    transfers: 0,
    recordings: 0,
  };

  constructor(options: SimEngineOptions = {}) {
    super();
    this.clock = new VirtualClock(options.startTime);
    this.random = new SimRandom(options.seed ?? 1);
    this.#filePromptMs = options.filePromptMs ?? 2000;
    this.#writeRecordings = options.writeRecordingFiles ?? false;
  }

  async start(): Promise<void> {
    this.#started = true;
    this.#stopped = false;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.clock.stopRealtime();
  }

  get isRunning(): boolean {
    return this.#started && !this.#stopped;
  }

  health(): EngineHealth {
    const status = this.isRunning ? 'up' : 'down';
    return { status, nodes: [{ id: 'sim', status, sessions: this.#legs.size }], activeLegs: this.#legs.size };
  }

  stats(): SimStats {
    return { ...this.#stats, originateFailures: { ...this.#stats.originateFailures }, activeLegs: this.#legs.size };
  }

  leg(id: string): SimCallLeg | undefined {
    return this.#legs.get(id);
  }

  get activeLegs(): SimCallLeg[] {
    return [...this.#legs.values()];
  }

  // ── inbound callers ─────────────────────────────────────────────────────

  placeCall(options: PlaceCallOptions): SimCallerHandle {
    const at = options.at ?? this.clock.now();
    const legId = this.#nextId('call');
    this.clock.setTimer(at - this.clock.now(), () => this.#arrive(legId, options));
    return { legId, at };
  }

  /** Poisson arrivals at a constant hourly rate or a rate per 15-minute interval. */
  addArrivals(options: ArrivalsOptions): void {
    const start = this.clock.now();
    const end = start + options.durationMs;
    const rateAt = (t: number): number => {
      if (options.per15Min) {
        const i = Math.floor((t - start) / 900_000);
        return (options.per15Min[i] ?? 0) / 900_000; // calls per ms
      }
      return (options.perHour ?? 0) / 3600_000;
    };
    let index = 0;
    const scheduleFrom = (t: number): void => {
      // Piecewise-constant rate: draw within the current interval, restart at its end.
      while (t < end) {
        const rate = rateAt(t);
        const intervalEnd = options.per15Min ? Math.min(end, start + (Math.floor((t - start) / 900_000) + 1) * 900_000) : end;
        if (rate <= 0) {
          t = intervalEnd;
          continue;
        }
        const next = t + this.random.exponential(1 / rate);
        if (next >= intervalEnd) {
          t = intervalEnd;
          continue;
        }
        this.clock.setTimer(next - this.clock.now(), () => {
          if (this.#stopped || index >= (options.maxCalls ?? Infinity)) return;
          const i = index++;
          this.#arrive(this.#nextId('call'), {
            from: options.from ? options.from(i) : `+1555${String(1000000 + (i % 9000000)).padStart(7, '0')}`,
            to: options.to,
            ...(options.script ? { script: options.script } : {}),
            ...(options.patienceMs ? { patienceMs: this.random.sample(options.patienceMs) } : {}),
            ...(options.talkTimeMs ? { talkTimeMs: this.random.sample(options.talkTimeMs) } : {}),
          });
          scheduleFrom(next);
        });
        return;
      }
    };
    scheduleFrom(start);
  }

  // ── agents' phones and dialled numbers ─────────────────────────────────

  addAgentEndpoint(options: AgentEndpointOptions): void {
    this.#agents.set(options.user, options);
  }

  removeAgentEndpoint(user: string): void {
    this.#agents.delete(user);
  }

  setTargetModel(model: TargetModel): void {
    this.#model = model;
  }

  setTarget(number: string, override: TargetOverride): void {
    this.#targets.set(number, override);
  }

  setPromptDuration(path: string, ms: number): void {
    this.#promptDurations.set(path, ms);
  }

  async originate(request: OriginateRequest): Promise<CallLeg> {
    const signal = request.signal;
    if (signal?.aborted) throw abortReason(signal);
    if (!this.isRunning) throw new OriginateError('failed', 'ENGINE_STOPPED', 'the simulator is not running');
    this.#stats.originates++;
    const legId = request.legId ?? this.#nextId('orig');
    const plan = request.to.kind === 'user' ? this.#planAgentCall(request.to.user, request.timeoutMs) : this.#planTargetCall(request.to.number, request.timeoutMs);
    return new Promise<CallLeg>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel();
        this.#fail('no-answer');
        reject(new OriginateError('no-answer', 'ORIGINATOR_CANCEL'));
      };
      const timer = this.clock.setTimer(plan.afterMs, () => {
        signal?.removeEventListener('abort', onAbort);
        if (plan.kind === 'fail') {
          this.#fail(plan.failure);
          reject(new OriginateError(plan.failure, plan.switchCause));
          return;
        }
        const leg = new SimCallLeg(this, {
          id: legId,
          direction: 'outbound',
          callerId: request.callerId,
          destination: request.to.kind === 'user' ? request.to.user : request.to.number,
          variables: { ...(request.variables ?? {}), ...prefixHeaders(request.sipHeaders) },
          role: plan.role,
          state: 'answered',
          ...(plan.talkTimeMs !== undefined ? { talkTimeMs: plan.talkTimeMs } : {}),
        });
        leg.answeredBy = plan.answeredBy;
        this.#track(leg);
        if (plan.role === 'target') this.#leaveIfUnattended(leg);
        resolve(leg);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ── SimWorld (called by legs) ───────────────────────────────────────────

  promptDurationMs(prompt: Prompt): number {
    switch (prompt.kind) {
      case 'file':
        return this.#promptDurations.get(prompt.path) ?? this.#filePromptMs;
      case 'tts':
        return Math.max(500, prompt.text.length * 60);
      case 'tone':
        return prompt.durationMs ?? 1000;
      case 'silence':
        return prompt.ms;
    }
  }

  onAnswered(leg: SimCallLeg): void {
    if (leg.role !== 'caller') return;
    this.#stats.inboundAnswered++;
    const script = this.#scripts.get(leg);
    if (script && script.length > 0) void this.#runScript(leg, script);
  }

  onBridged(a: SimCallLeg, b: SimCallLeg): void {
    this.#stats.bridges++;
    const customer = a.role === 'caller' || a.role === 'target' ? a : b.role === 'caller' || b.role === 'target' ? b : null;
    if (!customer) return;
    const other = customer === a ? b : a;
    let talk = customer.talkTimeMs;
    if (talk === undefined) {
      const agent = this.#agents.get(other.destination);
      talk = this.random.sample(agent?.talkTimeMs ?? (customer.role === 'target' ? this.#model.talkTimeMs : DEFAULT_TALK));
    }
    if (customer.answeredBy === 'machine') talk = Math.min(talk, 20_000);
    const agentLeaves = (this.#agents.get(other.destination)?.hangsUpFirstProbability ?? 0) > 0 && this.random.chance(this.#agents.get(other.destination)?.hangsUpFirstProbability ?? 0);
    const leaver = agentLeaves ? other : customer;
    const timer = leaver.timer(talk, () => leaver.end('NORMAL_CLEARING', 'remote'));
    // A conversation ended by either side stops this one's clock (a parked caller lives on).
    customer.once('unbridged', () => timer.cancel());
  }

  onEnded(leg: SimCallLeg): void {
    this.#legs.delete(leg.id);
    this.#scripts.delete(leg);
  }

  onTransfer(leg: SimCallLeg, target: string): void {
    this.#stats.transfers++;
    this.transfers.push({ legId: leg.id, target, at: this.clock.now() });
  }

  onEavesdrop(leg: SimCallLeg, target: CallLeg, mode: EavesdropMode): void {
    this.eavesdrops.push({ legId: leg.id, targetLegId: target.id, mode, at: this.clock.now() });
  }

  amdVerdict(leg: SimCallLeg): { result: MachineDetection; afterMs: number } {
    if (leg.role !== 'target' || !leg.answeredBy) return { result: 'unknown', afterMs: 3000 };
    const right = this.random.chance(this.#model.amdAccuracy ?? 0.9);
    const truth = leg.answeredBy;
    const result: MachineDetection = right ? truth : truth === 'human' ? 'machine' : 'human';
    const afterMs = truth === 'human' ? this.random.uniform(1200, 2500) : this.random.uniform(2500, 4000);
    return { result, afterMs };
  }

  onRecordingStopped(_leg: SimCallLeg, event: RecordingStoppedEvent, stereo: boolean): void {
    this.#stats.recordings++;
    this.recordings.push(event);
    if (this.#writeRecordings) writeSilentWav(event.path, event.durationMs, stereo);
  }

  abandoned(_leg: SimCallLeg): void {
    this.#stats.abandonedOnHold++;
  }

  // ── internals ───────────────────────────────────────────────────────────

  #nextId(prefix: string): string {
    this.#seq++;
    return `sim-${prefix}-${String(this.#seq).padStart(7, '0')}`;
  }

  #track(leg: SimCallLeg): void {
    this.#legs.set(leg.id, leg);
    if (this.#legs.size > this.#stats.maxActiveLegs) this.#stats.maxActiveLegs = this.#legs.size;
  }

  #fail(failure: string): void {
    this.#stats.originateFailures[failure] = (this.#stats.originateFailures[failure] ?? 0) + 1;
  }

  #arrive(legId: string, options: PlaceCallOptions): void {
    if (this.#stopped) return;
    const leg = new SimCallLeg(this, {
      id: legId,
      direction: 'inbound',
      callerId: { number: options.from, ...(options.callerName ? { name: options.callerName } : {}) },
      destination: options.to,
      variables: options.variables ?? {},
      role: 'caller',
      ...(options.patienceMs !== undefined ? { patienceMs: options.patienceMs } : {}),
      ...(options.talkTimeMs !== undefined ? { talkTimeMs: options.talkTimeMs } : {}),
    });
    this.#stats.inboundCalls++;
    this.#track(leg);
    if (options.script) this.#scripts.set(leg, options.script);
    leg.timer(RING_PATIENCE_MS, () => {
      if (leg.state === 'ringing') leg.end('ORIGINATOR_CANCEL', 'remote');
    });
    this.emit('call', leg);
  }

  async #runScript(leg: SimCallLeg, steps: CallerStep[]): Promise<void> {
    let since = this.clock.now();
    try {
      for (const step of steps) {
        if (step.waitForPrompt !== undefined) await leg.waitForPrompt(step.waitForPrompt, since);
        if (step.afterMs) await this.#legSleep(leg, step.afterMs);
        if ('hangup' in step) {
          this.#stats.callerHangupsScripted++;
          leg.end('NORMAL_CLEARING', 'remote');
          return;
        }
        for (let i = 0; i < step.dtmf.length; i++) {
          if (i > 0) await this.#legSleep(leg, DTMF_GAP_MS);
          leg.receiveDtmf(step.dtmf[i] as string);
        }
        // Prompts started from the moment of the last key count for the next step.
        since = this.clock.now();
      }
    } catch {
      // The leg ended while the script waited: nothing more to do.
    }
  }

  #legSleep(leg: SimCallLeg, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (leg.state === 'ended') {
        reject(new Error('ended'));
        return;
      }
      leg.timer(ms, resolve);
      void leg.ended.then(() => reject(new Error('ended')));
    });
  }

  #planAgentCall(user: string, timeoutMs: number): Plan {
    const agent = this.#agents.get(user);
    if (!agent) return { kind: 'fail', afterMs: 50, failure: 'unreachable', switchCause: 'USER_NOT_REGISTERED' };
    if (this.random.chance(agent.rejectProbability ?? 0)) {
      return { kind: 'fail', afterMs: this.random.uniform(300, 1500), failure: 'rejected', switchCause: 'CALL_REJECTED' };
    }
    const delay = this.random.sample(agent.answerDelayMs ?? DEFAULT_AGENT_ANSWER);
    if (this.random.chance(agent.noAnswerProbability ?? 0) || delay >= timeoutMs) {
      return { kind: 'fail', afterMs: timeoutMs, failure: 'no-answer', switchCause: 'NO_ANSWER' };
    }
    return { kind: 'answer', afterMs: delay, role: 'agent', answeredBy: null };
  }

  #planTargetCall(number: string, timeoutMs: number): Plan {
    const override = this.#targets.get(number);
    const m = this.#model;
    let outcome = override?.outcome;
    if (!outcome) {
      const r = this.random.next();
      const unreachable = m.unreachableProbability ?? 0;
      if (r < m.answerProbability) outcome = 'answer';
      else if (r < m.answerProbability + m.machineProbability) outcome = 'machine';
      else if (r < m.answerProbability + m.machineProbability + m.busyProbability) outcome = 'busy';
      else if (r < m.answerProbability + m.machineProbability + m.busyProbability + unreachable) outcome = 'unreachable';
      else outcome = 'no-answer';
    }
    switch (outcome) {
      case 'busy':
        return { kind: 'fail', afterMs: this.random.uniform(1000, 3000), failure: 'busy', switchCause: 'USER_BUSY' };
      case 'unreachable':
        return { kind: 'fail', afterMs: 500, failure: 'unreachable', switchCause: 'NORMAL_TEMPORARY_FAILURE' };
      case 'no-answer':
        return { kind: 'fail', afterMs: timeoutMs, failure: 'no-answer', switchCause: 'NO_ANSWER' };
      case 'answer':
      case 'machine': {
        const ring = override?.ringTimeMs ?? this.random.sample(m.ringTimeMs);
        if (ring >= timeoutMs) return { kind: 'fail', afterMs: timeoutMs, failure: 'no-answer', switchCause: 'NO_ANSWER' };
        const talk = override?.talkTimeMs ?? this.random.sample(m.talkTimeMs);
        return { kind: 'answer', afterMs: ring, role: 'target', answeredBy: outcome === 'machine' ? 'machine' : 'human', talkTimeMs: talk };
      }
    }
  }

  /** A live person who hears nobody hangs up; a machine records for a minute then hangs up. */
  #leaveIfUnattended(leg: SimCallLeg): void {
    const wait = leg.answeredBy === 'machine' ? 60_000 : this.random.sample(this.#model.humanHangsUpUnattendedAfterMs ?? { kind: 'uniform', minMs: 3000, maxMs: 8000 });
    const timer = leg.timer(wait, () => {
      if (leg.bridgedWith === null) leg.end('NORMAL_CLEARING', 'remote');
    });
    leg.once('bridged', () => timer.cancel());
  }
}

type Plan =
  | { kind: 'fail'; afterMs: number; failure: OriginateError['failure']; switchCause: string }
  | { kind: 'answer'; afterMs: number; role: 'agent' | 'target'; answeredBy: 'human' | 'machine' | null; talkTimeMs?: number };

function prefixHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[`sip_h_${k.startsWith('X-') ? k : `X-${k}`}`] = v;
  return out;
}

/** 8 kHz µ-law silence (stereo when the leg was bridged), so archive code has a real file. */
function writeSilentWav(path: string, durationMs: number, stereo: boolean): void {
  const channels = stereo ? 2 : 1;
  const samples = Math.round((8000 * durationMs) / 1000) * channels;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(7, 20); // µ-law
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000 * channels, 28);
  header.writeUInt16LE(channels, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples, 40);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.concat([header, Buffer.alloc(samples, 0xff)]));
}
