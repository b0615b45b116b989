/**
 * The ACD's running figures: each queue's records since site midnight (answered, abandoned,
 * exited — what SL, ASA and abandon rate are computed from) and each agent's time in every
 * state today and in the current 15-minute interval. Everything restarts at site midnight.
 */
import type { Clock } from '../clock.js';
import type { AgentState } from '../domainEvents.js';
import { recordsBetween, startOfSiteDay, type QueueRecord, type StateDurations } from './metrics.js';

interface StateTime {
  state: AgentState;
  since: number;
  today: StateDurations;
  interval: StateDurations;
}

export function zeroDurations(): StateDurations {
  return { 'logged-out': 0, ready: 0, 'not-ready': 0, reserved: 0, busy: 0, 'wrap-up': 0 };
}

export class AcdFigures {
  readonly #clock: Clock;
  readonly #timeZone: string;
  readonly #windowMs: number;
  /** Called once when a new site day starts (the router resets its per-day counters). */
  readonly #onNewDay: (now: number) => void;
  readonly #records = new Map<string, QueueRecord[]>();
  readonly #stateTime = new Map<string, StateTime>();
  #dayStart: number;

  constructor(options: { clock: Clock; timeZone: string; windowMs: number; onNewDay: (now: number) => void }) {
    this.#clock = options.clock;
    this.#timeZone = options.timeZone;
    this.#windowMs = options.windowMs;
    this.#onNewDay = options.onNewDay;
    this.#dayStart = startOfSiteDay(this.#clock.now(), this.#timeZone);
  }

  addQueue(queueId: string): void {
    if (!this.#records.has(queueId)) this.#records.set(queueId, []);
  }

  removeQueue(queueId: string): void {
    this.#records.delete(queueId);
  }

  /** A queue's records since site midnight (append to it to record). */
  recordsOf(queueId: string): QueueRecord[] {
    this.rollDay();
    let list = this.#records.get(queueId);
    if (!list) this.#records.set(queueId, (list = []));
    return list;
  }

  /** A queue's records within the sliding window. */
  windowRecords(queueId: string): QueueRecord[] {
    const now = this.#clock.now();
    return recordsBetween(this.recordsOf(queueId), now - this.#windowMs, now + 1);
  }

  /** Books the time since the agent's last change to its state, then moves it to `next` (null: stays). */
  accrue(agentId: string, next: AgentState | null, now: number): void {
    const t = this.#stateTime.get(agentId);
    if (t) {
      t.today[t.state] += now - t.since;
      t.interval[t.state] += now - t.since;
      t.since = now;
      if (next) t.state = next;
    } else if (next) {
      this.#stateTime.set(agentId, { state: next, since: now, today: zeroDurations(), interval: zeroDurations() });
    }
  }

  /** Time in each state since site midnight, the current state counted up to now. */
  agentToday(agentId: string): StateDurations {
    this.rollDay();
    const t = this.#stateTime.get(agentId);
    const today = t ? { ...t.today } : zeroDurations();
    if (t) today[t.state] += this.#clock.now() - t.since;
    return today;
  }

  /** The agent's time in each state in the interval that closes now; the next one starts at zero. */
  closeAgentInterval(agentId: string, now: number): StateDurations {
    this.accrue(agentId, null, now);
    const t = this.#stateTime.get(agentId);
    if (!t) return zeroDurations();
    const stateMs = t.interval;
    t.interval = zeroDurations();
    return stateMs;
  }

  /** At the first call of a new site day: today's figures start again. */
  rollDay(): void {
    const now = this.#clock.now();
    const day = startOfSiteDay(now, this.#timeZone);
    if (day === this.#dayStart) return;
    this.#dayStart = day;
    for (const [agentId, t] of this.#stateTime) {
      this.accrue(agentId, null, now);
      t.today = zeroDurations();
    }
    for (const k of this.#records.keys()) this.#records.set(k, []);
    this.#onNewDay(now);
  }
}
