import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  allowedOverflowFraction,
  cautiousConnectRate,
  decidePacing,
  expectedFreeAgents,
  expectedOverflow,
  hardLimitReached,
  type PacingInput,
} from '../../src/dialer/pacing.js';

function input(over: Partial<PacingInput> = {}): PacingInput {
  return {
    mode: 'predictive',
    powerRatio: 2,
    readyAgents: 10,
    busyAgents: [],
    dialsInFlight: 0,
    liveWaiting: 0,
    estimates: { dials: 5000, connects: 1250, meanTimeToConnectMs: 15_000, meanTalkMs: 120_000, meanWrapMs: 15_000 },
    abandon: { windowRatePct: 1, windowLive: 1000, hourRatePct: 1, hourLive: 100 },
    capPct: 3,
    targetPct: 2.1,
    maxDialsPerAgent: 6,
    warmupAnswers: 100,
    ...over,
  };
}

/** E[(X − a)⁺] by summing the whole binomial (reference for the fast version). */
function bruteOverflow(n: number, p: number, a: number): number {
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    let logC = 0;
    for (let i = 1; i <= k; i++) logC += Math.log(n - k + i) - Math.log(i);
    const pmf = Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
    sum += pmf * Math.max(0, k - a);
  }
  return sum;
}

describe('pacing (pure)', () => {
  it('progressive and preview place one reserved call per ready agent', () => {
    for (const mode of ['progressive', 'preview'] as const) {
      const d = decidePacing(input({ mode, readyAgents: 7, dialsInFlight: 3 }));
      assert.deepEqual([d.dials, d.reserveAgents], [7, true]);
    }
    assert.equal(decidePacing(input({ mode: 'progressive', readyAgents: 0 })).dials, 0);
  });

  it('power places its ratio per ready agent minus the calls already ringing', () => {
    const d = decidePacing(input({ mode: 'power', powerRatio: 2.5, readyAgents: 4, dialsInFlight: 3 }));
    assert.deepEqual([d.dials, d.reserveAgents, d.reason], [7, false, 'power']);
  });

  it('expected overflow matches the full binomial sum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 60, noNaN: true }), (n, p, a) => {
        const fast = expectedOverflow(n, p, a);
        const slow = bruteOverflow(n, p, a);
        assert.ok(Math.abs(fast - slow) < 1e-6 * Math.max(1, slow), `n=${n} p=${p} a=${a}: ${fast} vs ${slow}`);
      }),
      { numRuns: 200 },
    );
  });

  it('property: predictive keeps the planned overflow within the allowed share of expected answers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 100, max: 20_000 }),
        fc.double({ min: 0.05, max: 0.6, noNaN: true }),
        fc.double({ min: 0, max: 2.6, noNaN: true }),
        (ready, busyCount, inFlight, dials, rate, windowRate) => {
          const i = input({
            readyAgents: ready,
            busyAgents: Array.from({ length: busyCount }, (_, k) => ({ state: k % 3 === 0 ? 'wrap-up' : 'talking', elapsedMs: (k * 7919) % 60_000 })),
            dialsInFlight: inFlight,
            estimates: { dials, connects: Math.round(dials * rate), meanTimeToConnectMs: 15_000, meanTalkMs: 120_000, meanWrapMs: 15_000 },
            abandon: { windowRatePct: windowRate, windowLive: 500, hourRatePct: windowRate, hourLive: 50 },
          });
          const d = decidePacing(i);
          assert.ok(d.dials >= 0 && Number.isInteger(d.dials));
          if (d.reason !== 'predictive' || d.dials === 0) return;
          const p = cautiousConnectRate(i.estimates);
          const n = inFlight + d.dials;
          const free = expectedFreeAgents(ready, i.busyAgents, 15_000, 120_000, 15_000);
          assert.ok(expectedOverflow(n, p, free) <= d.allowedOverflow * n * p + 1e-6);
          assert.ok(n <= i.maxDialsPerAgent * (ready + busyCount));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is cautious early: with no answers yet it never plans for more answers than free agents', () => {
    const d = decidePacing(input({ readyAgents: 20, estimates: { dials: 0, connects: 0, meanTimeToConnectMs: 20_000, meanTalkMs: 120_000, meanWrapMs: 15_000 }, abandon: { windowRatePct: 0, windowLive: 0, hourRatePct: 0, hourLive: 0 } }));
    assert.equal(d.allowedOverflow, 0);
    assert.ok(d.dials <= 20, `placed ${d.dials} for 20 agents`);
    // With a sample, the same situation dials more than one per agent.
    const warm = decidePacing(input({ readyAgents: 20 }));
    assert.ok(warm.dials > 20, `placed ${warm.dials}`);
  });

  it('backs off as the measured rate nears the cap, monotonically', () => {
    let last = Infinity;
    for (const rate of [0, 1, 1.5, 2, 2.3, 2.5, 2.69]) {
      const d = decidePacing(input({ abandon: { windowRatePct: rate, windowLive: 1000, hourRatePct: rate, hourLive: 100 } }));
      assert.ok(d.dials <= last, `rate ${rate}: ${d.dials} > ${last}`);
      last = d.dials;
    }
    assert.equal(allowedOverflowFraction(input({ abandon: { windowRatePct: 2.69, windowLive: 1000, hourRatePct: 1, hourLive: 100 } })) < 0.005, true);
  });

  it('hard limit: at 90 % of the cap (window) or the worst-hour guard, every mode only places reserved calls', () => {
    const over = { windowRatePct: 2.8, windowLive: 1000, hourRatePct: 1, hourLive: 100 };
    assert.equal(hardLimitReached(input({ abandon: over })), true);
    for (const mode of ['power', 'predictive'] as const) {
      const d = decidePacing(input({ mode, readyAgents: 6, abandon: over }));
      assert.deepEqual([d.dials, d.reserveAgents, d.reason], [6, true, 'hard-limit']);
    }
    const hourBad = decidePacing(input({ abandon: { windowRatePct: 1, windowLive: 1000, hourRatePct: 4.6, hourLive: 40 } }));
    assert.equal(hourBad.reason, 'hard-limit');
    // A rolling hour with too few answers to mean anything does not trigger it.
    assert.equal(decidePacing(input({ abandon: { windowRatePct: 1, windowLive: 1000, hourRatePct: 50, hourLive: 2 } })).reason, 'predictive');
  });

  it('counts agents about to finish wrap-up as free within the horizon', () => {
    const free = expectedFreeAgents(2, [{ state: 'wrap-up', elapsedMs: 10_000 }, { state: 'wrap-up', elapsedMs: 0 }, { state: 'talking', elapsedMs: 0 }], 10_000, 120_000, 15_000);
    // 2 ready + the one whose wrap-up ends in 5 s; the other needs 15 s, the talker far longer.
    assert.equal(free, 3);
  });
});
