import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { EventLog } from '../../src/store/EventLog.js';
import { silentLogger } from '../../src/logger.js';
import { SystemClock } from '../../src/clock.js';
import { WebhookOutbox, type WebhookEvent } from '../../src/api/webhooks/WebhookOutbox.js';
import { WebhookWorker } from '../../src/api/webhooks/WebhookWorker.js';
import { SIGNATURE_HEADER, verifySignature } from '../../src/api/webhooks/signature.js';

type Behaviour = 'ok' | 'fail' | 'hang';

/** A CRM: records an event only when it answers 200; other behaviours lose nothing on our side. */
class Receiver {
  readonly accepted: WebhookEvent[] = [];
  readonly badSignatures: string[] = [];
  requests = 0;
  #server: Server | null = null;
  #port = 0;
  #hung: ServerResponse[] = [];
  constructor(readonly secret: () => string, readonly plan: (n: number) => Behaviour) {}

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((r) => this.#server!.listen(this.#port, '127.0.0.1', r));
    this.#port = (this.#server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#hung = [];
    this.#server?.closeAllConnections();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
    this.#server = null;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.requests += 1;
    const behaviour = this.plan(this.requests);
    if (behaviour === 'fail') return void res.writeHead(503).end('down for maintenance');
    if (behaviour === 'hang') return void this.#hung.push(res);
    const sig = req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined;
    const event = JSON.parse(body) as WebhookEvent;
    if (!verifySignature(this.secret(), body, sig, Math.floor(Date.now() / 1000))) this.badSignatures.push(event.id);
    if (req.headers['x-switchboard-delivery'] !== event.id) this.badSignatures.push(`delivery header ${event.id}`);
    this.accepted.push(event);
    res.writeHead(200).end('ok');
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhooks: outbox in the event transaction, ordered retried delivery (real PostgreSQL, real HTTP)', function () {
  this.timeout(30_000);
  let tdb: TestDb;
  let log: EventLog;
  let outbox: WebhookOutbox;
  let worker: WebhookWorker | null = null;
  const receivers: Receiver[] = [];

  beforeEach(async () => {
    tdb = await createTestDb('wh');
    log = new EventLog({ db: tdb.db, logger: silentLogger(), batchMs: 1, maxBatch: 7 });
    outbox = new WebhookOutbox({ db: tdb.db, publicBaseUrl: 'https://sb.example.com' });
    log.onCommit(outbox.commitHook);
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    for (const r of receivers.splice(0)) await r.stop();
    await log.close();
    await tdb.drop();
  });

  function newWorker(maxAttempts = 50): WebhookWorker {
    worker = new WebhookWorker({ db: tdb.db, clock: new SystemClock(), logger: silentLogger(), backoffMs: 20, maxBackoffMs: 100, timeoutMs: 250, pollMs: 20, maxAttempts });
    return worker;
  }

  it('delivers every event exactly once per subscription, in order, signed, through failures, a timeout and an outage', async () => {
    let flakySecret = '';
    let steadySecret = '';
    // Requests 1–3 fail, 4 hangs past the timeout, 5–6 fail, then it works.
    const flaky = new Receiver(() => flakySecret, (n) => (n <= 3 || n === 5 || n === 6 ? 'fail' : n === 4 ? 'hang' : 'ok'));
    const steady = new Receiver(() => steadySecret, () => 'ok');
    receivers.push(flaky, steady);
    await flaky.start();
    await steady.start();
    const all = await outbox.createSubscription({ name: 'crm', url: flaky.url, eventTypes: ['interaction.offered', 'interaction.answered', 'interaction.ended', 'agent.state'] });
    const agentsOnly = await outbox.createSubscription({ name: 'wfm', url: steady.url, eventTypes: ['agent.state'] });
    flakySecret = all.secret;
    steadySecret = agentsOnly.secret;
    const recordingId = randomUUID();

    const start = Date.parse('2026-01-05T08:00:00Z');
    const expected: string[] = [];
    const expectedAgent: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = randomUUID();
      const at = start + i * 60_000;
      log.interactionEvent({ interactionId: id, type: 'arrived', at }); // not a webhook type
      expected.push(log.interactionEvent({ interactionId: id, type: 'offered', at: at + 1000, queueId: 'sales', agentId: 'a1' }));
      const st = log.agentState({ agentId: 'a1', state: 'busy', at: at + 2000, interactionId: id });
      expected.push(log.interactionEvent({ interactionId: id, type: 'answered', at: at + 3000, queueId: 'sales', agentId: 'a1' }));
      expected.splice(expected.length - 1, 0, st);
      expectedAgent.push(st);
      if (i === 0) log.interactionEvent({ interactionId: id, type: 'recording.started', at: at + 3000, data: { recordingId } });
      expected.push(log.interactionEvent({ interactionId: id, type: 'ended', at: at + 30_000, data: { side: 'remote', cause: 'NORMAL_CLEARING' } }));
    }
    await log.flush();
    assert.equal(Number((await tdb.db('webhook_outbox').count('* as c'))[0]!.c), expected.length + expectedAgent.length, 'one outbox row per event and subscription');

    // The CRM is completely down for a while: nothing is lost.
    await flaky.stop();
    const w = newWorker();
    w.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(flaky.accepted.length, 0);
    await flaky.start(); // same port
    await waitFor(() => flaky.accepted.length >= expected.length && steady.accepted.length >= expectedAgent.length, 20_000, 'all deliveries');
    await waitFor(async () => (await w.pending()) === 0, 5000, 'empty outbox');

    assert.deepEqual(flaky.accepted.map((e) => e.id), expected, 'crm: every event once, in order of occurrence');
    assert.deepEqual(steady.accepted.map((e) => e.id), expectedAgent, 'wfm: only agent.state, once each, in order');
    assert.deepEqual([...flaky.badSignatures, ...steady.badSignatures], []);
    assert.ok(flaky.requests > flaky.accepted.length + 5, `the flaky receiver saw failures (${flaky.requests} requests)`);
    const firstEnded = flaky.accepted.find((e) => e.type === 'interaction.ended')!;
    assert.equal(await w.purgeDelivered(60_000), 0, 'fresh deliveries are kept');
    assert.equal(await w.purgeDelivered(-1000), expected.length + expectedAgent.length, 'old deliveries are purged');
    assert.equal(firstEnded.data.recordingUrl, `https://sb.example.com/api/recordings/${recordingId}/media`);
    assert.deepEqual(flaky.accepted[0]!.data, { interactionId: flaky.accepted[0]!.data.interactionId, queueId: 'sales', agentId: 'a1' });
  });

  it('a retried batch cannot queue an event twice, and a failing transaction queues nothing', async () => {
    await outbox.createSubscription({ name: 'crm', url: 'http://127.0.0.1:9/x', eventTypes: ['agent.state'] });
    const event: WebhookEvent = { id: randomUUID(), type: 'agent.state', occurredAt: new Date().toISOString(), data: {} };
    await tdb.db.transaction((trx) => outbox.enqueue(trx, [event]));
    await tdb.db.transaction((trx) => outbox.enqueue(trx, [event]));
    await assert.rejects(tdb.db.transaction(async (trx) => {
      await outbox.enqueue(trx, [{ ...event, id: randomUUID() }]);
      throw new Error('the event write failed');
    }), /the event write failed/);
    assert.equal(Number((await tdb.db('webhook_outbox').count('* as c'))[0]!.c), 1);
  });

  it('moves an event that keeps failing to the dead letters and goes on with the next', async () => {
    let secret = '';
    const failFirst = new Receiver(() => secret, () => 'ok');
    receivers.push(failFirst);
    await failFirst.start();
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const sub = await outbox.createSubscription({ name: 'crm', url: `http://127.0.0.1:${closedPort}/refused`, eventTypes: ['agent.state'] });
    secret = sub.secret;
    const first = log.agentState({ agentId: 'a1', state: 'ready', at: Date.now() });
    await log.flush();
    const w = newWorker(3);
    const failures: string[] = [];
    w.on('failed', (f) => failures.push(`${f.attempts}:${f.dead}`));
    w.start();
    await waitFor(() => failures.length >= 3, 10_000, 'three failed attempts');
    const dead = await tdb.db('webhook_outbox').where({ status: 'dead' });
    assert.deepEqual(dead.map((d) => [d.event_id, d.attempts]), [[first, 3]]);
    assert.match(dead[0].last_error, /ECONNREFUSED/);
    assert.deepEqual(failures, ['1:false', '2:false', '3:true']);
    // The CRM is fixed: later events flow, the dead letter waits for a manual retry.
    await outbox.updateSubscription(sub.subscription.id, { url: failFirst.url });
    const second = log.agentState({ agentId: 'a1', state: 'not-ready', at: Date.now(), reason: 'break' });
    await log.flush();
    w.kick();
    await waitFor(() => failFirst.accepted.length === 1, 5000, 'second event');
    assert.equal(failFirst.accepted[0]!.id, second);
    assert.equal(failFirst.accepted[0]!.data.reason, 'break');
  });
});
