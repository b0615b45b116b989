/**
 * Voice on the ACD: what the IVR `queue` node calls. Holds the caller (music on hold,
 * position / estimated-wait announcements, callback key), rings the agent(s) the Acd offers
 * the call to, bridges the first that answers, turns unanswered rings into RONA, carries out
 * queue exits (message + hang-up, voicemail), and completes the interaction on hang-up.
 * Callbacks: the caller leaves a number and hangs up, the interaction keeps its place; when
 * it is routed, the agent is rung first and the customer dialled once the agent answers.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { callLogger } from '../logger.js';
import type { CallLeg, MediaEngine, Prompt } from '../engine/port.js';
import type { Acd } from './Acd.js';
import type { ExitAction, SkillRequirement } from './AcdTypes.js';
import { ringAgentPhone } from './ringAgentPhone.js';

export interface VoiceEnqueueOptions {
  queueId: string;
  skills?: SkillRequirement[];
  priority?: number;
  vip?: boolean;
  language?: string;
  variables?: Record<string, string>;
  /** Who the customer is (defaults to `tel:<caller number>`). */
  customerRef?: string;
  /** Keep the interaction id the IVR already logged under (else the leg's `interaction_id`, else a new one). */
  interactionId?: string;
  /** When the agent hangs up first, leave the caller on the line (post-call survey in the IVR). */
  returnAfterAgent?: boolean;
}

export type VoiceOutcome =
  | { outcome: 'answered'; interactionId: string; agentId: string }
  | { outcome: 'abandoned'; interactionId: string; waitedMs: number }
  | { outcome: 'callback'; interactionId: string; number: string }
  | { outcome: 'voicemail' | 'hangup' | 'full' | 'empty'; interactionId: string };

export interface VoiceQueueOptions {
  acd: Acd;
  engine: MediaEngine;
  logger: Logger;
  /** Texts spoken to callers (TTS); override for other languages or recorded files. */
  prompts?: Partial<VoicePrompts>;
  /** Called once customer and agent are bridged (recording policy, screen pop). */
  onConnected?: (call: ConnectedCall) => void;
}

export interface ConnectedCall {
  interactionId: string;
  queueId: string;
  agentId: string;
  customer: CallLeg;
  agent: CallLeg;
}

export interface VoicePrompts {
  position: (position: number, ewtMs: number | null) => Prompt;
  offerCallback: (digit: string) => Prompt;
  askNumber: Prompt;
  callbackConfirmed: Prompt;
  message: (text: string) => Prompt;
}

const DEFAULT_PROMPTS: VoicePrompts = {
  position: (position, ewtMs) => ({
    kind: 'tts',
    text:
      `You are number ${position} in the queue.` +
      (ewtMs !== null ? ` Your estimated wait is ${Math.max(1, Math.round(ewtMs / 60_000))} minute${Math.round(ewtMs / 60_000) > 1 ? 's' : ''}.` : ''),
  }),
  offerCallback: (digit) => ({ kind: 'tts', text: `To be called back without losing your place, press ${digit}.` }),
  askNumber: { kind: 'tts', text: 'Please enter the number to call you back on, followed by the hash key. Press hash alone to use this number.' },
  callbackConfirmed: { kind: 'tts', text: 'Thank you. We will call you back. Goodbye.' },
  message: (text) => ({ kind: 'tts', text }),
};

interface CallCtx {
  id: string;
  queueId: string;
  leg: CallLeg | null;
  log: Logger;
  enqueuedAt: number;
  resolve: (o: VoiceOutcome) => void;
  done: boolean;
  /** Ringing agent legs (abort to stop ringing). */
  rings: Map<string, AbortController>;
  agentLeg: CallLeg | null;
  announceTimer: TimerHandle | null;
  busyMedia: boolean;
  callback: string | null;
  connected: boolean;
  returnAfterAgent?: boolean;
}

/** A call's context as it enters the voice queue: nothing rung, nothing connected yet. */
function newCallCtx(base: Pick<CallCtx, 'id' | 'queueId' | 'leg' | 'log' | 'enqueuedAt' | 'resolve'> & { returnAfterAgent?: boolean }): CallCtx {
  return { done: false, rings: new Map(), agentLeg: null, announceTimer: null, busyMedia: false, callback: null, connected: false, ...base };
}

export class VoiceQueue {
  readonly #acd: Acd;
  readonly #engine: MediaEngine;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #prompts: VoicePrompts;
  readonly #onConnected: ((call: ConnectedCall) => void) | undefined;
  readonly #calls = new Map<string, CallCtx>();

  constructor(options: VoiceQueueOptions) {
    this.#acd = options.acd;
    this.#engine = options.engine;
    this.#clock = options.engine.clock;
    this.#log = options.logger.child({ component: 'acd.voice' });
    this.#prompts = { ...DEFAULT_PROMPTS, ...options.prompts };
    this.#onConnected = options.onConnected;
    this.#acd.on('offer', (o) => {
      if (o.channel !== 'voice') return;
      let ctx = this.#calls.get(o.interactionId);
      // After a restart: a callback rebuilt from the log is served without a caller leg.
      const cb = ctx ? null : this.#acd.callbackOf(o.interactionId);
      if (!ctx && cb) ctx = this.#registerCallback(o.interactionId, o.queueId, cb.number, this.#clock.now());
      if (ctx) for (const agentId of o.agentIds) void this.#ring(ctx, agentId);
      // A rebuilt call whose leg was not (yet) re-attached: nobody to connect, so release the
      // agents without a RONA penalty (the interaction stays queued until adopted or dropped).
      // Only rebuilt ones: a voice interaction another component enqueued itself (the dialer's
      // AcdAgentPool) is not ours, and its owner rings the agent.
      else if (this.#acd.isRestored(o.interactionId)) for (const agentId of o.agentIds) queueMicrotask(() => this.#releaseOrphanOffer(o.interactionId, agentId));
    });
    this.#acd.on('offer.cancelled', (c) => this.#calls.get(c.interactionId)?.rings.get(c.agentId)?.abort());
    this.#acd.on('exit', (e) => {
      const ctx = this.#calls.get(e.interactionId);
      if (ctx) void this.#exit(ctx, e.action);
    });
    this.#acd.on('callback.offer', (e) => {
      const ctx = this.#calls.get(e.interactionId);
      if (ctx?.leg) void this.#announce(ctx, this.#prompts.offerCallback(this.#acd.router.queueConfig(ctx.queueId).settings.callback.digit));
    });
  }

  /** Number of calls this service is handling (waiting, ringing, talking or awaiting callback). */
  get activeCalls(): number {
    return this.#calls.size;
  }

  /** Whether a call (caller leg or callback) of this interaction is handled here. */
  isHandling(interactionId: string): boolean {
    return this.#calls.has(interactionId);
  }

  /** Queue a caller; resolves when the call leaves the queue (answered, abandoned, callback, exit). */
  async enqueueVoice(leg: CallLeg, options: VoiceEnqueueOptions): Promise<VoiceOutcome> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const given = options.interactionId ?? leg.variables.interaction_id;
    const id = given && uuid.test(given) && !this.#acd.isLive(given) ? given : randomUUID();
    const log = callLogger(this.#log, leg.id, { interactionId: id, queueId: options.queueId });
    if (leg.state === 'ringing') await leg.answer();
    const res = this.#acd.enqueue({
      id,
      requirements: {
        queueId: options.queueId,
        channel: 'voice',
        skills: options.skills ?? [],
        language: options.language,
        priority: options.priority ?? 0,
        vip: options.vip ?? false,
      },
      callerNumber: leg.callerId.number,
      dialledNumber: leg.destination,
      customerRef: options.customerRef ?? `tel:${leg.callerId.number}`,
      variables: options.variables,
    });
    if (!res.accepted) {
      log.info({ reason: res.reason }, 'queue refused the call');
      const exit = await this.#carryOut(leg, res.action);
      if (exit === 'overflow' && res.action.kind === 'overflow') return this.enqueueVoice(leg, { ...options, queueId: res.action.queueId });
      return { outcome: res.reason, interactionId: id };
    }
    return new Promise<VoiceOutcome>((resolve) => {
      const ctx = newCallCtx({ id, queueId: options.queueId, leg, log, enqueuedAt: this.#clock.now(), resolve, returnAfterAgent: options.returnAfterAgent ?? false });
      // The Acd may already have offered the call synchronously inside enqueue (free agent): ring now.
      this.#calls.set(id, ctx);
      const i = this.#acd.router.interaction(id);
      if (i?.phase === 'offered') for (const agentId of i.offeredTo) void this.#ring(ctx, agentId);
      void leg.ended.then(() => this.#customerGone(ctx));
      this.#watchDtmf(ctx, leg);
      if (i?.phase !== 'offered') void this.#hold(ctx);
      this.#scheduleAnnouncement(ctx);
    });
  }

  // ---------------------------------------------------------------- holding the caller

  async #hold(ctx: CallCtx): Promise<void> {
    if (!ctx.leg || ctx.connected || ctx.leg.state === 'ended') return;
    const q = this.#acd.router.queueConfig(this.#acd.router.interaction(ctx.id)?.queueId ?? ctx.queueId);
    try {
      await ctx.leg.startMusicOnHold(q.settings.announcements.mohStream);
    } catch (err) {
      ctx.log.debug({ err }, 'music on hold did not start');
    }
  }

  #scheduleAnnouncement(ctx: CallCtx): void {
    const every = this.#acd.router.queueConfig(ctx.queueId).settings.announcements.everySec;
    if (every <= 0) return;
    ctx.announceTimer = this.#clock.setTimer(every * 1000, () => {
      ctx.announceTimer = null;
      if (ctx.done || ctx.connected || !ctx.leg || !this.#acd.router.interaction(ctx.id)) return;
      const settings = this.#acd.router.queueConfig(this.#acd.router.interaction(ctx.id)!.queueId).settings.announcements;
      const position = settings.position ? this.#acd.position(ctx.id) : 0;
      const ewt = settings.ewt ? this.#acd.estimatedWaitMs(ctx.id) : null;
      if (position > 0 || ewt !== null) void this.#announce(ctx, this.#prompts.position(position, ewt), settings.skippable);
      this.#scheduleAnnouncement(ctx);
    });
  }

  /** Plays a prompt between stretches of music on hold. */
  async #announce(ctx: CallCtx, prompt: Prompt, skippable = true): Promise<void> {
    const leg = ctx.leg;
    if (!leg || ctx.busyMedia || ctx.connected || ctx.done) return;
    ctx.busyMedia = true;
    try {
      await leg.stopMusicOnHold();
      await leg.play(prompt, { bargeIn: skippable });
    } catch {
      // caller gone or engine refused: the hang-up path takes over
    } finally {
      ctx.busyMedia = false;
    }
    if (!ctx.connected && !ctx.done && !ctx.callback) await this.#hold(ctx);
  }

  #watchDtmf(ctx: CallCtx, leg: CallLeg): void {
    const onDigit = (e: { digit: string }): void => {
      const i = this.#acd.router.interaction(ctx.id);
      if (!i || ctx.connected || ctx.done || ctx.callback || ctx.busyMedia) return;
      const cb = this.#acd.router.queueConfig(i.queueId).settings.callback;
      if (cb.enabled && e.digit === cb.digit && i.phase === 'waiting') void this.#takeCallback(ctx, leg);
    };
    leg.on('dtmf', onDigit);
    void leg.ended.then(() => leg.off('dtmf', onDigit));
  }

  async #takeCallback(ctx: CallCtx, leg: CallLeg): Promise<void> {
    ctx.busyMedia = true;
    try {
      await leg.stopMusicOnHold();
      await leg.play(this.#prompts.askNumber);
      // The key that asked for the callback is still in the switch's DTMF buffer: allow it in front.
      const key = this.#acd.router.queueConfig(ctx.queueId).settings.callback.digit.replace(/[*]/, '\\*');
      const r = await leg.collect({ minDigits: 1, maxDigits: 17, timeoutMs: 8000, terminators: '#', validRegex: `${key}?(\\+?\\d{3,15})?` });
      if (!this.#acd.isLive(ctx.id) || this.#acd.router.interaction(ctx.id)?.phase !== 'waiting') return;
      const typed = r.outcome === 'ok' ? r.digits.replace(/^[*#]/, '') : '';
      const number = typed || leg.callerId.number;
      ctx.callback = number;
      this.#acd.requestCallback(ctx.id, number);
      ctx.log.info({ number }, 'callback requested; keeps its place in the queue');
      await leg.play(this.#prompts.callbackConfirmed).catch(() => undefined);
      ctx.leg = null;
      await leg.hangup().catch(() => undefined);
      ctx.resolve({ outcome: 'callback', interactionId: ctx.id, number });
    } catch {
      // caller hung up while entering the number: treated by the hang-up path
    } finally {
      ctx.busyMedia = false;
      if (!ctx.callback && !ctx.connected) await this.#hold(ctx);
    }
  }

  #customerGone(ctx: CallCtx): void {
    if (ctx.callback || ctx.leg === null) return; // left on purpose, keeps its place
    if (ctx.connected || ctx.done) return; // bridged calls end in #talk
    const waitedMs = this.#clock.now() - ctx.enqueuedAt;
    for (const ring of ctx.rings.values()) ring.abort();
    if (this.#acd.isLive(ctx.id)) {
      const phase = this.#acd.router.interaction(ctx.id)?.phase;
      if (phase !== 'connected') this.#acd.abandon(ctx.id, 'caller-hung-up');
    }
    this.#finish(ctx, { outcome: 'abandoned', interactionId: ctx.id, waitedMs });
    this.#autoCallback(ctx, waitedMs);
  }

  /** Optional: call back callers who gave up after the short-abandon threshold. */
  #autoCallback(ctx: CallCtx, waitedMs: number): void {
    const q = this.#acd.router.hasQueue(ctx.queueId) ? this.#acd.router.queueConfig(ctx.queueId) : null;
    const number = ctx.leg?.callerId.number;
    if (!q || !number || !q.settings.callback.autoOnAbandon || waitedMs <= q.settings.sl.shortAbandonSec * 1000) return;
    try {
      this.queueCallback({ queueId: ctx.queueId, number, variables: { callback_for: ctx.id }, enqueuedAt: ctx.enqueuedAt });
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'automatic callback not queued');
    }
  }

  /**
   * Queues a callback (IVR callback node, or an abandoned caller): when an agent is free the
   * agent is rung first, then `number` is dialled. Keeps `enqueuedAt` when given (its place).
   */
  queueCallback(request: { queueId: string; number: string; interactionId?: string; variables?: Record<string, string>; enqueuedAt?: number; skills?: SkillRequirement[]; priority?: number }): { interactionId: string } {
    const res = this.#acd.enqueue({
      id: request.interactionId,
      requirements: { queueId: request.queueId, channel: 'voice', skills: request.skills ?? [], priority: request.priority ?? 0, vip: false },
      direction: 'outbound',
      callerNumber: request.number,
      customerRef: `tel:${request.number}`,
      variables: request.variables,
      enqueuedAt: request.enqueuedAt,
    });
    if (!res.accepted) throw new Error(`queue ${request.queueId} refused the callback: ${res.reason === 'full' ? 'the queue is full' : 'no agent is logged in'}`);
    this.#acd.requestCallback(res.interactionId, request.number);
    const cb = this.#registerCallback(res.interactionId, request.queueId, request.number, request.enqueuedAt ?? this.#clock.now());
    const i = this.#acd.router.interaction(cb.id);
    if (i?.phase === 'offered') for (const agentId of i.offeredTo) void this.#ring(cb, agentId);
    return { interactionId: cb.id };
  }

  #registerCallback(id: string, queueId: string, number: string, enqueuedAt: number): CallCtx {
    const cb: CallCtx = {
      id,
      queueId,
      leg: null,
      log: this.#log.child({ interactionId: id, queueId }),
      enqueuedAt,
      resolve: () => undefined,
      done: false,
      rings: new Map(),
      agentLeg: null,
      announceTimer: null,
      busyMedia: false,
      callback: number,
      connected: false,
    };
    this.#calls.set(id, cb);
    return cb;
  }

  #releaseOrphanOffer(interactionId: string, agentId: string): void {
    if (this.#calls.has(interactionId)) return;
    const i = this.#acd.router.interaction(interactionId);
    if (i?.phase === 'offered' && i.offeredTo.has(agentId)) this.#acd.rejectOffer(interactionId, agentId, 'failed');
  }

  /**
   * After a takeover: take back a caller whose interaction was rebuilt from the log (the
   * FreeSWITCH adapter re-attaches the channel). The caller keeps their place.
   */
  adopt(leg: CallLeg, interactionId: string): Promise<VoiceOutcome> {
    const i = this.#acd.router.interaction(interactionId);
    if (!i || i.channel !== 'voice' || i.phase === 'connected' || this.#calls.has(interactionId)) {
      return Promise.reject(new Error(`interaction ${interactionId} is not a waiting call that can be adopted`));
    }
    return new Promise<VoiceOutcome>((resolve) => {
      const ctx = newCallCtx({ id: interactionId, queueId: i.queueId, leg, log: callLogger(this.#log, leg.id, { interactionId, queueId: i.queueId }), enqueuedAt: i.enqueuedAt, resolve });
      this.#calls.set(interactionId, ctx);
      void leg.ended.then(() => this.#customerGone(ctx));
      this.#watchDtmf(ctx, leg);
      // A waiting caller was answered before; a channel that comes back unanswered is answered now.
      const answered = leg.state === 'ringing' ? leg.answer().catch((err: Error) => ctx.log.debug({ err: err.message }, 'answer of a re-attached caller failed')) : Promise.resolve();
      if (i.phase === 'offered') for (const agentId of i.offeredTo) void this.#ring(ctx, agentId);
      else void answered.then(() => this.#hold(ctx));
      this.#scheduleAnnouncement(ctx);
    });
  }

  /** After re-attachment finished: rebuilt calls nobody adopted have no caller any more. */
  dropUnadopted(): string[] {
    const dropped: string[] = [];
    for (const i of [...this.#acd.router.interactions()]) {
      if (i.channel !== 'voice' || i.phase === 'connected' || this.#calls.has(i.id) || this.#acd.callbackOf(i.id) || !this.#acd.isRestored(i.id)) continue;
      this.#acd.exitQueue(i.id, 'lost-on-failover');
      dropped.push(i.id);
    }
    return dropped;
  }

  // ---------------------------------------------------------------- agents

  async #ring(ctx: CallCtx, agentId: string): Promise<void> {
    if (ctx.rings.has(agentId)) return;
    const q = this.#acd.router.queueConfig(this.#acd.router.interaction(ctx.id)?.queueId ?? ctx.queueId);
    const agentLeg = await ringAgentPhone({
      acd: this.#acd,
      engine: this.#engine,
      log: ctx.log,
      interactionId: ctx.id,
      agentId,
      rings: ctx.rings,
      callerId: ctx.callback ? { number: ctx.callback, name: 'Callback' } : ctx.leg?.callerId ?? { number: 'unknown' },
      timeoutMs: q.settings.offerTimeoutSec * 1000,
      variables: { interaction_id: ctx.id, queue_id: q.id, agent_id: agentId },
      customer: ctx.leg,
      isDone: () => ctx.done,
      notReached: (why) => this.#safeReject(ctx, agentId, why),
    });
    if (!agentLeg) return;
    ctx.connected = true;
    ctx.agentLeg = agentLeg;
    ctx.announceTimer?.cancel();
    await this.#talk(ctx, agentId, agentLeg);
  }

  #safeReject(ctx: CallCtx, agentId: string, why: 'rona' | 'failed'): void {
    const i = this.#acd.router.interaction(ctx.id);
    if (!i || i.phase !== 'offered' || !i.offeredTo.has(agentId)) return;
    try {
      this.#acd.rejectOffer(ctx.id, agentId, why);
    } catch (err) {
      ctx.log.warn({ err }, 'could not requeue after a failed offer');
    }
  }

  async #talk(ctx: CallCtx, agentId: string, agentLeg: CallLeg): Promise<void> {
    let customer = ctx.leg;
    try {
      if (ctx.callback && !customer) {
        customer = await this.#engine.originate({
          to: { kind: 'number', number: ctx.callback },
          callerId: { number: this.#acd.router.queueConfig(ctx.queueId).settings.callback.callerId },
          timeoutMs: 30_000,
          variables: { interaction_id: ctx.id },
          // The customer's leg carries the interaction id, so a takeover finds the call on the switch.
          legId: ctx.id,
        });
        ctx.leg = customer;
        this.#acd.markCallbackDialled(ctx.id);
      }
      if (!customer || customer.state === 'ended') throw new Error('customer gone before the bridge');
      await customer.stopMusicOnHold().catch(() => undefined);
      // The switch keeps the caller (parked) when the agent leaves, so the flow can go on.
      if (ctx.returnAfterAgent) await customer.setVariable('park_after_bridge', 'true');
      await customer.bridge(agentLeg);
      this.#onConnected?.({ interactionId: ctx.id, queueId: ctx.queueId, agentId, customer, agent: agentLeg });
    } catch (err) {
      ctx.log.info({ err: (err as Error).message }, 'bridge failed');
      await agentLeg.hangup().catch(() => undefined);
      if (customer) await customer.hangup().catch(() => undefined);
      if (this.#acd.isLive(ctx.id)) this.#acd.complete(ctx.id, ctx.callback ? 'callback-not-reached' : 'bridge-failed');
      this.#finish(ctx, { outcome: 'answered', interactionId: ctx.id, agentId });
      return;
    }
    const first = await Promise.race([customer.ended.then((h) => ({ who: 'customer' as const, h })), agentLeg.ended.then((h) => ({ who: 'agent' as const, h }))]);
    if (first.who === 'customer') await agentLeg.hangup().catch(() => undefined);
    else if (!ctx.returnAfterAgent) await customer.hangup().catch(() => undefined);
    if (this.#acd.isLive(ctx.id)) this.#acd.complete(ctx.id, `${first.who}-hung-up`);
    this.#finish(ctx, { outcome: 'answered', interactionId: ctx.id, agentId });
  }

  // ---------------------------------------------------------------- exits

  async #exit(ctx: CallCtx, action: ExitAction): Promise<void> {
    for (const ring of ctx.rings.values()) ring.abort();
    const leg = ctx.leg;
    ctx.done = true;
    ctx.announceTimer?.cancel();
    const outcome = leg ? await this.#carryOut(leg, action) : 'hangup';
    if (this.#acd.isLive(ctx.id)) this.#acd.exitQueue(ctx.id, outcome === 'voicemail' ? 'voicemail' : 'exit');
    this.#finish(ctx, { outcome: outcome === 'voicemail' ? 'voicemail' : 'hangup', interactionId: ctx.id });
  }

  async #carryOut(leg: CallLeg, action: ExitAction): Promise<'voicemail' | 'hangup' | 'overflow'> {
    try {
      await leg.stopMusicOnHold().catch(() => undefined);
      if (action.kind === 'voicemail') {
        await leg.transfer(action.target);
        return 'voicemail';
      }
      if (action.kind === 'overflow') return 'overflow';
      await leg.play(this.#prompts.message(action.message));
      await leg.hangup();
    } catch (err) {
      // The caller left first, or the switch refused the transfer: never leave a caller in silence.
      this.#log.warn({ legId: leg.id, err: (err as Error).message, action: action.kind }, 'queue exit failed; hanging up');
      await leg.hangup().catch(() => undefined);
      // the caller left first
    }
    return 'hangup';
  }

  #finish(ctx: CallCtx, outcome: VoiceOutcome): void {
    if (ctx.done && !this.#calls.has(ctx.id)) return;
    ctx.done = true;
    ctx.announceTimer?.cancel();
    this.#calls.delete(ctx.id);
    ctx.resolve(outcome);
  }
}
