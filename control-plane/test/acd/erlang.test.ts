import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { agentsForServiceLevel, erlangB, erlangC, erlangCPredict } from '../../src/acd/erlang.js';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);

describe('Erlang C', () => {
  it('matches closed forms for small systems', () => {
    close(erlangB(1, 1), 0.5, 1e-12, 'B(1,1)');
    close(erlangB(2, 2), 0.4, 1e-12, 'B(2,2)');
    close(erlangC(1, 2), 1 / 3, 1e-12, 'M/M/2 at 50% load waits one time in three');
    close(erlangC(0.5, 1), 0.5, 1e-12, 'M/M/1 waits with probability ρ');
  });

  it('matches the published 10-Erlang table (100 calls per 30 min, 180 s AHT, 20 s threshold)', () => {
    const cases: Array<[number, number, number]> = [
      [11, 0.6821, 0.3897],
      [12, 0.4494, 0.6402],
      [13, 0.2853, 0.7956],
      [14, 0.1741, 0.8884],
    ];
    for (const [n, pw, sl] of cases) {
      const p = erlangCPredict(200, 180, n, 20);
      close(p.traffic, 10, 1e-9, 'traffic');
      close(p.probabilityOfWait, pw, 5e-4, `P(wait) with ${n} agents`);
      close(p.serviceLevel, sl, 5e-4, `SL with ${n} agents`);
    }
    assert.equal(agentsForServiceLevel(200, 180, 20, 0.8), 14);
  });

  it('is a probability that falls as agents are added, and 1 when overloaded', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 200, noNaN: true }), fc.integer({ min: 1, max: 300 }), (a, n) => {
        const c = erlangC(a, n);
        assert.ok(c >= 0 && c <= 1);
        if (n <= a) assert.equal(c, 1);
        else assert.ok(erlangC(a, n + 1) <= c + 1e-12);
      }),
    );
  });

  it('rejects nonsense input with a message', () => {
    assert.throws(() => erlangB(-1, 3), /traffic ≥ 0 and a whole number of agents/);
    assert.throws(() => erlangB(1, 2.5), /whole number of agents/);
  });
});
