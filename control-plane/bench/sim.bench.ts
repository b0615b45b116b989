/**
 * bench:sim — 100,000 simulated inbound calls through a trivial answer-and-hang-up handler.
 * Prints simulated calls per wall second (target ≥ 20,000/s on one core).
 */
import { SimEngine } from '../src/engine/sim/SimEngine.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const engine = new SimEngine({ seed: 42 });
await engine.start();
let handled = 0;
engine.on('call', (leg) => {
  void (async () => {
    await leg.answer();
    await leg.play({ kind: 'tone', spec: '%(200,0,440)', durationMs: 200 });
    await leg.hangup();
    handled++;
  })();
});
// 100,000 calls spread over ~1 virtual hour (≈ 28 calls per second, 2 s each).
engine.addArrivals({ to: '+18005550100', perHour: CALLS, durationMs: 3600_000 * 2, maxCalls: CALLS });
const t0 = process.hrtime.bigint();
while (handled < CALLS && engine.clock.pendingTimers > 0) await engine.clock.runFor(60_000);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const stats = engine.stats();
const perS = Math.round(handled / seconds);
console.log(`simulated ${handled} calls (${stats.inboundCalls} arrivals, max ${stats.maxActiveLegs} concurrent) in ${seconds.toFixed(2)} s wall`);
console.log(`virtual time covered: ${((engine.clock.now() - Date.parse('2026-01-05T08:00:00Z')) / 3600_000).toFixed(2)} h`);
console.log(`sim_calls_per_s=${perS} calls=${handled} wall_s=${seconds.toFixed(2)}`);
