import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { listMountedRoutes } from '../../src/api/openapi.js';
import { ROLES, type Role } from '../../src/api/roles.js';
import { ADMIN_BOOTSTRAP, call, startHarness, type Harness } from './harness.js';
import { EventLog } from '../../src/store/EventLog.js';
import { silentLogger } from '../../src/logger.js';
import { a1States1, a1States2, append, part1, part2 } from '../reporting/knownDay.js';

const RANGE = 'from=2026-01-05&to=2026-01-05&tz=UTC';

describe('REST API: auth, roles, validation, pagination, audit, OpenAPI (real PostgreSQL)', function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('documents every mounted route in /openapi.json, generated from the validating schemas', async () => {
    const doc = (await call(h, 'GET', '/openapi.json', null)).json as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    const mounted = listMountedRoutes(h.app).filter((r) => !['/healthz', '/readyz', '/', '/api/status'].includes(r.path));
    assert.ok(mounted.length >= 20, `found ${mounted.length} routes`);
    for (const r of mounted) {
      const oaPath = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      assert.ok(doc.paths[oaPath]?.[r.method], `${r.method.toUpperCase()} ${r.path} is mounted but missing from /openapi.json`);
    }
    const create = doc.paths['/api/keys']!.post as { requestBody: { content: { 'application/json': { schema: { properties: Record<string, { enum?: string[] }>; required: string[] } } } } };
    const schema = create.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.properties.role!.enum, [...ROLES]);
    assert.deepEqual(schema.required.sort(), ['name', 'role']);
  });

  it('answers 401 without a key or with an unknown one, and 403 outside the role', async () => {
    const none = await call(h, 'GET', '/api/keys', null);
    assert.equal(none.status, 401);
    assert.match(String(none.json.message), /API key is required/);
    const bad = await call(h, 'GET', '/api/keys', 'sb_00000000000000000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(bad.status, 401);
    const wrong = await call(h, 'GET', '/api/keys', h.keys['read-only']);
    assert.equal(wrong.status, 403);
    assert.match(String(wrong.json.message), /role read-only may not GET \/api\/keys; allowed: admin/);
  });

  it('applies each role to each route group', async () => {
    const recId = randomUUID();
    const groups: Array<{ name: string; method: string; path: string; body?: unknown; allowed: Role[] }> = [
      { name: 'keys', method: 'GET', path: '/api/keys', allowed: ['admin'] },
      { name: 'audit', method: 'GET', path: '/api/audit', allowed: ['admin'] },
      { name: 'webhooks', method: 'GET', path: '/api/webhooks', allowed: ['admin'] },
      { name: 'dead letters', method: 'GET', path: '/api/webhooks/deliveries', allowed: ['admin', 'supervisor'] },
      { name: 'recordings', method: 'GET', path: '/api/recordings', allowed: ['admin', 'supervisor'] },
      { name: 'recording pause', method: 'POST', path: `/api/recordings/${recId}/pause`, allowed: ['admin', 'supervisor', 'agent'] },
      { name: 'recording policies', method: 'GET', path: '/api/recording-policies/queue/sales', allowed: ['admin', 'supervisor', 'campaign-manager'] },
      { name: 'queue reports', method: 'GET', path: `/api/reports/queues?${RANGE}`, allowed: ['admin', 'supervisor', 'read-only'] },
      { name: 'campaign reports', method: 'GET', path: `/api/reports/campaigns?${RANGE}`, allowed: ['admin', 'supervisor', 'campaign-manager', 'read-only'] },
      { name: 'agent reports', method: 'GET', path: `/api/reports/agents?${RANGE}`, allowed: ['admin', 'supervisor', 'read-only', 'agent'] },
      { name: 'cdrs', method: 'GET', path: `/api/reports/cdrs?${RANGE}`, allowed: ['admin', 'supervisor', 'campaign-manager', 'read-only', 'agent'] },
      { name: 'rebuild', method: 'POST', path: '/api/reports/rebuild', body: {}, allowed: ['admin'] },
    ];
    const problems: string[] = [];
    for (const g of groups) {
      for (const role of ROLES) {
        const res = await call(h, g.method, g.path, h.keys[role], g.body);
        const denied = res.status === 403;
        if (g.allowed.includes(role) === denied || res.status === 401) problems.push(`${role} on ${g.name}: ${res.status} ${res.text.slice(0, 80)}`);
      }
      if ((await call(h, g.method, g.path, null, g.body)).status !== 401) problems.push(`${g.name} without key is not 401`);
    }
    assert.deepEqual(problems, []);
  });

  it('agent keys read only their own agent', async () => {
    const other = await call(h, 'GET', `/api/reports/agents?${RANGE}&agentId=someone-else`, h.keys.agent);
    assert.equal(other.status, 403);
    assert.match(String(other.json.message), /only read its own agent/);
    assert.equal((await call(h, 'GET', `/api/reports/agents?${RANGE}&agentId=${h.agentId}`, h.keys.agent)).status, 200);
  });

  it('shows a new key once, stores only a hash, and revokes it at once', async () => {
    const created = await call(h, 'POST', '/api/keys', ADMIN_BOOTSTRAP, { name: 'crm sync', role: 'read-only' });
    assert.equal(created.status, 201);
    const key = created.json.key as string;
    const id = (created.json.record as { id: string }).id;
    assert.match(key, /^sb_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const row = await h.tdb.db('api_keys').where({ id }).first();
    assert.ok(!JSON.stringify(row).includes(key.split('_').pop()!), 'the secret is not stored');
    assert.match(row.secret_hash, /^scrypt\$/);
    const listed = await call(h, 'GET', '/api/keys?limit=500', h.keys.admin);
    assert.ok(!listed.text.includes(key), 'listing never shows a secret');
    assert.equal((await call(h, 'GET', `/api/reports/cdrs?${RANGE}`, key)).status, 200);
    assert.equal((await call(h, 'DELETE', `/api/keys/${id}`, h.keys.admin)).status, 200);
    assert.equal((await call(h, 'GET', `/api/reports/cdrs?${RANGE}`, key)).status, 401);
  });

  it('rejects bad input with 400 naming the field and the reason, and stores nothing', async () => {
    const before = Number((await h.tdb.db('api_keys').count('* as c'))[0]!.c);
    const cases: Array<[string, string, unknown, string, RegExp]> = [
      ['POST', '/api/keys', { name: 'x', role: 'boss' }, 'body.role', /expected one of admin, supervisor, campaign-manager, agent, read-only/],
      ['POST', '/api/keys', { role: 'admin' }, 'body.name', /is required/],
      ['POST', '/api/keys', { name: 'x', role: 'agent' }, 'body.agentId', /is required for role agent/],
      ['POST', '/api/keys', { name: 'x', role: 'agent', agentId: 'ghost' }, 'body.agentId', /no agent with id ghost/],
      ['POST', '/api/webhooks', { name: 'crm', url: 'ftp://crm', eventTypes: ['agent.state'] }, 'body.url', /http:\/\/ or https:\/\//],
      ['POST', '/api/webhooks', { name: 'crm', url: 'https://crm.example.com', eventTypes: ['call.exploded'] }, 'body.eventTypes.0', /expected one of interaction.offered/],
      ['GET', '/api/reports/queues?from=2026-01-05&to=2026-01-05&tz=Mars/Olympus', undefined, 'query.tz', /IANA time zone/],
      ['GET', '/api/reports/queues?from=5 Jan&to=2026-01-05', undefined, 'query.from', /expected a date/],
      ['GET', '/api/reports/queues?from=2026-01-06&to=2026-01-05', undefined, 'query.to', /must be after from/],
      ['GET', '/api/keys?limit=0', undefined, 'query.limit', /expected at least 1/],
      ['PUT', '/api/recording-policies/queue/sales', { mode: 'percentage', percentage: 150 }, 'body.percentage', /expected 0 to 100/],
      ['PUT', '/api/recording-policies/queue/sales', { mode: 'all', namingTemplate: '{queue}/{nope}' }, 'body.namingTemplate', /unknown placeholder \{nope\}/],
      ['PUT', '/api/recording-policies/desk/sales', { mode: 'all' }, 'params.scope', /expected queue or campaign/],
      ['DELETE', '/api/keys/not-a-uuid', undefined, 'params.id', /expected a key id/],
    ];
    for (const [method, path, body, field, reason] of cases) {
      const res = await call(h, method, path, h.keys.admin, body);
      assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
      assert.equal(res.json.field, field, `${method} ${path}: ${res.text}`);
      assert.match(String(res.json.reason), reason, `${method} ${path}: ${res.text}`);
    }
    const malformed = await call(h, 'POST', '/api/keys', h.keys.admin, '{"name": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.field, 'body');
    assert.equal(Number((await h.tdb.db('api_keys').count('* as c'))[0]!.c), before);
  });

  it('paginates lists with limit and offset', async () => {
    for (let i = 0; i < 3; i++) await call(h, 'POST', '/api/webhooks', h.keys.admin, { name: `crm-${i}`, url: `https://crm${i}.example.com/hook`, eventTypes: ['agent.state'] });
    const all = await call(h, 'GET', '/api/webhooks', h.keys.admin);
    const page = await call(h, 'GET', '/api/webhooks?limit=1&offset=1', h.keys.admin);
    assert.equal(page.json.total, all.json.total);
    assert.equal(page.json.limit, 1);
    assert.equal(page.json.offset, 1);
    assert.deepEqual(page.json.items!.map((s) => s.id), [all.json.items![1]!.id]);
    assert.ok(!all.text.includes('whsec_'), 'secrets are not listed');
  });

  it('writes an audit row for every change, with secrets redacted', async () => {
    await call(h, 'POST', '/api/webhooks', h.keys.admin, { name: 'audited', url: 'https://crm.example.com/a', eventTypes: ['agent.state'], secret: 'hunter2' });
    await call(h, 'POST', '/api/keys', h.keys.supervisor, { name: 'sneaky', role: 'admin' }); // refused, still audited
    let rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 50 && rows.length < 2; i++) {
      rows = await h.tdb.db('audit_log').whereIn('path', ['/api/webhooks', '/api/keys']).andWhere('at', '>', new Date(Date.now() - 10_000)).orderBy('id');
      rows = rows.filter((r) => ['audited', 'sneaky'].includes((r.body as { name?: string })?.name ?? ''));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(rows.map((r) => [r.method, r.path, r.status, r.role, r.key_name]), [
      ['POST', '/api/webhooks', 201, 'admin', 'admin key'],
      ['POST', '/api/keys', 403, 'supervisor', 'supervisor key'],
    ]);
    assert.equal((rows[0]!.body as { secret: string }).secret, '[redacted]');
    const view = await call(h, 'GET', '/api/audit?limit=5', h.keys.admin);
    assert.equal(view.status, 200);
    assert.ok(view.json.items!.length > 0);
  });

  it('serves reports as JSON and CSV after a rebuild from the event log', async () => {
    const log = new EventLog({ db: h.tdb.db, logger: silentLogger(), batchMs: 1 });
    await h.tdb.db('queues').insert({ id: 'sales', name: 'Sales', settings: JSON.stringify({ slThresholdSec: 20, shortAbandonSec: 5 }) }).onConflict('id').ignore();
    append(log, [...part1, ...part2], [...a1States1, ...a1States2]);
    await log.close();
    const rebuilt = await call(h, 'POST', '/api/reports/rebuild', h.keys.admin, { from: '2026-01-05', to: '2026-01-05', tz: 'UTC' });
    assert.equal(rebuilt.status, 200, rebuilt.text);
    assert.equal(rebuilt.json.interactions, 7);
    const json = await call(h, 'GET', '/api/reports/queues?from=2026-01-05&to=2026-01-05&tz=Europe/Paris&granularity=day&queueId=sales', h.keys['read-only']);
    assert.deepEqual(json.json.items!.map((r) => [r.start, r.offered, r.serviceLevelPct, r.asaSec]), [['2026-01-05T00:00:00+01:00', 7, 66.67, 18]]);
    const res = await fetch(`${h.base}/api/reports/queues?from=2026-01-05&to=2026-01-05&tz=UTC&queueId=sales&format=csv`, { headers: { 'X-API-Key': h.keys['read-only'] } });
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="queue-report.csv"/);
    const lines = (await res.text()).trim().split('\r\n');
    assert.equal(lines[0], 'id,start,offered,answered,answeredInSl,abandoned,shortAbandoned,serviceLevelPct,asaSec,ahtSec,abandonRatePct,talkSec,holdSec,wrapupSec');
    assert.deepEqual(lines.slice(1), ['sales,2026-01-05T08:00:00Z,5,3,2,1,1,50,25,140,20,330,30,60', 'sales,2026-01-05T08:15:00Z,2,2,2,0,0,100,7.5,95,0,180,0,10']);
    const cdrCsv = await fetch(`${h.base}/api/reports/cdrs?from=2026-01-05&to=2026-01-05&format=csv&limit=2`, { headers: { 'X-API-Key': h.keys.supervisor } });
    assert.equal((await cdrCsv.text()).trim().split('\r\n').length, 3);
  });

  it('shows dead letters and puts one back in its queue', async () => {
    const sub = await h.api.outbox.createSubscription({ name: 'dl', url: 'https://crm.example.com/dl', eventTypes: ['agent.state'] });
    const eventId = randomUUID();
    const [row] = await h.tdb.db('webhook_outbox').insert({
      subscription_id: sub.subscription.id, event_id: eventId, event_type: 'agent.state', payload: JSON.stringify({ id: eventId }),
      status: 'dead', attempts: 12, last_error: 'HTTP 500',
    }).returning('id');
    const dead = await call(h, 'GET', `/api/webhooks/deliveries?status=dead&subscriptionId=${sub.subscription.id}`, h.keys.supervisor);
    assert.deepEqual(dead.json.items!.map((d) => [d.eventId, d.attempts, d.lastError]), [[eventId, 12, 'HTTP 500']]);
    assert.equal((await call(h, 'POST', `/api/webhooks/deliveries/${row.id}/retry`, h.keys.supervisor)).status, 403);
    const retried = await call(h, 'POST', `/api/webhooks/deliveries/${row.id}/retry`, h.keys.admin);
    assert.equal(retried.status, 200);
    assert.equal((await h.tdb.db('webhook_outbox').where({ id: row.id }).first()).status, 'pending');
    assert.equal((await call(h, 'POST', `/api/webhooks/deliveries/${row.id}/retry`, h.keys.admin)).status, 404, 'only dead letters can be retried');
  });

  it('serves Prometheus metrics', async () => {
    h.api.metrics.setQueueWaiting('sales', 3);
    h.api.metrics.observeRoutingDecision(0.4);
    const res = await call(h, 'GET', '/metrics', null);
    assert.equal(res.status, 200);
    for (const name of ['switchboard_calls_active', 'switchboard_queue_waiting{queue="sales"} 3', 'switchboard_agents{state="ready"}',
      'switchboard_routing_decision_seconds_bucket', 'switchboard_esl_events_total', 'switchboard_esl_reconnects_total',
      'switchboard_dialer_abandon_rate_ratio', 'switchboard_webhook_backlog']) {
      assert.ok(res.text.includes(name), `missing ${name}`);
    }
  });

  it('streams snapshots and events over an authenticated WebSocket', async () => {
    const url = h.base.replace('http', 'ws') + '/api/realtime';
    const refused = new WebSocket(url);
    const code = await new Promise<number>((resolve) => {
      refused.on('open', () => refused.send(JSON.stringify({ type: 'auth', key: 'nope' })));
      refused.on('close', (c) => resolve(c));
    });
    assert.equal(code, 4401);
    const ws = new WebSocket(url, { headers: { 'X-API-Key': h.keys['read-only'] } });
    const messages: Array<{ type: string; snapshot?: { queues: Array<{ queueId: string; waiting: number }> }; event?: { type: string } }> = [];
    ws.on('message', (m) => messages.push(JSON.parse(String(m))));
    await new Promise((r) => ws.on('open', r));
    await waitUntil(() => messages.some((m) => m.type === 'snapshot'));
    h.realtime.ingestInteractionEvent({ interactionId: randomUUID(), type: 'queued', at: Date.now(), queueId: 'sales' });
    await waitUntil(() => messages.some((m) => m.type === 'event' && m.event?.type === 'queued'));
    await waitUntil(() => messages.some((m) => m.snapshot?.queues.some((q) => q.queueId === 'sales' && q.waiting === 1)));
    ws.close();
  });

  it('limits requests per key', async () => {
    const limited = await startHarness({ API_RATE_LIMIT_PER_MIN: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(limited, 'GET', `/api/reports/cdrs?${RANGE}`, limited.keys['read-only'])).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const res = await call(limited, 'GET', `/api/reports/cdrs?${RANGE}`, limited.keys['read-only']);
      assert.match(String(res.json.message), /rate limit exceeded: at most 3 requests per 60 s/);
      // Another key has its own budget.
      assert.equal((await call(limited, 'GET', `/api/reports/cdrs?${RANGE}`, limited.keys.supervisor)).status, 200);
    } finally {
      await limited.close();
    }
  });
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
