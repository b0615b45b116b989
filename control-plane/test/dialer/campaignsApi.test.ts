import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../../src/api/app.js';
import { createCampaignsRouter } from '../../src/api/routes/campaigns.js';
import { DialerService } from '../../src/dialer/DialerService.js';
import { SimAgentPool } from '../../src/dialer/SimAgentPool.js';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

const campaignBody = {
  name: 'Spring offers',
  mode: 'predictive',
  target: { kind: 'agents', agentIds: ['a1', 'a2'] },
  callerId: { number: '+12125550100' },
  callingWindow: { start: '09:00', end: '20:00' },
};

describe('campaigns REST API (real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  let server: Server;
  let base: string;
  let dialer: DialerService;
  let engine: SimEngine;

  before(async () => {
    t = await createTestDb('dialer_api');
    engine = new SimEngine({ seed: 1, startTime: Date.parse('2026-01-05T15:00:00Z') });
    await engine.start();
    dialer = new DialerService({
      db: t.db,
      engine,
      clock: engine.clock,
      logger: silentLogger(),
      poolFor: (c) => new SimAgentPool({ engine, clock: engine.clock, campaignId: c.id, agents: [], wrapUpMs: 15_000 }),
    });
    const app = createApp({
      logger: silentLogger(),
      status: { statusSnapshot: () => ({ queues: [] }) } as never,
      readiness: [],
      routers: [{ path: '/api/campaigns', router: createCampaignsRouter({ dialer }) }],
    });
    server = app.listen(0);
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/campaigns`;
  });
  after(async () => {
    await dialer.close();
    await new Promise<void>((r) => server.close(() => r()));
    await t.drop();
  });

  const json = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Record<string, unknown>) };
  };
  const csv = async (path: string, text: string | Buffer): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: text });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('creates, reads, patches live, and runs the lifecycle; wrong transitions are 409 with the reason', async () => {
    const created = await json('POST', '/', campaignBody);
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    assert.match(id, /^spring-offers-[0-9a-f]{6}$/);
    assert.equal(created.body.state, 'draft');
    assert.equal((await json('GET', `/${id}`)).body.id, id);
    assert.equal(((await json('GET', '/')).body.campaigns as unknown[]).length >= 1, true);

    const patched = await json('PATCH', `/${id}`, { predictive: { targetAbandonPct: 1.5 }, dialTimeoutSec: 30 });
    assert.equal(patched.status, 200);
    assert.equal((patched.body.config as { dialTimeoutSec: number }).dialTimeoutSec, 30);

    assert.equal((await json('POST', `/${id}/resume`)).status, 409);
    assert.equal((await json('POST', `/${id}/start`)).body.state, 'running');
    assert.equal((await json('POST', `/${id}/pause`)).body.state, 'paused');
    const del = await json('DELETE', `/${id}`);
    assert.deepEqual([del.status, del.body.message], [409, `cannot delete campaign ${id}: it is paused`]);
    assert.equal((await json('POST', `/${id}/resume`)).body.state, 'running');
    const stats = await json('GET', `/${id}/stats`);
    assert.equal(stats.body.state, 'running');
    assert.equal(stats.body.abandonCapPct, 3);
    assert.equal((await json('POST', `/${id}/stop`)).body.state, 'stopped');
    assert.equal((await json('DELETE', `/${id}`)).status, 204);
    assert.equal((await json('GET', `/${id}`)).status, 404);
  });

  it('rejects bad campaigns naming the field', async () => {
    const bad = await json('POST', '/', { ...campaignBody, dialTimeoutSec: 5, callerId: { number: 'x' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.problems, ['callerId.number: expected a valid phone number in E.164 form, e.g. +15551234567', 'dialTimeoutSec: ring at least 15 seconds before giving up']);
    assert.equal(bad.body.field, 'callerId.number');
    const created = await json('POST', '/', campaignBody);
    const patch = await json('PATCH', `/${created.body.id as string}`, { powerRatio: 0 });
    assert.equal(patch.status, 400);
    assert.match(patch.body.message as string, /^powerRatio: /);
  });

  it('uploads a lead list as CSV, reports rejected rows, and imports campaign and global DNC lists', async () => {
    const id = (await json('POST', '/', campaignBody)).body.id as string;
    const g = await csv('/dnc?column=phone', 'phone\n+12125550199\nnot a number\n');
    assert.equal(g.status, 200);
    assert.deepEqual([g.body.added, g.body.rejected], [1, [{ row: 3, column: 'phone', reason: '"not a number" is not a phone number (unexpected characters)' }]]);
    const c = await csv(`/${id}/dnc`, '+12125550198\n');
    assert.equal(c.body.added, 1);

    const r = await csv(`/${id}/lists?name=March&phoneColumn=Phone&defaultCountry=US`, 'Name,Phone\nAnn,212-555-0142\nBob,212-555-0199\nCy,212-555-0198\nDi,12\n');
    assert.equal(r.status, 200);
    assert.equal(r.body.imported, 1);
    assert.deepEqual(r.body.rejected, [
      { row: 3, column: 'Phone', reason: '+12125550199 is on the global do-not-call list' },
      { row: 4, column: 'Phone', reason: '+12125550198 is on the campaign do-not-call list' },
      { row: 5, column: 'Phone', reason: '"12" is not a valid US number (wrong length or unassigned prefix)' },
    ]);
    const missing = await csv(`/${id}/lists?phoneColumn=Mobile`, 'Name,Phone\nAnn,+12125550142\n');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.message, 'column "Mobile" (mapped to phone) is not in the header; the header has: Name, Phone');
    const asJson = await json('POST', `/${id}/lists?phoneColumn=Phone`, { rows: [] });
    assert.equal(asJson.status, 400);
    assert.equal(asJson.body.message, 'body: send the CSV file itself as the body (Content-Type: text/csv), not application/json');
    assert.equal((await json('GET', `/${id}/stats`)).body.leadsRemaining, 1);
  });

  it('validates dispositions and attempt queries', async () => {
    const id = (await json('POST', '/', campaignBody)).body.id as string;
    const notUuid = await json('POST', `/${id}/attempts/abc/disposition`, { code: 'sale' });
    assert.deepEqual([notUuid.status, notUuid.body.message], [400, 'attemptId: "abc" is not an attempt id (a UUID)']);
    const noCode = await json('POST', `/${id}/attempts/00000000-0000-4000-8000-000000000000/disposition`, { callbackAt: 'tomorrow' });
    assert.equal(noCode.status, 400);
    assert.deepEqual(noCode.body.problems, ['code: Invalid input: expected string, received undefined', 'callbackAt: expected an ISO 8601 time with offset, e.g. 2026-01-06T10:00:00-05:00']);
    const unknown = await json('POST', `/${id}/attempts/00000000-0000-4000-8000-000000000000/disposition`, { code: 'sale' });
    assert.deepEqual([unknown.status, unknown.body.message], [400, `attemptId: attempt 00000000-0000-4000-8000-000000000000 is not part of campaign ${id}`]);
    const q = await json('GET', `/${id}/attempts?limit=0`);
    assert.deepEqual([q.status, q.body.message], [400, 'limit: Too small: expected number to be >=1']);
    assert.deepEqual((await json('GET', `/${id}/attempts`)).body, { attempts: [] });
  });

  it('after a restart, campaigns stored as running start dialling again', async () => {
    const id = (await json('POST', '/', campaignBody)).body.id as string;
    await json('POST', `/${id}/start`);
    const second = new DialerService({
      db: t.db,
      engine,
      clock: engine.clock,
      logger: silentLogger(),
      poolFor: (c) => new SimAgentPool({ engine, clock: engine.clock, campaignId: c.id, agents: [], wrapUpMs: 15_000 }),
    });
    const resumed = await second.resumeRunningCampaigns();
    assert.ok(resumed.includes(id));
    assert.equal(second.runner(id)?.state, 'running');
    await second.close();
  });
});
