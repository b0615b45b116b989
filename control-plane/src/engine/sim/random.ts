/** Seeded randomness for the simulator (same seed ⇒ same run), on pure-rand's xoroshiro128+. */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Distribution } from './types.js';

type Generator = ReturnType<typeof xoroshiro128plus>;

export class SimRandom {
  #rng: Generator;

  constructor(seed: number) {
    // xoroshiro128+ seeded with a small integer starts from a nearly empty state and its
    // first outputs are far from uniform: scramble the seed (murmur3 finaliser) and skip ahead.
    let h = seed | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
    this.#rng = xoroshiro128plus(h);
    for (let i = 0; i < 16; i++) this.#rng.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    // Two 32-bit draws give 53 bits of mantissa.
    const hi = (this.#rng.next() >>> 0) >>> 5;
    const lo = (this.#rng.next() >>> 0) >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A non-negative duration in ms. */
  sample(d: Distribution): number {
    switch (d.kind) {
      case 'fixed':
        return d.ms;
      case 'uniform':
        return this.uniform(d.minMs, d.maxMs);
      case 'exponential':
        return this.exponential(d.meanMs);
      case 'lognormal': {
        const sigma2 = Math.log(1 + (d.sdMs * d.sdMs) / (d.meanMs * d.meanMs));
        const mu = Math.log(d.meanMs) - sigma2 / 2;
        return Math.exp(this.normal(mu, Math.sqrt(sigma2)));
      }
    }
  }

  /** Number of events of a Poisson process with rate `lambda`, by inversion (small λ) or normal approximation. */
  poisson(lambda: number): number {
    if (lambda > 500) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
}
