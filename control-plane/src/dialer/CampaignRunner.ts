/**
 * Runs one campaign: on every tick (and whenever an agent becomes ready) it asks the pure
 * pacing function how many calls to place, claims due leads (callbacks for ready agents
 * first), checks each number against the do-not-call lists at dial time, originates through
 * the MediaEngine, classifies answers (AMD), hands live answers to the agent pool within the
 * 2-second rule (safe-harbour message otherwise) and records every attempt.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import { OriginateError, type CallLeg, type MediaEngine } from '../engine/port.js';
import { TypedEmitter } from '../events.js';
import { AbandonWindow } from './abandonWindow.js';
import type { DialerAgentPool } from './agentPool.js';
import { abandonWindowMs, targetAbandonPct, type Campaign, type CampaignConfig, type CampaignState } from './campaign.js';
import type { AttemptOutcome, DialerStore, LeadToDial } from './DialerStore.js';
import type { CampaignLiveStats, DialerEventMap } from './DialerTypes.js';
import { decidePacing, type BusyAgent, type PacingDecision } from './pacing.js';
import { planRetry } from './retry.js';
import { CampaignStateError } from './errors.js';

export interface CampaignRunnerOptions {
  campaign: Campaign;
  engine: MediaEngine;
  clock: Clock;
  store: DialerStore;
  pool: DialerAgentPool;
  logger: Logger;
  /** Pacing decisions at least this often (also on every agent-ready). Default 1000 ms. */
  tickMs?: number;
  /** Live stats event interval. Default 5000 ms. */
  statsMs?: number;
}

/**
 * Answer rate from mature dials only: a dial counts once it is older than the ring timeout
 * plus AMD time, so fast failures (busy) do not make the early rate look low (which would
 * make pacing over-dial).
 */
class MatureRate {
  #queue: Array<{ at: number; connected: boolean }> = [];
  #head = 0;
  dials = 0;
  connects = 0;
  placed(at: number): { connected: boolean } {
    const entry = { at, connected: false };
    this.#queue.push(entry);
    return entry;
  }
  advance(now: number, ageMs: number): void {
    while (this.#head < this.#queue.length && (this.#queue[this.#head] as { at: number }).at + ageMs <= now) {
      const e = this.#queue[this.#head++] as { at: number; connected: boolean };
      this.dials++;
      if (e.connected) this.connects++;
    }
    if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}

/** Running means with a prior, so early estimates are sane. */
class RunningMean {
  #sum: number;
  #n: number;
  constructor(prior: number, weight: number) {
    this.#sum = prior * weight;
    this.#n = weight;
  }
  add(x: number): void {
    this.#sum += x;
    this.#n += 1;
  }
  get value(): number {
    return this.#sum / this.#n;
  }
}

export interface CampaignCounters {
  dials: number;
  /** Answers that needed an agent (people, and machines passed on). */
  connectRequests: number;
  connected: number;
  abandoned: number;
  machinesDropped: number;
  busy: number;
  noAnswer: number;
  failed: number;
  dncAtDial: number;
}

export class CampaignRunner extends TypedEmitter<DialerEventMap> {
  readonly campaignId: string;
  #o: CampaignRunnerOptions;
  #campaign: Campaign;
  #tickTimer: TimerHandle | undefined;
  #statsTimer: TimerHandle | undefined;
  #ticking = false;
  #tickAgain = false;
  #inFlight = 0;
  #liveWaiting = 0;
  #abandon: AbandonWindow;
  #today: AbandonWindow;
  #timeToConnect = new RunningMean(20_000, 5);
  #rate = new MatureRate();
  #talk = new RunningMean(120_000, 5);
  #wrap: RunningMean;
  #lastDecision: PacingDecision | undefined;
  #active = new Set<Promise<void>>();
  readonly counters: CampaignCounters = { dials: 0, connectRequests: 0, connected: 0, abandoned: 0, machinesDropped: 0, busy: 0, noAnswer: 0, failed: 0, dncAtDial: 0 };
  /** Per-attempt context the disposition step needs. */
  #connectedAt = new Map<string, { agentId: string; at: number }>();
  /** Attempts whose record is still being written: a disposition waits for it. */
  #finishing = new Map<string, Promise<void>>();
  #restored = false;

  constructor(options: CampaignRunnerOptions) {
    super();
    this.#o = options;
    this.#campaign = options.campaign;
    this.campaignId = options.campaign.id;
    this.#abandon = new AbandonWindow(abandonWindowMs(options.campaign.config));
    this.#today = new AbandonWindow(24 * 3600_000);
    this.#wrap = new RunningMean(options.campaign.config.wrapUpSec * 1000, 5);
    options.pool.onAgentReady((campaignId) => {
      if (campaignId === this.campaignId && this.state === 'running') this.#scheduleTick(0);
    });
    options.pool.onCallEnded((e) => {
      if (e.campaignId !== this.campaignId) return;
      const c = this.#connectedAt.get(e.attemptId);
      if (c) this.#talk.add(e.endedAt - c.at);
      if (e.disposition) void this.setDisposition(e.attemptId, e.disposition.code, e.agentId, e.disposition.callbackAt).catch((err: unknown) => this.#o.logger.error({ err, attemptId: e.attemptId }, 'disposition failed'));
    });
  }

  get state(): CampaignState {
    return this.#campaign.state;
  }

  get config(): CampaignConfig {
    return this.#campaign.config;
  }

  get lastDecision(): PacingDecision | undefined {
    return this.#lastDecision;
  }

  /**
   * Loads the abandon figures of the campaign's legal window from stored attempts (after a
   * restart the 30-day count must go on). Call before `start`.
   */
  async restoreAbandonHistory(): Promise<void> {
    const store = this.#o.store;
    if (!store.abandonHistory || this.#restored) return;
    this.#restored = true;
    const now = this.#o.clock.now();
    const cfg = this.config;
    const machineCodes = cfg.dispositions.filter((d) => d.countsAsMachine).map((d) => d.code);
    const fp = cfg.amd.enabled ? cfg.amd.falsePositivePct / 100 : 0;
    for (const m of await store.abandonHistory(this.campaignId, now - abandonWindowMs(cfg), machineCodes)) {
      for (const w of [this.#abandon, this.#today]) {
        w.recordLive(m.at, m.live + fp * m.machinesDropped);
        w.recordAbandon(m.at, m.abandoned + fp * m.machinesDropped);
      }
    }
  }

  start(): void {
    if (this.state === 'running') return;
    if (this.state === 'stopped' || this.state === 'finished') throw new CampaignStateError(this.campaignId, this.state, 'start');
    this.#setState('running');
    this.#scheduleTick(0);
    this.#scheduleStats();
  }

  pause(): void {
    if (this.state !== 'running') throw new CampaignStateError(this.campaignId, this.state, 'pause');
    this.#setState('paused');
    this.#tickTimer?.cancel();
  }

  resume(): void {
    if (this.state !== 'paused') throw new CampaignStateError(this.campaignId, this.state, 'resume');
    this.start();
  }

  /** Stops placing calls; calls in progress finish normally. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.#setState('stopped');
    this.#tickTimer?.cancel();
    this.#statsTimer?.cancel();
  }

  /** A live change of pacing parameters (already validated). */
  updateConfig(config: CampaignConfig): void {
    this.#campaign = { ...this.#campaign, config };
    if (this.state === 'running') this.#scheduleTick(0);
  }

  /** Resolves when every call this runner placed has finished. */
  async drain(): Promise<void> {
    while (this.#active.size > 0) await Promise.all([...this.#active]);
  }

  abandonRates(now = this.#o.clock.now()): { windowPct: number; windowLive: number; todayPct: number; hourPct: number; hourLive: number } {
    const w = this.#abandon.totals(now);
    const h = this.#abandon.recent(now, 3600_000);
    const d = this.#today.totals(now);
    return { windowPct: w.ratePct, windowLive: w.live, todayPct: d.ratePct, hourPct: h.ratePct, hourLive: h.live };
  }

  async liveStats(): Promise<CampaignLiveStats> {
    const now = this.#o.clock.now();
    const agents = this.#o.pool.agents(this.campaignId);
    const rates = this.abandonRates(now);
    const c = this.counters;
    return {
      campaignId: this.campaignId,
      at: now,
      state: this.state,
      mode: this.config.mode,
      dialsInFlight: this.#inFlight,
      dialsPlaced: c.dials,
      answerRatePct: c.dials > 0 ? (100 * c.connectRequests) / c.dials : 0,
      abandonRateWindowPct: rates.windowPct,
      abandonRateTodayPct: rates.todayPct,
      abandonRateLastHourPct: rates.hourPct,
      abandonCapPct: this.config.abandon.capPct,
      agentsLoggedIn: agents.length,
      agentsReady: agents.filter((a) => a.state === 'ready').length,
      agentsTalking: agents.filter((a) => a.state === 'talking').length,
      occupancyPct: agents.length > 0 ? (100 * agents.filter((a) => a.state === 'talking' || a.state === 'wrap-up').length) / agents.length : 0,
      talkMinPerAgentHour: agents.length > 0 ? (60 * agents.filter((a) => a.state === 'talking').length) / agents.length : 0,
      leadsRemaining: await this.#o.store.leadsRemaining(this.campaignId),
      pacing: this.#lastDecision?.reason ?? 'idle',
    };
  }

  /** The agent's disposition for an answered attempt: reschedules the lead (retry, callback or done). */
  async setDisposition(attemptId: string, code: string, agentId?: string, callbackAt?: number): Promise<void> {
    await this.#finishing.get(attemptId);
    const attempt = await this.#o.store.getAttempt(attemptId);
    if (!attempt) throw new CampaignStateError(this.campaignId, this.state, `set a disposition on unknown attempt ${attemptId}`);
    const disposition = this.config.dispositions.find((d) => d.code === code);
    if (!disposition) {
      throw new CampaignStateError(this.campaignId, this.state, `use disposition "${code}" (allowed: ${this.config.dispositions.map((d) => d.code).join(', ')})`);
    }
    const now = this.#o.clock.now();
    if (disposition.countsAsMachine) {
      // The agent heard a machine: it was not a live person, so it leaves the abandon denominator.
      this.#abandon.recordLive(attempt.connectedAt ?? now, -1);
      this.#today.recordLive(attempt.connectedAt ?? now, -1);
    }
    const plan = planRetry(this.config, {
      outcome: 'answered',
      attempts: attempt.leadAttempts,
      at: now,
      zone: attempt.timeZone,
      disposition,
      ...(callbackAt !== undefined ? { callbackAt } : {}),
      callbackAgentId: agentId ?? attempt.agentId ?? undefined,
    });
    this.#connectedAt.delete(attemptId);
    await this.#o.store.setDisposition({ attemptId, code, at: now, ...(callbackAt !== undefined ? { callbackAt } : {}), plan, addToDnc: disposition.addsToDnc });
  }

  #setState(state: CampaignState): void {
    this.#campaign = { ...this.#campaign, state };
    this.emit('campaign.state', { campaignId: this.campaignId, state, at: this.#o.clock.now() });
  }

  #scheduleStats(): void {
    this.#statsTimer?.cancel();
    this.#statsTimer = this.#o.clock.setTimer(this.#o.statsMs ?? 5000, () => {
      if (this.state === 'stopped') return;
      void this.liveStats().then((s) => this.emit('campaign.stats', s));
      this.#scheduleStats();
    });
  }

  #scheduleTick(ms: number): void {
    if (this.state !== 'running') return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#tickTimer?.cancel();
    this.#tickTimer = this.#o.clock.setTimer(ms, () => void this.#tick());
  }

  async #tick(): Promise<void> {
    if (this.state !== 'running') return;
    this.#ticking = true;
    try {
      await this.#placeCalls();
    } catch (err) {
      this.#o.logger.error({ err, campaignId: this.campaignId }, 'pacing tick failed');
    } finally {
      this.#ticking = false;
      const again = this.#tickAgain;
      this.#tickAgain = false;
      this.#scheduleTick(again ? 0 : (this.#o.tickMs ?? 1000));
    }
  }

  async #placeCalls(): Promise<void> {
    const now = this.#o.clock.now();
    const cfg = this.config;
    const pool = this.#o.pool;
    const agents = pool.agents(this.campaignId);

    // Agent callbacks first: each goes to its own agent, reserved.
    const readyIds = new Set(agents.filter((a) => a.state === 'ready').map((a) => a.agentId));
    if (readyIds.size > 0) {
      const callbacks = await this.#o.store.claimDueLeads(this.#campaign, now, readyIds.size, readyIds);
      for (const lead of callbacks) {
        const agentId = lead.callbackAgentId ? pool.reserve(this.campaignId, lead.callbackAgentId) : undefined;
        if (!agentId) {
          await this.#o.store.releaseLead(lead.id);
          continue;
        }
        this.#dial(lead, agentId, cfg.mode === 'preview' ? cfg.previewSec * 1000 : 0);
      }
    }

    const fresh = pool.agents(this.campaignId);
    const busy: BusyAgent[] = [];
    let ready = 0;
    for (const a of fresh) {
      if (a.state === 'ready') ready++;
      else if (a.state === 'talking' || a.state === 'wrap-up') busy.push({ state: a.state, elapsedMs: now - a.since });
    }
    const rates = this.abandonRates(now);
    this.#rate.advance(now, cfg.dialTimeoutSec * 1000 + (cfg.amd.enabled ? cfg.amd.timeoutMs : 0) + 1000);
    const decision = decidePacing({
      mode: cfg.mode,
      powerRatio: cfg.powerRatio,
      readyAgents: ready,
      busyAgents: busy,
      dialsInFlight: this.#inFlight,
      liveWaiting: this.#liveWaiting,
      estimates: {
        dials: this.#rate.dials,
        connects: this.#rate.connects,
        meanTimeToConnectMs: this.#timeToConnect.value,
        meanTalkMs: this.#talk.value,
        meanWrapMs: this.#wrap.value,
      },
      abandon: { windowRatePct: rates.windowPct, windowLive: rates.windowLive, hourRatePct: rates.hourPct, hourLive: rates.hourLive },
      capPct: cfg.abandon.capPct,
      targetPct: targetAbandonPct(cfg),
      maxDialsPerAgent: cfg.predictive.maxDialsPerAgent,
      warmupAnswers: cfg.predictive.warmupAnswers,
    });
    this.#lastDecision = decision;
    if (decision.dials <= 0) return;
    const leads = await this.#o.store.claimDueLeads(this.#campaign, now, decision.dials);
    for (const lead of leads) {
      let agentId: string | undefined;
      if (decision.reserveAgents) {
        agentId = this.#o.pool.reserve(this.campaignId);
        if (!agentId) {
          await this.#o.store.releaseLead(lead.id);
          continue;
        }
      }
      this.#dial(lead, agentId, cfg.mode === 'preview' ? cfg.previewSec * 1000 : 0);
    }
  }

  #dial(lead: LeadToDial, reservedAgentId: string | undefined, previewMs: number): void {
    this.#inFlight++;
    const p = this.#runAttempt(lead, reservedAgentId, previewMs)
      .catch((err: unknown) => this.#o.logger.error({ err, leadId: lead.id }, 'attempt failed'))
      .finally(() => this.#active.delete(p));
    this.#active.add(p);
  }

  async #runAttempt(lead: LeadToDial, reservedAgentId: string | undefined, previewMs: number): Promise<void> {
    const { clock, store, engine } = this.#o;
    const cfg = this.config;
    let inFlight = true;
    const leaveFlight = (): void => {
      if (inFlight) this.#inFlight--;
      inFlight = false;
    };
    // Preview: the agent reads the lead first (the reserved agent then starts the call).
    if (previewMs > 0) await clock.sleep(previewMs);

    // Do-not-call is checked now, at dial time, not only when the list was imported.
    if (await store.isOnDnc(this.campaignId, lead.phone)) {
      leaveFlight();
      if (reservedAgentId) this.#o.pool.release(reservedAgentId);
      this.counters.dncAtDial++;
      const attemptId = randomUUID();
      await store.startAttempt({ id: attemptId, campaignId: this.campaignId, leadId: lead.id, phone: lead.phone, attemptNo: lead.attempts, startedAt: clock.now(), legId: '' });
      await store.finishAttempt({ id: attemptId, leadId: lead.id, outcome: 'dnc', endedAt: clock.now(), plan: { kind: 'done', reason: 'dnc' } });
      return;
    }

    const attemptId = randomUUID();
    const legId = randomUUID();
    const attemptNo = lead.attempts + 1;
    const startedAt = clock.now();
    const log = this.#o.logger.child({ callId: legId, campaignId: this.campaignId, attemptId });
    await store.startAttempt({ id: attemptId, campaignId: this.campaignId, leadId: lead.id, phone: lead.phone, attemptNo, startedAt, legId });
    this.counters.dials++;
    const rateEntry = this.#rate.placed(startedAt);
    const base = { campaignId: this.campaignId, attemptId, leadId: lead.id, phone: lead.phone };
    this.emit('attempt.started', { ...base, at: startedAt });

    const finish = async (outcome: AttemptOutcome, extra: { answeredAt?: number; connectedAt?: number; amdResult?: string; agentId?: string; recordingRef?: string } = {}): Promise<void> => {
      const endedAt = clock.now();
      const plan =
        outcome === 'answered'
          ? ({ kind: 'done', reason: 'disposition' } as const)
          : planRetry(cfg, { outcome: outcome === 'dnc' ? 'dnc' : outcome, attempts: attemptNo, at: endedAt, zone: lead.timeZone });
      await store.finishAttempt({ id: attemptId, leadId: lead.id, outcome, endedAt, plan, ...extra });
      this.emit('attempt.ended', { ...base, at: endedAt, outcome, ...(extra.agentId ? { agentId: extra.agentId } : {}) });
    };

    let leg: CallLeg;
    try {
      leg = await engine.originate({
        to: { kind: 'number', number: lead.phone },
        callerId: cfg.callerId,
        timeoutMs: cfg.dialTimeoutSec * 1000,
        legId,
        variables: { campaign_id: this.campaignId, attempt_id: attemptId, lead_id: lead.id },
      });
    } catch (err) {
      leaveFlight();
      if (reservedAgentId) this.#o.pool.release(reservedAgentId);
      const failure = err instanceof OriginateError ? err.failure : 'failed';
      const outcome: AttemptOutcome = failure === 'busy' ? 'busy' : failure === 'no-answer' ? 'no-answer' : 'failed';
      if (outcome === 'busy') this.counters.busy++;
      else if (outcome === 'no-answer') this.counters.noAnswer++;
      else this.counters.failed++;
      if (!(err instanceof OriginateError)) log.warn({ err }, 'originate failed');
      await finish(outcome);
      return;
    }
    const answeredAt = clock.now();

    let amdResult: string | undefined;
    if (cfg.amd.enabled) {
      this.#liveWaiting++;
      try {
        amdResult = await leg.detectMachine({ timeoutMs: cfg.amd.timeoutMs });
      } catch {
        amdResult = 'unknown';
      } finally {
        this.#liveWaiting--;
      }
      if (amdResult === 'machine' && cfg.amd.onMachine !== 'pass-to-agent') {
        leaveFlight();
        this.#timeToConnect.add(clock.now() - startedAt);
        if (reservedAgentId) this.#o.pool.release(reservedAgentId);
        this.counters.machinesDropped++;
        // Regulators count the live people AMD wrongly drops: the measured false-positive share
        // of machine verdicts is added to the abandon figures as an estimate.
        const fp = cfg.amd.falsePositivePct / 100;
        if (fp > 0) {
          const now = clock.now();
          for (const w of [this.#abandon, this.#today]) {
            w.recordLive(now, fp);
            w.recordAbandon(now, fp);
          }
          this.emit('abandoned', { ...base, at: now, reason: 'amd-false-positive-estimate' });
        }
        if (cfg.amd.onMachine === 'leave-message' && cfg.amd.message) {
          await leg.play(cfg.amd.message).catch(() => undefined);
        }
        await leg.hangup().catch(() => undefined);
        await finish('machine', { answeredAt, amdResult });
        return;
      }
    }

    leaveFlight();
    this.counters.connectRequests++;
    rateEntry.connected = true;
    this.#timeToConnect.add(clock.now() - startedAt);
    this.#liveWaiting++;
    const result = await this.#o.pool.connect({
      campaignId: this.campaignId,
      attemptId,
      customer: leg,
      withinMs: cfg.abandon.connectWithinMs,
      ...(reservedAgentId ? { agentId: reservedAgentId } : {}),
    });
    this.#liveWaiting--;
    const now = clock.now();
    this.#abandon.recordLive(now);
    this.#today.recordLive(now);
    if (!result.connected) {
      this.counters.abandoned++;
      this.#abandon.recordAbandon(now);
      this.#today.recordAbandon(now);
      this.emit('abandoned', { ...base, at: now, reason: result.reason });
      if (leg.state !== 'ended') {
        await leg.play(cfg.abandon.safeHarbourMessage).catch(() => undefined);
        await leg.hangup().catch(() => undefined);
      }
      log.info({ reason: result.reason }, 'live answer abandoned: no agent within the connect limit');
      await finish('abandoned', { answeredAt, ...(amdResult ? { amdResult } : {}) });
      this.#scheduleTick(0);
      return;
    }
    this.counters.connected++;
    this.#connectedAt.set(attemptId, { agentId: result.agentId, at: result.connectedAt });
    let done!: () => void;
    this.#finishing.set(attemptId, new Promise<void>((r) => (done = r)));
    try {
      await leg.ended;
      await finish('answered', {
        answeredAt,
        connectedAt: result.connectedAt,
        agentId: result.agentId,
        ...(amdResult ? { amdResult } : {}),
        ...(result.recordingRef ? { recordingRef: result.recordingRef } : {}),
      });
    } finally {
      this.#finishing.delete(attemptId);
      done();
    }
  }
}
