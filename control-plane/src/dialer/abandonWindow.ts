/**
 * Abandon-rate bookkeeping over a sliding window (30 days or 24 hours) in one-minute
 * buckets, so memory is bounded (at most 43,200 buckets for 30 days) and old minutes drop
 * out as time passes. Rate = abandoned / live answers, as the US TSR and Ofcom count it;
 * estimated AMD false positives (live people dropped as machines) add to both sides.
 */
const BUCKET_MS = 60_000;

interface Bucket {
  minute: number;
  live: number;
  abandoned: number;
}

export class AbandonWindow {
  #buckets: Bucket[] = [];
  #live = 0;
  #abandoned = 0;

  constructor(readonly windowMs: number) {}

  /** A live person answered (connected, abandoned or dropped by AMD). `weight` allows estimated counts. */
  recordLive(at: number, weight = 1): void {
    this.#bucket(at).live += weight;
    this.#live += weight;
  }

  /** A live person was not connected to an agent in time (counts as live too; call recordLive as well). */
  recordAbandon(at: number, weight = 1): void {
    this.#bucket(at).abandoned += weight;
    this.#abandoned += weight;
  }

  /** Totals over the window ending at `now`. */
  totals(now: number): { live: number; abandoned: number; ratePct: number } {
    this.#expire(now);
    return { live: this.#live, abandoned: this.#abandoned, ratePct: this.#live > 0 ? (100 * this.#abandoned) / this.#live : 0 };
  }

  /** Totals over the last `spanMs` (e.g. the rolling hour) ending at `now`. */
  recent(now: number, spanMs: number): { live: number; abandoned: number; ratePct: number } {
    this.#expire(now);
    const from = Math.floor((now - spanMs) / BUCKET_MS);
    let live = 0;
    let abandoned = 0;
    for (let i = this.#buckets.length - 1; i >= 0; i--) {
      const b = this.#buckets[i] as Bucket;
      if (b.minute < from) break;
      live += b.live;
      abandoned += b.abandoned;
    }
    return { live, abandoned, ratePct: live > 0 ? (100 * abandoned) / live : 0 };
  }

  #bucket(at: number): Bucket {
    const minute = Math.floor(at / BUCKET_MS);
    const last = this.#buckets[this.#buckets.length - 1];
    if (last && last.minute === minute) return last;
    if (last && last.minute > minute) {
      // Late report: find its bucket (rare; reports arrive in time order).
      const found = this.#buckets.find((b) => b.minute === minute);
      if (found) return found;
      const b = { minute, live: 0, abandoned: 0 };
      this.#buckets.push(b);
      this.#buckets.sort((x, y) => x.minute - y.minute);
      return b;
    }
    const b = { minute, live: 0, abandoned: 0 };
    this.#buckets.push(b);
    return b;
  }

  #expire(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / BUCKET_MS);
    let drop = 0;
    while (drop < this.#buckets.length && (this.#buckets[drop] as Bucket).minute < oldest) {
      const b = this.#buckets[drop] as Bucket;
      this.#live -= b.live;
      this.#abandoned -= b.abandoned;
      drop++;
    }
    if (drop > 0) this.#buckets.splice(0, drop);
  }
}
