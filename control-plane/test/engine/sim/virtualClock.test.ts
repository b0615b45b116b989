import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { VirtualClock } from '../../../src/engine/sim/VirtualClock.js';

describe('VirtualClock', () => {
  it('fires timers in time order, ties in the order they were set, and cancelled ones never', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.boolean()), { maxLength: 60 }), async (specs) => {
        const clock = new VirtualClock(0);
        const fired: Array<{ i: number; at: number }> = [];
        specs.forEach(([ms, cancel], i) => {
          const h = clock.setTimer(ms, () => fired.push({ i, at: clock.now() }));
          if (cancel) h.cancel();
        });
        await clock.runUntilIdle();
        const expected = specs
          .map(([ms, cancel], i) => ({ i, ms, cancel }))
          .filter((s) => !s.cancel)
          .sort((a, b) => a.ms - b.ms || a.i - b.i);
        assert.deepEqual(fired.map((f) => f.i), expected.map((e) => e.i));
        for (const f of fired) assert.equal(f.at, specs[f.i]![0]);
        assert.equal(clock.pendingTimers, 0);
      }),
      { numRuns: 100 },
    );
  });

  it('settles promise chains started by a timer before time moves on', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.setTimer(10, () => {
      void (async () => {
        await Promise.resolve();
        await Promise.resolve();
        log.push(`chain done at ${clock.now()}`);
        await clock.sleep(5);
        log.push(`slept until ${clock.now()}`);
      })();
    });
    clock.setTimer(11, () => log.push('next timer at 11'));
    await clock.runFor(100);
    assert.deepEqual(log, ['chain done at 10', 'next timer at 11', 'slept until 15']);
    assert.equal(clock.now(), 100);
  });

  it('sleep rejects with the abort reason and leaves no timer behind', async () => {
    const clock = new VirtualClock(0);
    const ctl = new AbortController();
    const p = clock.sleep(1000, ctl.signal);
    clock.setTimer(10, () => ctl.abort(new Error('caller hung up')));
    const settled = p.then(() => 'resolved', (e: Error) => e.message);
    await clock.runFor(2000);
    assert.equal(await settled, 'caller hung up');
    assert.equal(clock.pendingTimers, 0);
  });

  it('follows wall time in real-time mode', async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    clock.setTimer(500, () => (fired = true));
    clock.startRealtime(10, 5); // 10 virtual s per wall s → 500 virtual ms in ~50 wall ms
    await new Promise((r) => setTimeout(r, 200));
    clock.stopRealtime();
    assert.equal(fired, true);
    assert.ok(clock.now() >= 500);
  });
});

describe('SimRandom', () => {
  it('is uniform from the first draw for small seeds (no warm-up needed)', async () => {
    const { SimRandom } = await import('../../../src/engine/sim/random.js');
    // The first draw of seeds 0..1999 must look uniform: each decile holds about 10 %.
    const deciles = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 2000; seed++) deciles[Math.floor(new SimRandom(seed).next() * 10)]! += 1;
    for (const n of deciles) assert.ok(n > 140 && n < 260, `deciles ${deciles.join(',')}`);
  });
});
