/** Test doubles for the ACD: a manual clock and an in-memory event sink. */
import { sleepOn, type Clock, type TimerHandle } from '../../src/clock.js';
import type { AcdEventSink } from '../../src/acd/Acd.js';
import type { AgentStateInput, InteractionEventInput, InteractionPatch, InteractionRow } from '../../src/store/EventLog.js';
import { agentSchema, queueSchema, type AgentInput, type QueueInput } from '../../src/acd/AcdTypes.js';

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];
  constructor(start = Date.parse('2026-01-05T08:00:00Z')) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
  /** Runs every timer due up to now + ms, in time order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > until) break;
      this.#timers.shift();
      this.#now = next.at;
      next.fn();
    }
    this.#now = until;
  }
}

export class MemorySink implements AcdEventSink {
  interactionEvents: InteractionEventInput[] = [];
  agentStates: AgentStateInput[] = [];
  rows = new Map<string, Record<string, unknown>>();
  interactionEvent(e: InteractionEventInput): string {
    this.interactionEvents.push(e);
    return String(this.interactionEvents.length);
  }
  agentState(e: AgentStateInput): string {
    this.agentStates.push(e);
    return String(this.agentStates.length);
  }
  createInteraction(row: InteractionRow): void {
    if (!this.rows.has(row.id)) this.rows.set(row.id, { ...row });
  }
  updateInteraction(id: string, patch: InteractionPatch): void {
    this.rows.set(id, { ...(this.rows.get(id) ?? {}), ...patch });
  }
  types(interactionId: string): string[] {
    return this.interactionEvents.filter((e) => e.interactionId === interactionId).map((e) => e.type);
  }
}

export const queue = (q: QueueInput) => queueSchema.parse(q);
export const agent = (a: AgentInput) => agentSchema.parse(a);
