import { strict as assert } from 'node:assert';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { EventLog } from '../../src/store/EventLog.js';
import { silentLogger } from '../../src/logger.js';
import { ReportingStore } from '../../src/reporting/ReportingStore.js';
import { cdrReport, intervalReport } from '../../src/reporting/reports.js';
import { resolveRange } from '../../src/reporting/timeRange.js';
import { WallboardAggregator } from '../../src/api/realtime/WallboardAggregator.js';
import { DAY, a1States1, a1States2, append, ids, part1, part2, recordingC1, t } from './knownDay.js';

describe('reporting on a known day (real PostgreSQL)', function () {
  let tdb: TestDb;
  let reporting: ReportingStore;
  let log: EventLog;

  before(async () => {
    tdb = await createTestDb('rep');
    await tdb.db('queues').insert([
      { id: 'sales', name: 'Sales', settings: JSON.stringify({ slThresholdSec: 20, shortAbandonSec: 5, slTargetPct: 80 }) },
      { id: 'support', name: 'Support' },
    ]);
    reporting = new ReportingStore({ db: tdb.db, logger: silentLogger() });
    log = new EventLog({ db: tdb.db, logger: silentLogger(), batchMs: 1 });
    append(log, part1, a1States1);
    await log.flush();
    await reporting.refresh(); // incremental, half-way through the morning
    append(log, part2, a1States2);
    await log.flush();
    await reporting.refresh();
  });
  after(async () => {
    await log.close();
    await tdb.drop();
  });

  const day = () => resolveRange(DAY, DAY, 'UTC');

  it('fills queue intervals with hand-checked figures (incrementally)', async () => {
    const rows = await intervalReport(tdb.db, { dimension: 'queue', ...day(), tz: 'UTC', granularity: 'interval' });
    const sales0800 = rows.find((r) => r.id === 'sales' && r.start === '2026-01-05T08:00:00Z');
    // c1 (10 s), c2 (45 s), c5 (20 s) answered; c3 short abandon; c4 abandon.
    assert.deepEqual(sales0800 && {
      offered: sales0800.offered, answered: sales0800.answered, inSl: sales0800.answeredInSl, ab: sales0800.abandoned,
      short: sales0800.shortAbandoned, sl: sales0800.serviceLevelPct, asa: sales0800.asaSec, aht: sales0800.ahtSec, abRate: sales0800.abandonRatePct,
    }, { offered: 5, answered: 3, inSl: 2, ab: 1, short: 1, sl: 50, asa: 25, aht: 140, abRate: 20 });
    const sales0815 = rows.find((r) => r.id === 'sales' && r.start === '2026-01-05T08:15:00Z');
    // c6 (5 s, AHT 120) and c7's second segment (10 s, AHT 70).
    assert.deepEqual(sales0815 && [sales0815.offered, sales0815.answered, sales0815.serviceLevelPct, sales0815.asaSec, sales0815.ahtSec], [2, 2, 100, 7.5, 95]);
    const support = rows.find((r) => r.id === 'support');
    // Overflowed: offered, neither answered nor abandoned → no SL.
    assert.deepEqual(support && [support.start, support.offered, support.answered, support.abandoned, support.serviceLevelPct], ['2026-01-05T08:15:00Z', 1, 0, 0, null]);
  });

  it('sums a day: SL = in SL ÷ (answered + abandoned after the short threshold)', async () => {
    const [sales] = await intervalReport(tdb.db, { dimension: 'queue', ...day(), tz: 'UTC', granularity: 'day', ids: ['sales'] });
    // 4 in SL of 5 answered + 1 abandoned = 66.67 %; ASA (10+45+20+5+10)/5 = 18 s; AHT (210+140+70+120+70)/5 = 122 s.
    assert.deepEqual(sales && [sales.start, sales.offered, sales.answered, sales.serviceLevelPct, sales.asaSec, sales.ahtSec],
      ['2026-01-05T00:00:00Z', 7, 5, 66.67, 18, 122]);
  });

  it('fills agent intervals: handling, state time, occupancy and not-ready by reason', async () => {
    const rows = await intervalReport(tdb.db, { dimension: 'agent', ...day(), tz: 'UTC', granularity: 'interval', ids: ['a1'] });
    const at = (s: string) => rows.find((r) => r.start === `2026-01-05T${s}Z`);
    // 07:55–08:00 ready.
    assert.deepEqual(at('07:45:00') && [at('07:45:00')!.readySec, at('07:45:00')!.busySec], [300, 0]);
    // ready 15+70+240+30 = 355 s; reserved/busy/wrap 5+180+30 = 215 s; not ready 300 (break) + 30 (lunch).
    const i0800 = at('08:00:00')!;
    assert.deepEqual([i0800.answered, i0800.readySec, i0800.busySec, i0800.notReadySec, i0800.occupancyPct, i0800.notReadyByReasonSec],
      [1, 355, 215, 330, 37.72, { break: 300, lunch: 30 }]);
    // 08:15:00–08:15:05 ready, then busy until 08:30 (logged out); c5 and c7 answered.
    const i0815 = at('08:15:00')!;
    assert.deepEqual([i0815.answered, i0815.readySec, i0815.busySec, i0815.occupancyPct], [2, 5, 895, 99.44]);
  });

  it('fills campaign intervals from the campaign id on the events', async () => {
    const rows = await intervalReport(tdb.db, { dimension: 'campaign', ...day(), tz: 'UTC', granularity: 'total' });
    assert.deepEqual(rows.map((r) => [r.id, r.offered, r.answered, r.asaSec]), [['spring', 1, 1, 5]]);
  });

  it('writes one CDR per interaction with every timestamp, durations, hang-up side, recording and flow path', async () => {
    const { items, total } = await cdrReport(tdb.db, { ...day(), tz: 'UTC', limit: 50, offset: 0 });
    assert.equal(total, 7);
    const c1 = items.find((c) => c.interactionId === ids.c1)!;
    assert.deepEqual(c1, {
      interactionId: ids.c1, channel: null, direction: null, callerNumber: null, dialledNumber: null,
      queueId: 'sales', campaignId: null, agentId: 'a1',
      arrivedAt: '2026-01-05T08:00:00Z', ivrEndedAt: '2026-01-05T08:00:10Z', queuedAt: '2026-01-05T08:00:10Z',
      offeredAt: '2026-01-05T08:00:15Z', answeredAt: '2026-01-05T08:00:20Z', endedAt: '2026-01-05T08:03:20Z',
      wrapupEndedAt: '2026-01-05T08:03:50Z', waitSec: 10, talkSec: 150, holdSec: 30, wrapupSec: 30,
      outcome: 'answered', hangupSide: 'remote', hangupCause: 'NORMAL_CLEARING', recordingId: recordingC1, flowPath: 'menu > sales',
    });
    const c7 = items.find((c) => c.interactionId === ids.c7)!;
    assert.deepEqual([c7.queueId, c7.waitSec, c7.talkSec], ['sales', 50, 60]);
    const c3 = items.find((c) => c.interactionId === ids.c3)!;
    assert.deepEqual([c3.outcome, c3.waitSec, c3.answeredAt], ['abandoned', 3, null]);
    const page = await cdrReport(tdb.db, { ...day(), tz: 'UTC', limit: 2, offset: 2 });
    assert.deepEqual(page.items.map((c) => c.interactionId), [ids.c3, ids.c4]);
  });

  it('a full rebuild from the event log gives the same tables as the incremental fill', async () => {
    const snapshot = async () => ({
      q: await tdb.db('interval_queue').orderBy(['queue_id', 'interval_start']),
      a: await tdb.db('interval_agent').orderBy(['agent_id', 'interval_start']),
      c: await tdb.db('interval_campaign').orderBy(['campaign_id', 'interval_start']),
      cdr: (await tdb.db('cdrs').orderBy('interaction_id')).map(({ updated_at: _u, ...rest }) => rest),
    });
    const incremental = await snapshot();
    await tdb.db('interval_queue').delete();
    await tdb.db('interval_agent').delete();
    await reporting.rebuildAll();
    assert.deepEqual(await snapshot(), incremental);
  });

  it('the live wallboard reloads today from the event log after a restart', async () => {
    const board = new WallboardAggregator({ clock: { now: () => t('09:00:00'), setTimer: () => ({ cancel() {} }), sleep: async () => {} } });
    await board.loadToday(tdb.db);
    const sales = board.snapshot().queues.find((q) => q.queueId === 'sales')!;
    assert.deepEqual([sales.name, sales.offeredToday, sales.serviceLevelPct, sales.asaSec, sales.serviceLevelTargetPct], ['Sales', 7, 66.67, 18, 80]);
  });

  it('groups by the day of the requested time zone', async () => {
    // New York (UTC-5): the morning is early on 5 January local time.
    const ny = resolveRange(DAY, DAY, 'America/New_York');
    assert.equal(ny.from, t('05:00:00'));
    const [sales] = await intervalReport(tdb.db, { dimension: 'queue', ...ny, tz: 'America/New_York', granularity: 'day', ids: ['sales'] });
    assert.deepEqual(sales && [sales.start, sales.offered], ['2026-01-05T00:00:00-05:00', 7]);
    // Tokyo (UTC+9): 08:00 UTC is 17:00 on 5 January, so 6 January local holds nothing.
    const tokyo6 = resolveRange('2026-01-06', '2026-01-06', 'Asia/Tokyo');
    assert.deepEqual(await intervalReport(tdb.db, { dimension: 'queue', ...tokyo6, tz: 'Asia/Tokyo', granularity: 'day' }), []);
    const [hour] = await intervalReport(tdb.db, { dimension: 'queue', ...resolveRange(DAY, DAY, 'Asia/Tokyo'), tz: 'Asia/Tokyo', granularity: 'hour', ids: ['sales'] });
    assert.deepEqual(hour && [hour.start, hour.offered], ['2026-01-05T17:00:00+09:00', 7]);
  });
});
