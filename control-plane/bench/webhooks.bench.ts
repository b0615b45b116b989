/**
 * Webhook outbox cost and delivery throughput on a real PostgreSQL (TEST_DATABASE_URL) and a
 * local HTTP receiver: N agent-state events through the EventLog with and without the outbox
 * hook (S subscriptions), then the time to deliver everything in order.
 *   npm run bench:webhooks [-- events subscriptions]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDb } from '../test/helpers/db.js';
import { EventLog } from '../src/store/EventLog.js';
import { WebhookOutbox } from '../src/api/webhooks/WebhookOutbox.js';
import { WebhookWorker } from '../src/api/webhooks/WebhookWorker.js';
import { SystemClock } from '../src/clock.js';
import { silentLogger } from '../src/logger.js';

const N = Number(process.argv[2] ?? 5000);
const S = Number(process.argv[3] ?? 4);

async function appendAll(log: EventLog, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) log.agentState({ agentId: `a${i % 100}`, state: i % 2 ? 'ready' : 'busy', at: Date.now() });
  await log.flush();
  return performance.now() - t0;
}

const t = await createTestDb('benchwh');
let received = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
try {
  const plain = new EventLog({ db: t.db, logger: silentLogger() });
  const plainMs = await appendAll(plain, N);
  await plain.close();

  const outbox = new WebhookOutbox({ db: t.db, publicBaseUrl: 'http://x' });
  for (let s = 0; s < S; s++) await outbox.createSubscription({ name: `crm${s}`, url, eventTypes: ['agent.state'] });
  const hooked = new EventLog({ db: t.db, logger: silentLogger() });
  hooked.onCommit(outbox.commitHook);
  const hookedMs = await appendAll(hooked, N);
  await hooked.close();

  const worker = new WebhookWorker({ db: t.db, clock: new SystemClock(), logger: silentLogger(), pollMs: 20, concurrency: S });
  const t0 = performance.now();
  worker.start();
  while (received < N * S) await new Promise((r) => setTimeout(r, 20));
  const deliverMs = performance.now() - t0;
  await worker.stop();
  console.log(`${N} events: event log ${plainMs.toFixed(0)} ms without webhooks, ${hookedMs.toFixed(0)} ms with the outbox for ${S} subscriptions`);
  console.log(`delivered ${N * S} webhooks (${S} subscriptions, each in order) in ${deliverMs.toFixed(0)} ms`);
  console.log(`outbox_overhead_ms_per_1k_events=${(((hookedMs - plainMs) / N) * 1000).toFixed(1)} deliveries_per_s=${Math.round((N * S) / (deliverMs / 1000))}`);
} finally {
  server.close();
  await t.drop();
}
