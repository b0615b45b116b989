/**
 * A discrete-event clock. Timers fire in (time, insertion) order; between instants the
 * clock yields to the event loop so every promise chain started by a timer settles before
 * virtual time moves on. Runs at full speed (runFor/runUntil) or follows wall time
 * (startRealtime) for the demo.
 */
import { sleepOn, type Clock, type TimerHandle } from '../../clock.js';
import { MinHeap } from '../../heap.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class VirtualClock implements Clock {
  #now: number;
  readonly #heap = new MinHeap<Timer>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  #seq = 0;
  #live = 0;
  #running = false;
  #realtime: { timer: NodeJS.Timeout; wall0: number; virt0: number; speed: number } | null = null;
  /** Listener errors from timers are collected here instead of stopping the simulation. */
  readonly errors: Error[] = [];

  constructor(startTime = Date.parse('2026-01-05T08:00:00Z')) {
    this.#now = startTime;
  }

  now(): number {
    return this.#now;
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#live;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    // Whole milliseconds, like the timestamps a switch reports.
    const timer: Timer = { at: this.#now + Math.max(0, Math.round(ms)), seq: this.#seq++, fn, cancelled: false };
    this.#heap.push(timer);
    this.#live++;
    return {
      cancel: () => {
        if (!timer.cancelled) {
          timer.cancelled = true;
          this.#live--;
        }
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Advances to `until`, firing every timer due on the way. */
  async runUntil(until: number): Promise<void> {
    if (this.#running) throw new Error('VirtualClock is already running');
    this.#running = true;
    try {
      await yieldToEventLoop();
      for (;;) {
        const top = this.#peek();
        if (!top || top.at > until) break;
        this.#now = Math.max(this.#now, top.at);
        // Fire everything due at this instant, then let promise chains settle.
        while (this.#heap.size > 0 && (this.#heap.peek() as Timer).at <= this.#now) {
          const timer = this.#heap.pop() as Timer;
          if (timer.cancelled) continue;
          timer.cancelled = true;
          this.#live--;
          try {
            timer.fn();
          } catch (err) {
            this.errors.push(err as Error);
          }
        }
        await yieldToEventLoop();
      }
      if (until > this.#now && Number.isFinite(until)) this.#now = Math.floor(until);
    } finally {
      this.#running = false;
    }
  }

  runFor(ms: number): Promise<void> {
    return this.runUntil(this.#now + ms);
  }

  /** Runs until no timers remain, or `maxMs` of virtual time passed. */
  async runUntilIdle(maxMs = 7 * 24 * 3600_000): Promise<void> {
    const limit = this.#now + maxMs;
    while (this.#live > 0) {
      const top = this.#peek();
      if (!top || top.at > limit) break;
      await this.runUntil(top.at);
    }
  }

  /** Follow wall time: `speed` virtual seconds per wall second. */
  startRealtime(speed = 1, tickMs = 20): void {
    if (this.#realtime) return;
    const state = { wall0: Date.now(), virt0: this.#now, speed, timer: setInterval(() => void tick(), tickMs) };
    const tick = async (): Promise<void> => {
      if (this.#running) return;
      await this.runUntil(state.virt0 + (Date.now() - state.wall0) * state.speed);
    };
    this.#realtime = state;
  }

  stopRealtime(): void {
    if (this.#realtime) clearInterval(this.#realtime.timer);
    this.#realtime = null;
  }

  #peek(): Timer | undefined {
    while (this.#heap.size > 0 && (this.#heap.peek() as Timer).cancelled) this.#heap.pop();
    return this.#heap.peek();
  }
}
