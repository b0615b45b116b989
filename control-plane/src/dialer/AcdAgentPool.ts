/**
 * The production DialerAgentPool: a campaign's calls go to the ACD agents of its queue (or of
 * a fixed agent group), through the Acd like any interaction, so agent state, routing,
 * wrap-up and the event log are the ACD's own.
 *
 * - `agents()` reads the router's skill/member indexes (`Router.queueAgents`), not every agent.
 * - `reserve()` is `Acd.reserve`: an outbound interaction offered to that one agent, who shows
 *   as `reserved` (inbound routing skips them). `release()` withdraws it (`Acd.withdraw`).
 * - `connect()` hands the answered customer to an agent: the reserved agent's interaction, or
 *   a new outbound interaction enqueued at top priority in the campaign's queue (so the first
 *   agent to free up takes it before waiting inbound calls). The offered agent's phone is rung
 *   and the customer bridged when it answers (`Acd.accept`). If nobody is connected within
 *   `withinMs`, the interaction is withdrawn WITHOUT touching the customer leg and the result
 *   is `no-agent` (the dialer plays its safe-harbour message and hangs up). A customer who
 *   hangs up meanwhile is an ACD abandon and `customer-gone`.
 * - `onAgentReady` / `onCallEnded` come from the Acd's `agent.state` / `interaction.ended`.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { callLogger } from '../logger.js';
import type { MediaEngine } from '../engine/port.js';
import type { Acd } from '../acd/Acd.js';
import { ringAgentPhone } from '../acd/ringAgentPhone.js';
import type { AgentRec } from '../acd/Router.js';
import type { CampaignConfig } from './campaign.js';
import type { AgentCallEnded, ConnectRequest, ConnectResult, DialerAgentPool, PoolAgent, PoolAgentState } from './agentPool.js';

/** Where a campaign's calls go in the ACD. */
export interface AcdCampaignTarget {
  /** The queue the outbound interactions are created in (routing, wrap-up, statistics). */
  queueId: string;
  /** A fixed agent group instead of everyone who serves the queue (they must also serve it). */
  agentIds?: string[];
}

export interface AcdAgentPoolOptions {
  acd: Acd;
  engine: MediaEngine;
  logger: Logger;
  /** The campaign's target, looked up on every call (so a PATCHed target applies at once). */
  targetFor: (campaignId: string) => AcdCampaignTarget | undefined;
  /** Priority of outbound interactions in the queue (0–100); default 100, ahead of inbound. */
  priority?: number;
}

/**
 * Maps a campaign's `target` onto the ACD. Agent-group campaigns need a queue to create
 * their interactions in (`agentGroupQueueId`, e.g. an "outbound" queue without skills).
 */
export function acdTargetOf(config: Pick<CampaignConfig, 'target'>, agentGroupQueueId?: string): AcdCampaignTarget | undefined {
  if (config.target.kind === 'queue') return { queueId: config.target.queueId };
  return agentGroupQueueId ? { queueId: agentGroupQueueId, agentIds: config.target.agentIds } : undefined;
}

interface CallCtx {
  interactionId: string;
  request: ConnectRequest;
  target: AcdCampaignTarget;
  log: Logger;
  deadline: number;
  timer: TimerHandle;
  rings: Map<string, AbortController>;
  /** Agent-group call waiting for one of its agents to become ready. */
  waitingForGroup: boolean;
  connectedAgent: string | null;
  done: boolean;
  resolve: (r: ConnectResult) => void;
}

const ACD_TO_POOL: Partial<Record<string, PoolAgentState>> = { ready: 'ready', reserved: 'reserved', busy: 'talking', 'wrap-up': 'wrap-up' };

export class AcdAgentPool implements DialerAgentPool {
  readonly #acd: Acd;
  readonly #engine: MediaEngine;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #targetFor: (campaignId: string) => AcdCampaignTarget | undefined;
  readonly #priority: number;
  /** Campaigns this pool has been asked about (agent-ready events are fanned out to them). */
  readonly #campaigns = new Set<string>();
  /** agentId → the reservation interaction held for them. */
  readonly #reservations = new Map<string, { interactionId: string; campaignId: string }>();
  /** interactionId → a connect in progress or a connected call. */
  readonly #calls = new Map<string, CallCtx>();
  readonly #readyListeners: Array<(campaignId: string, agentId: string) => void> = [];
  readonly #endedListeners: Array<(e: AgentCallEnded) => void> = [];

  constructor(options: AcdAgentPoolOptions) {
    this.#acd = options.acd;
    this.#engine = options.engine;
    this.#clock = options.engine.clock;
    this.#log = options.logger.child({ component: 'dialer.acd-pool' });
    this.#targetFor = options.targetFor;
    this.#priority = options.priority ?? 100;
    this.#acd.on('offer', (o) => {
      const ctx = this.#calls.get(o.interactionId);
      if (ctx) for (const agentId of o.agentIds) void this.#ring(ctx, agentId);
    });
    this.#acd.on('offer.cancelled', (c) => this.#calls.get(c.interactionId)?.rings.get(c.agentId)?.abort());
    this.#acd.on('exit', (e) => {
      // A queue exit (escalation to voicemail/hang-up, max wait) for a dialer call: no agent.
      const ctx = this.#calls.get(e.interactionId);
      if (ctx && !ctx.connectedAgent) this.#fail(ctx, 'no-agent');
    });
    this.#acd.on('agent.state', (e) => {
      if (e.state !== 'ready') return;
      this.#serveGroupWaiters();
      for (const campaignId of this.#campaigns) {
        const t = this.#targetFor(campaignId);
        if (t && this.#inTarget(t, e.agentId)) for (const l of this.#readyListeners) l(campaignId, e.agentId);
      }
    });
    this.#acd.on('interaction.ended', (e) => {
      const ctx = this.#calls.get(e.interactionId);
      if (!ctx?.connectedAgent) return;
      this.#calls.delete(e.interactionId);
      const event: AgentCallEnded = { campaignId: ctx.request.campaignId, attemptId: ctx.request.attemptId, agentId: ctx.connectedAgent, endedAt: this.#clock.now() };
      for (const l of this.#endedListeners) l(event);
    });
  }

  agents(campaignId: string): PoolAgent[] {
    this.#campaigns.add(campaignId);
    const t = this.#targetFor(campaignId);
    if (!t) return [];
    const out: PoolAgent[] = [];
    for (const a of this.#targetAgents(t)) {
      const state = ACD_TO_POOL[a.state];
      if (!state || a.config.capacity.voice < 1) continue;
      out.push({ agentId: a.id, state, since: this.#acd.stateSince(a.id) ?? a.loginAt });
    }
    return out;
  }

  reserve(campaignId: string, agentId?: string): string | undefined {
    this.#campaigns.add(campaignId);
    const t = this.#targetFor(campaignId);
    if (!t) return undefined;
    const agent = agentId ? this.#readyAgent(t, agentId) : this.#longestIdle(t);
    if (!agent) return undefined;
    const interactionId = this.#reserveInAcd(t, agent.id, { campaign_id: campaignId });
    if (!interactionId) return undefined;
    this.#reservations.set(agent.id, { interactionId, campaignId });
    return agent.id;
  }

  release(agentId: string): void {
    const r = this.#reservations.get(agentId);
    if (!r) return;
    this.#reservations.delete(agentId);
    if (this.#calls.has(r.interactionId)) return; // already handed to a call
    this.#acd.withdraw(r.interactionId, 'reservation-released');
  }

  connect(request: ConnectRequest): Promise<ConnectResult> {
    this.#campaigns.add(request.campaignId);
    const { customer } = request;
    const reservation = request.agentId ? this.#takeReservation(request.agentId) : undefined;
    const target = this.#targetFor(request.campaignId);
    if (customer.state === 'ended' || !target) {
      if (reservation) this.#acd.withdraw(reservation, customer.state === 'ended' ? 'customer-gone' : 'no-agent');
      return Promise.resolve(customer.state === 'ended' ? { connected: false, reason: 'customer-gone' } : { connected: false, reason: 'no-agent' });
    }
    return new Promise<ConnectResult>((resolve) => {
      const interactionId = reservation ?? randomUUID();
      const now = this.#clock.now();
      const ctx: CallCtx = {
        interactionId,
        request,
        target,
        log: callLogger(this.#log, customer.id, { interactionId, campaignId: request.campaignId, attemptId: request.attemptId }),
        deadline: now + request.withinMs,
        timer: this.#clock.setTimer(request.withinMs, () => this.#fail(ctx, 'no-agent')),
        rings: new Map(),
        waitingForGroup: false,
        connectedAgent: null,
        done: false,
        resolve,
      };
      this.#calls.set(interactionId, ctx);
      void customer.ended.then(() => {
        if (!ctx.connectedAgent) this.#fail(ctx, 'customer-gone');
      });
      if (reservation) {
        this.#acd.updateDetails(interactionId, { variables: this.#variables(ctx), callerNumber: customer.callerId.number, dialledNumber: customer.destination, customerRef: `tel:${customer.destination}` });
        void this.#ring(ctx, request.agentId!);
      } else if (target.agentIds) {
        ctx.waitingForGroup = true;
        this.#serveGroupWaiters();
      } else {
        this.#enqueue(ctx);
      }
    });
  }

  onAgentReady(listener: (campaignId: string, agentId: string) => void): void {
    this.#readyListeners.push(listener);
  }

  onCallEnded(listener: (e: AgentCallEnded) => void): void {
    this.#endedListeners.push(listener);
  }

  /** Connects in progress or calls connected (for tests and metrics). */
  get activeCalls(): number {
    return this.#calls.size;
  }

  // ---------------------------------------------------------------- internals

  #variables(ctx: CallCtx): Record<string, string> {
    // leg_id: after a takeover the new active finds the customer's call on the switch by it.
    const v: Record<string, string> = { campaign_id: ctx.request.campaignId, attempt_id: ctx.request.attemptId, leg_id: ctx.request.customer.id };
    const lead = ctx.request.customer.variables.lead_id;
    if (lead) v.lead_id = lead;
    return v;
  }

  #enqueue(ctx: CallCtx): void {
    const customer = ctx.request.customer;
    let res;
    try {
      res = this.#acd.enqueue({
        id: ctx.interactionId,
        direction: 'outbound',
        countInQueueStats: false,
        restoreAfterRestart: false,
        requirements: { queueId: ctx.target.queueId, channel: 'voice', skills: [], priority: this.#priority, vip: false },
        callerNumber: customer.callerId.number,
        dialledNumber: customer.destination,
        customerRef: `tel:${customer.destination}`,
        variables: this.#variables(ctx),
      });
    } catch (err) {
      ctx.log.warn({ err }, 'the ACD refused the outbound call');
      this.#fail(ctx, 'no-agent');
      return;
    }
    if (!res.accepted) {
      ctx.log.info({ reason: res.reason }, 'queue refused the outbound call');
      this.#fail(ctx, 'no-agent');
    }
    // An offer made inside enqueue was already announced through the 'offer' event (the call was registered first).
  }

  /** Agent-group calls: reserve the longest-idle ready agent of the group for the oldest waiting call. */
  #serveGroupWaiters(): void {
    for (const ctx of [...this.#calls.values()]) {
      if (!ctx.waitingForGroup || ctx.done) continue;
      const agent = this.#longestIdle(ctx.target);
      if (!agent) continue;
      const id = this.#reserveInAcd(ctx.target, agent.id, this.#variables(ctx), ctx.interactionId);
      if (!id) continue;
      const customer = ctx.request.customer;
      this.#acd.updateDetails(id, { callerNumber: customer.callerId.number, dialledNumber: customer.destination, customerRef: `tel:${customer.destination}` });
      ctx.waitingForGroup = false;
      void this.#ring(ctx, agent.id);
    }
  }

  #reserveInAcd(t: AcdCampaignTarget, agentId: string, variables: Record<string, string>, id?: string): string | undefined {
    try {
      return this.#acd.reserve({
        ...(id ? { id } : {}),
        agentId,
        direction: 'outbound',
        countInQueueStats: false,
        restoreAfterRestart: false,
        requirements: { queueId: t.queueId, channel: 'voice', skills: [], priority: this.#priority, vip: false },
        variables,
      });
    } catch (err) {
      this.#log.debug({ err, agentId }, 'agent could not be reserved');
      return undefined;
    }
  }

  /** The reservation interaction of an agent, if it is still held for them. */
  #takeReservation(agentId: string): string | undefined {
    const r = this.#reservations.get(agentId);
    if (!r) return undefined;
    this.#reservations.delete(agentId);
    const i = this.#acd.router.interaction(r.interactionId);
    if (i?.phase === 'offered' && i.offeredTo.has(agentId)) return r.interactionId;
    this.#acd.withdraw(r.interactionId, 'reservation-lost');
    return undefined;
  }

  async #ring(ctx: CallCtx, agentId: string): Promise<void> {
    if (ctx.done || ctx.rings.has(agentId)) return;
    const agentLeg = await ringAgentPhone({
      acd: this.#acd,
      engine: this.#engine,
      log: ctx.log,
      interactionId: ctx.interactionId,
      agentId,
      rings: ctx.rings,
      callerId: { number: ctx.request.customer.destination, name: 'Outbound campaign' },
      // The connect deadline ends the ring; the extra second lets it fire first.
      timeoutMs: Math.max(1, ctx.deadline - this.#clock.now()) + 1000,
      variables: { ...this.#variables(ctx), interaction_id: ctx.interactionId, queue_id: ctx.target.queueId, agent_id: agentId },
      customer: ctx.request.customer,
      isDone: () => ctx.done,
      notReached: (why) => this.#notReached(ctx, agentId, why),
    });
    if (!agentLeg) return;
    ctx.connectedAgent = agentId;
    ctx.timer.cancel();
    const connectedAt = this.#clock.now();
    const customer = ctx.request.customer;
    try {
      if (customer.state === 'ended') throw new Error('customer gone before the bridge');
      await customer.bridge(agentLeg);
    } catch (err) {
      ctx.log.info({ err: (err as Error).message }, 'bridge failed');
      await agentLeg.hangup().catch(() => undefined);
      ctx.done = true;
      this.#calls.delete(ctx.interactionId);
      ctx.resolve({ connected: false, reason: 'customer-gone' });
      if (this.#acd.isLive(ctx.interactionId)) this.#acd.complete(ctx.interactionId, 'bridge-failed');
      return;
    }
    ctx.done = true;
    ctx.resolve({ connected: true, agentId, connectedAt });
    const first = await Promise.race([customer.ended.then(() => 'customer' as const), agentLeg.ended.then(() => 'agent' as const)]);
    await (first === 'customer' ? agentLeg : customer).hangup().catch(() => undefined);
    if (this.#acd.isLive(ctx.interactionId)) this.#acd.complete(ctx.interactionId, `${first}-hung-up`);
  }

  /** The agent's phone could not be reached: a queue call goes back to routing; a reserved one fails. */
  #notReached(ctx: CallCtx, agentId: string, why: 'rona' | 'failed'): void {
    const i = this.#acd.router.interaction(ctx.interactionId);
    if (!i || i.phase !== 'offered' || !i.offeredTo.has(agentId)) return;
    if (ctx.target.agentIds || ctx.request.agentId) {
      this.#fail(ctx, 'no-agent');
      return;
    }
    try {
      this.#acd.rejectOffer(ctx.interactionId, agentId, why);
    } catch (err) {
      ctx.log.warn({ err }, 'could not requeue after a failed offer');
    }
  }

  #fail(ctx: CallCtx, reason: 'no-agent' | 'customer-gone'): void {
    if (ctx.done || ctx.connectedAgent) return;
    ctx.done = true;
    ctx.timer.cancel();
    for (const ring of ctx.rings.values()) ring.abort();
    this.#calls.delete(ctx.interactionId);
    if (this.#acd.isLive(ctx.interactionId)) {
      if (reason === 'customer-gone') this.#acd.abandon(ctx.interactionId, 'customer-hung-up');
      else this.#acd.withdraw(ctx.interactionId, 'no-agent');
    }
    ctx.log.info({ reason }, 'no agent connected');
    ctx.resolve({ connected: false, reason });
  }

  #targetAgents(t: AcdCampaignTarget): Array<Readonly<AgentRec>> {
    const router = this.#acd.router;
    if (!router.hasQueue(t.queueId)) return [];
    if (!t.agentIds) return router.queueAgents(t.queueId);
    const out: Array<Readonly<AgentRec>> = [];
    for (const id of t.agentIds) {
      if (!router.hasAgent(id) || !router.servesQueue(id, t.queueId)) continue;
      const a = router.agent(id);
      if (a.presence !== 'logged-out') out.push(a);
    }
    return out;
  }

  #inTarget(t: AcdCampaignTarget, agentId: string): boolean {
    if (t.agentIds && !t.agentIds.includes(agentId)) return false;
    return this.#acd.router.servesQueue(agentId, t.queueId);
  }

  #readyAgent(t: AcdCampaignTarget, agentId: string): Readonly<AgentRec> | undefined {
    if (!this.#inTarget(t, agentId)) return undefined;
    const a = this.#acd.router.agent(agentId);
    return a.state === 'ready' && a.offerable('voice') ? a : undefined;
  }

  /** The target's ready agent who has been idle longest (the ACD's default strategy). */
  #longestIdle(t: AcdCampaignTarget): Readonly<AgentRec> | undefined {
    let best: Readonly<AgentRec> | undefined;
    for (const a of this.#targetAgents(t)) {
      if (a.state !== 'ready' || !a.offerable('voice')) continue;
      if (!best || a.idleSince < best.idleSince || (a.idleSince === best.idleSince && a.ordinal < best.ordinal)) best = a;
    }
    return best;
  }
}
