import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { INTERVAL_MS, agentTimeByInterval, derive, emptyCounters, type AgentStateRecord, type AgentTime } from '../../src/reporting/model.js';
import { AGENT_STATES } from '../../src/domainEvents.js';
import { WallboardAggregator } from '../../src/api/realtime/WallboardAggregator.js';
import { DAY, a1States1, a1States2, part1, part2, t } from './knownDay.js';

describe('reporting model (pure)', () => {
  it('splits agent time across intervals without losing or inventing a millisecond', () => {
    const base = Date.parse('2026-01-05T08:00:00Z');
    const events = fc.array(fc.record({
      offset: fc.integer({ min: 0, max: 4 * INTERVAL_MS }),
      state: fc.constantFrom(...AGENT_STATES),
      reason: fc.option(fc.constantFrom('break', 'lunch', 'training'), { nil: null }),
    }), { minLength: 2, maxLength: 30 });
    fc.assert(fc.property(events, fc.integer({ min: 0, max: 2 * INTERVAL_MS }), fc.integer({ min: 1, max: 5 * INTERVAL_MS }), (evs, fromOff, len) => {
      const list: AgentStateRecord[] = evs.map((e, i) => ({ id: i + 1, agentId: 'a', at: base + e.offset, state: e.state, reason: e.reason }));
      const from = base + fromOff;
      const to = from + len;
      const sorted = [...list].sort((a, b) => a.at - b.at || a.id - b.id);
      let expected = 0;
      for (let i = 0; i + 1 < sorted.length; i++) {
        const s = sorted[i]!;
        if (s.state === 'logged-out') continue;
        expected += Math.max(0, Math.min(sorted[i + 1]!.at, to) - Math.max(s.at, from));
      }
      let got = 0;
      let reasons = 0;
      let notReady = 0;
      for (const [start, tm] of agentTimeByInterval(list, from, to).get('a') ?? new Map<number, AgentTime>()) {
        assert.equal(start % INTERVAL_MS, 0);
        got += tm.readyMs + tm.busyMs + tm.notReadyMs;
        notReady += tm.notReadyMs;
        reasons += Object.values(tm.notReadyByReason).reduce((x, y) => x + y, 0);
        assert.ok(tm.readyMs + tm.busyMs + tm.notReadyMs <= INTERVAL_MS);
      }
      return got === expected && reasons === notReady;
    }));
  });

  it('computes SL with abandons after the short threshold in the denominator only', () => {
    const c = { ...emptyCounters(), offered: 10, answered: 6, answeredInSl: 3, abandoned: 2, shortAbandoned: 2 };
    assert.equal(derive(c).serviceLevelPct, 37.5); // 3 ÷ (6 + 2)
    assert.equal(derive(emptyCounters()).serviceLevelPct, null);
  });

  it('the live wallboard agrees with the stored reports on the known day', () => {
    let now = t('08:00:00');
    const agg = new WallboardAggregator({ clock: { now: () => now, setTimer: () => ({ cancel() {} }), sleep: async () => {} } });
    agg.setQueue('sales', 'Sales', { slThresholdSec: 20, shortAbandonSec: 5, slTargetPct: 80 });
    for (const e of [...part1, ...part2]) {
      now = t(e.at);
      agg.ingestInteractionEvent({ interactionId: e.id, type: e.type, at: t(e.at), queueId: e.queueId ?? null, agentId: e.agentId ?? null, data: e.data });
    }
    for (const s of [...a1States1, ...a1States2]) agg.ingestAgentState({ agentId: 'a1', state: s.state, at: t(s.at), reason: s.reason ?? null });
    const sales = agg.snapshot().queues.find((q) => q.queueId === 'sales')!;
    // Same figures as reports.test.ts: day SL 66.67 %, ASA 18 s; 08:00 interval 50 %, 08:15 interval 100 %.
    assert.deepEqual([sales.offeredToday, sales.answeredToday, sales.serviceLevelPct, sales.asaSec, sales.waiting], [7, 5, 66.67, 18, 0]);
    assert.deepEqual(sales.intervals.map((i) => [new Date(i.start).toISOString(), i.serviceLevelPct]), [
      [`${DAY}T08:00:00.000Z`, 50], [`${DAY}T08:15:00.000Z`, 100],
    ]);
    assert.equal(sales.agents.busy, undefined, 'a1 logged out at 08:30');
  });
});
