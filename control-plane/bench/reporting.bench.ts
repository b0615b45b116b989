/**
 * Reporting throughput on a real PostgreSQL (TEST_DATABASE_URL): a day of N interactions
 * (≈ 7 events each) and 50 agents' state changes, then a full rebuild, then an incremental
 * refresh after 15 more minutes of traffic.  npm run bench:reporting [-- interactions]
 */
import { randomUUID } from 'node:crypto';
import { createTestDb } from '../test/helpers/db.js';
import { ReportingStore } from '../src/reporting/ReportingStore.js';
import { silentLogger } from '../src/logger.js';

const N = Number(process.argv[2] ?? 20_000);
const DAY = Date.parse('2026-01-05T00:00:00Z');

function dayOfEvents(n: number, start: number, spanMs: number) {
  const events: Array<Record<string, unknown>> = [];
  const states: Array<Record<string, unknown>> = [];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const at = start + Math.floor(rnd() * spanMs);
    const queue = `q${i % 5}`;
    const agent = `agent-${i % 50}`;
    const wait = Math.floor(rnd() * 60_000);
    const ev = (type: string, t: number, extra: Record<string, unknown> = {}) =>
      events.push({ eid: randomUUID(), interaction_id: id, at: new Date(t), type, queue_id: queue, agent_id: extra.agent ?? null, data: JSON.stringify(extra.data ?? {}) });
    ev('arrived', at);
    ev('queued', at + 5000);
    if (rnd() < 0.1) {
      ev('abandoned', at + 5000 + wait, { data: { waitedMs: wait } });
      ev('ended', at + 5000 + wait, { data: { outcome: 'abandoned', side: 'remote' } });
    } else {
      const ans = at + 5000 + wait;
      ev('offered', ans - 2000, { agent });
      ev('answered', ans, { agent });
      ev('ended', ans + 180_000, { data: { outcome: 'answered', side: 'remote' } });
      ev('wrapup.ended', ans + 200_000, { agent });
      states.push({ eid: randomUUID(), agent_id: agent, at: new Date(ans), state: 'busy', data: '{}' });
      states.push({ eid: randomUUID(), agent_id: agent, at: new Date(ans + 180_000), state: 'wrap-up', data: '{}' });
      states.push({ eid: randomUUID(), agent_id: agent, at: new Date(ans + 200_000), state: 'ready', data: '{}' });
    }
  }
  return { events, states };
}

async function main(): Promise<void> {
  const t = await createTestDb('bench');
  try {
    const store = new ReportingStore({ db: t.db, logger: silentLogger() });
    const day = dayOfEvents(N, DAY + 6 * 3_600_000, 12 * 3_600_000);
    for (let i = 0; i < day.events.length; i += 2000) await t.db('interaction_events').insert(day.events.slice(i, i + 2000));
    for (let i = 0; i < day.states.length; i += 2000) await t.db('agent_state_events').insert(day.states.slice(i, i + 2000));
    const t0 = performance.now();
    await store.rebuildAll();
    const rebuildMs = performance.now() - t0;
    const more = dayOfEvents(Math.round(N / 48), DAY + 18 * 3_600_000, 15 * 60_000);
    await t.db('interaction_events').insert(more.events);
    if (more.states.length) await t.db('agent_state_events').insert(more.states);
    const t1 = performance.now();
    const r = await store.refresh();
    const refreshMs = performance.now() - t1;
    const eventsTotal = day.events.length + day.states.length;
    console.log(`interactions=${N} events=${eventsTotal}: full rebuild ${rebuildMs.toFixed(0)} ms (${Math.round(eventsTotal / (rebuildMs / 1000))} events/s)`);
    console.log(`incremental refresh of ${r.events} new events (window ${r.window?.map((w) => new Date(w).toISOString()).join(" – ")}): ${refreshMs.toFixed(0)} ms`);
    console.log(`rebuild_events_per_s=${Math.round(eventsTotal / (rebuildMs / 1000))} rebuild_ms=${rebuildMs.toFixed(0)} refresh_ms=${refreshMs.toFixed(0)}`);
  } finally {
    await t.drop();
  }
}

await main();
