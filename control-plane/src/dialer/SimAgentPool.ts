/**
 * A DialerAgentPool of simulator agent phones (engine.addAgentEndpoint users), used by the
 * benchmark and the simulator tests. Agents stay on a "nailed-up" leg while ready (as
 * VICIdial and Connect agents do): the pool rings the agent's phone when the agent becomes
 * ready, so a live answer is bridged at once. After the call the agent is in wrap-up for
 * `wrapUpMs`, then ready again. It keeps per-agent time in each state for occupancy.
 */
import type { CallLeg, MediaEngine } from '../engine/port.js';
import type { Clock } from '../clock.js';
import type { AgentCallEnded, ConnectRequest, ConnectResult, DialerAgentPool, PoolAgent, PoolAgentState } from './agentPool.js';

export interface SimPoolAgent {
  agentId: string;
  /** The simulator endpoint's user. */
  user: string;
}

export interface SimAgentPoolOptions {
  engine: MediaEngine;
  clock: Clock;
  campaignId: string;
  agents: SimPoolAgent[];
  wrapUpMs: number;
  /** Wrap-up for a particular call when it differs (e.g. a few seconds to mark an answering machine). */
  wrapUpMsFor?: (customer: CallLeg) => number | undefined;
  /** Ring time allowed when calling an agent's phone. */
  agentRingTimeoutMs?: number;
  /** Simulated agent's disposition for a finished call (e.g. a machine → `answering-machine`). */
  dispose?: (customer: CallLeg, talkMs: number) => { code: string; callbackAt?: number } | undefined;
  /** Simulated agent hangs up early (e.g. on hearing an answering machine): ms after the bridge, or undefined. */
  agentHangsUpAfterMs?: (customer: CallLeg) => number | undefined;
}

interface AgentSlot {
  agentId: string;
  user: string;
  state: PoolAgentState | 'connecting-phone';
  since: number;
  leg: CallLeg | undefined;
  /** Accumulated ms per state, for occupancy. */
  time: Record<'ready' | 'talking' | 'wrap-up', number>;
  calls: number;
}

interface Waiter {
  request: ConnectRequest;
  resolve: (r: ConnectResult) => void;
  timer: { cancel(): void };
}

export interface SimAgentTotals {
  agents: number;
  readyMs: number;
  talkingMs: number;
  wrapUpMs: number;
  calls: number;
}

export class SimAgentPool implements DialerAgentPool {
  #o: SimAgentPoolOptions;
  #slots = new Map<string, AgentSlot>();
  #waiters: Waiter[] = [];
  #readyListeners: Array<(campaignId: string, agentId: string) => void> = [];
  #endedListeners: Array<(e: AgentCallEnded) => void> = [];
  #closed = false;

  constructor(options: SimAgentPoolOptions) {
    this.#o = options;
    const now = options.clock.now();
    for (const a of options.agents) {
      this.#slots.set(a.agentId, { agentId: a.agentId, user: a.user, state: 'connecting-phone', since: now, leg: undefined, time: { ready: 0, talking: 0, 'wrap-up': 0 }, calls: 0 });
    }
  }

  /** Logs every agent in (rings their phones). */
  start(): void {
    for (const slot of this.#slots.values()) this.#nailUp(slot);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#waiters) {
      w.timer.cancel();
      w.resolve({ connected: false, reason: 'no-agent' });
    }
    this.#waiters = [];
    for (const slot of this.#slots.values()) void slot.leg?.hangup().catch(() => undefined);
  }

  agents(campaignId: string): PoolAgent[] {
    if (campaignId !== this.#o.campaignId) return [];
    const out: PoolAgent[] = [];
    for (const s of this.#slots.values()) {
      // An agent whose phone is being rung back after a call counts as ready: it will be up in a second.
      const state: PoolAgentState = s.state === 'connecting-phone' ? 'ready' : s.state;
      out.push({ agentId: s.agentId, state, since: s.since });
    }
    return out;
  }

  reserve(campaignId: string, agentId?: string): string | undefined {
    if (campaignId !== this.#o.campaignId) return undefined;
    const slot = agentId ? this.#slots.get(agentId) : this.#longestReady();
    if (!slot || (slot.state !== 'ready' && slot.state !== 'connecting-phone')) return undefined;
    this.#enter(slot, 'reserved');
    return slot.agentId;
  }

  release(agentId: string): void {
    const slot = this.#slots.get(agentId);
    if (slot?.state !== 'reserved') return;
    this.#enter(slot, 'ready');
    this.#serveWaiters();
    this.#emitReady(slot);
  }

  connect(request: ConnectRequest): Promise<ConnectResult> {
    if (request.customer.state === 'ended') return Promise.resolve({ connected: false, reason: 'customer-gone' });
    return new Promise<ConnectResult>((resolve) => {
      const timer = this.#o.clock.setTimer(request.withinMs, () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        if (request.agentId) this.release(request.agentId);
        resolve({ connected: false, reason: 'no-agent' });
      });
      const waiter: Waiter = { request, resolve, timer };
      this.#waiters.push(waiter);
      void request.customer.ended.then(() => {
        if (!this.#waiters.includes(waiter)) return;
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        timer.cancel();
        if (request.agentId) this.release(request.agentId);
        resolve({ connected: false, reason: 'customer-gone' });
      });
      this.#serveWaiters();
    });
  }

  onAgentReady(listener: (campaignId: string, agentId: string) => void): void {
    this.#readyListeners.push(listener);
  }

  onCallEnded(listener: (e: AgentCallEnded) => void): void {
    this.#endedListeners.push(listener);
  }

  totals(): SimAgentTotals {
    const now = this.#o.clock.now();
    const t = { agents: this.#slots.size, readyMs: 0, talkingMs: 0, wrapUpMs: 0, calls: 0 };
    for (const s of this.#slots.values()) {
      const open = now - s.since;
      t.readyMs += s.time.ready + (s.state === 'ready' || s.state === 'reserved' || s.state === 'connecting-phone' ? open : 0);
      t.talkingMs += s.time.talking + (s.state === 'talking' ? open : 0);
      t.wrapUpMs += s.time['wrap-up'] + (s.state === 'wrap-up' ? open : 0);
      t.calls += s.calls;
    }
    return t;
  }

  #longestReady(): AgentSlot | undefined {
    let best: AgentSlot | undefined;
    for (const s of this.#slots.values()) {
      if (s.state !== 'ready' || !s.leg) continue;
      if (!best || s.since < best.since) best = s;
    }
    if (best) return best;
    for (const s of this.#slots.values()) if (s.state === 'connecting-phone' && (!best || s.since < best.since)) best = s;
    return best;
  }

  #enter(slot: AgentSlot, state: AgentSlot['state']): void {
    const now = this.#o.clock.now();
    const spent = now - slot.since;
    if (slot.state === 'talking') slot.time.talking += spent;
    else if (slot.state === 'wrap-up') slot.time['wrap-up'] += spent;
    else slot.time.ready += spent;
    slot.state = state;
    slot.since = now;
  }

  #serveWaiters(): void {
    for (const waiter of [...this.#waiters]) {
      const want = waiter.request.agentId;
      let slot: AgentSlot | undefined;
      if (want) {
        const s = this.#slots.get(want);
        if (s?.state === 'reserved' && s.leg) slot = s;
      } else {
        slot = this.#longestReady();
        if (slot && !slot.leg) slot = undefined;
      }
      if (!slot) continue;
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
      waiter.timer.cancel();
      this.#bridge(slot, waiter);
    }
  }

  #bridge(slot: AgentSlot, waiter: Waiter): void {
    const { customer } = waiter.request;
    const agentLeg = slot.leg as CallLeg;
    this.#enter(slot, 'talking');
    slot.calls++;
    const connectedAt = this.#o.clock.now();
    slot.leg = undefined;
    customer.bridge(agentLeg).then(
      () => {
        const early = this.#o.agentHangsUpAfterMs?.(customer);
        if (early !== undefined) this.#o.clock.setTimer(early, () => void customer.hangup().catch(() => undefined));
        waiter.resolve({ connected: true, agentId: slot.agentId, connectedAt });
      },
      () => {
        // The customer left in the same instant: the agent is free again.
        this.#enter(slot, 'connecting-phone');
        void agentLeg.hangup().catch(() => undefined);
        this.#nailUp(slot);
        waiter.resolve({ connected: false, reason: 'customer-gone' });
      },
    );
    void customer.ended.then(() => {
      if (slot.state !== 'talking') return;
      const talkMs = this.#o.clock.now() - connectedAt;
      void agentLeg.hangup().catch(() => undefined);
      this.#enter(slot, 'wrap-up');
      const disposition = this.#o.dispose?.(customer, talkMs);
      const event: AgentCallEnded = { campaignId: waiter.request.campaignId, attemptId: waiter.request.attemptId, agentId: slot.agentId, endedAt: this.#o.clock.now(), ...(disposition ? { disposition } : {}) };
      for (const l of this.#endedListeners) l(event);
      this.#o.clock.setTimer(this.#o.wrapUpMsFor?.(customer) ?? this.#o.wrapUpMs, () => {
        if (this.#closed) return;
        this.#enter(slot, 'connecting-phone');
        this.#nailUp(slot);
      });
    });
  }

  #nailUp(slot: AgentSlot): void {
    if (this.#closed) return;
    if (slot.state !== 'connecting-phone' && slot.state !== 'reserved') this.#enter(slot, 'connecting-phone');
    this.#o.engine
      .originate({ to: { kind: 'user', user: slot.user }, callerId: { number: 'dialer', name: 'Outbound campaign' }, timeoutMs: this.#o.agentRingTimeoutMs ?? 20_000, variables: { agent_id: slot.agentId } })
      .then(
        (leg) => {
          if (this.#closed) {
            void leg.hangup();
            return;
          }
          slot.leg = leg;
          void leg.ended.then(() => {
            // The agent hung up their phone while waiting: ring it again.
            if (slot.leg === leg) {
              slot.leg = undefined;
              this.#nailUp(slot);
            }
          });
          if (slot.state === 'connecting-phone') this.#enter(slot, 'ready');
          this.#serveWaiters();
          if (slot.state === 'ready') this.#emitReady(slot);
        },
        () => {
          // Phone did not answer: try again shortly (the agent stays logged in).
          this.#o.clock.setTimer(5000, () => this.#nailUp(slot));
        },
      );
  }

  #emitReady(slot: AgentSlot): void {
    for (const l of this.#readyListeners) l(this.#o.campaignId, slot.agentId);
  }
}
