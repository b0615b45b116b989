import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Acd } from '../../src/acd/Acd.js';
import { AcdAdmin } from '../../src/acd/AcdAdmin.js';
import { createAcdRouter } from '../../src/api/routes/acd.js';
import { EventLog } from '../../src/store/EventLog.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { ManualClock } from './helpers.js';

describe('ACD REST routes (real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  let server: Server;
  let base: string;
  let acd: Acd;
  let log: EventLog;

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> & { problems?: Array<{ field: string; reason: string }> } }> => {
    const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : {} };
  };

  before(async () => {
    t = await createTestDb('acd_api');
    log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });
    acd = new Acd({ clock: new ManualClock(), events: log, logger: silentLogger() });
    const app = express();
    app.use('/api', createAcdRouter(new AcdAdmin(acd, t.db)));
    server = app.listen(0);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  after(async () => {
    server?.close();
    acd?.close();
    await log?.close();
    await t?.drop();
  });

  it('creates skills, reason codes, queues and agents, and lists them', async () => {
    assert.equal((await call('PUT', '/skills/support', { name: 'Support' })).status, 200);
    assert.equal((await call('PUT', '/skills/billing', { name: 'Billing' })).status, 200);
    assert.equal((await call('PUT', '/reason-codes/lunch', { label: 'Lunch' })).status, 200);
    const q = await call('POST', '/queues', { id: 'help', name: 'Help desk', settings: { skills: [{ skillId: 'support', minLevel: 3 }] } });
    assert.equal(q.status, 201, JSON.stringify(q.json));
    const a = await call('POST', '/agents', { id: 'ann', name: 'Ann', sipUser: 'ann', skills: { support: 5 }, capacity: { voice: 1, chat: 2 } });
    assert.equal(a.status, 201, JSON.stringify(a.json));
    assert.equal(a.json.state, 'logged-out');
    assert.deepEqual(((await call('GET', '/skills')).json as unknown as Array<{ id: string }>).map((s) => s.id), ['billing', 'support']);
    const stored = await t.db('agent_skills').where({ agent_id: 'ann' });
    assert.deepEqual(stored.map((r: { skill_id: string; level: number }) => [r.skill_id, r.level]), [['support', 5]]);
  });

  it('400 names the field and the reason, and nothing is stored', async () => {
    let r = await call('POST', '/queues', { id: 'bad', name: 'Bad', strategy: 'random' });
    assert.equal(r.status, 400);
    assert.equal(r.json.problems![0]!.field, 'strategy');
    assert.match(r.json.problems![0]!.reason, /expected one of longest-idle, least-occupied/);
    r = await call('POST', '/queues', { id: 'bad', name: 'Bad', settings: { escalation: [{ afterSec: 30, action: { kind: 'overflow', queueId: 'nowhere' } }] } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.problems, [{ field: 'settings.escalation.0.action.queueId', reason: 'queue nowhere does not exist' }]);
    r = await call('POST', '/queues', { id: 'bad', name: 'Bad', settings: { maxWaitSec: 60, maxWaitAction: { kind: 'voicemail', target: 'my mailbox' } } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.problems, [{ field: 'settings.maxWaitAction.target', reason: 'expected an extension (digits, *, #, +) or a sip:user@host URI' }]);
    r = await call('POST', '/agents', { id: 'bob', name: 'Bob', skills: { cooking: 3 } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.problems, [{ field: 'skills', reason: 'unknown skill(s): cooking' }]);
    r = await call('POST', '/agents', { id: 'bob', name: 'Bob', skills: { support: 11 } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.problems, [{ field: 'skills.support', reason: 'proficiency is 1 to 10' }]);
    r = await call('PUT', '/agents/ann', { name: '', skills: { support: 5 } });
    assert.equal(r.status, 400);
    assert.equal(r.json.problems![0]!.field, 'name');
    r = await call('POST', '/queues', '{"id": ');
    assert.equal(r.status, 400);
    assert.equal(r.json.message, '(body): not valid JSON');
    assert.equal((await t.db('queues').where({ id: 'bad' })).length, 0);
    assert.equal((await t.db('agents').where({ id: 'bob' })).length, 0);
    assert.equal((await call('GET', '/agents/ann')).json.name, 'Ann', 'the rejected PUT changed nothing');
  });

  it('404 for unknown ids, 409 for conflicting state changes (and nothing changes)', async () => {
    assert.equal((await call('POST', '/agents/nobody/login')).status, 404);
    assert.equal((await call('GET', '/queues/nowhere')).status, 404);
    assert.equal((await call('POST', '/interactions/00000000-0000-0000-0000-000000000000/accept', { agentId: 'ann' })).status, 404);
    assert.equal((await call('POST', '/queues', { id: 'help', name: 'Again' })).status, 409);
    assert.equal((await call('POST', '/agents/ann/login')).status, 200);
    const again = await call('POST', '/agents/ann/login');
    assert.equal(again.status, 409);
    assert.match(String(again.json.message), /agent ann is already logged in/);
    const del = await call('DELETE', '/agents/ann');
    assert.equal(del.status, 409);
    assert.match(String(del.json.message), /logged in; log them out first/);
    const nr = await call('PUT', '/agents/ann/state', { state: 'not-ready', reason: 'nap' });
    assert.equal(nr.status, 400);
    assert.deepEqual(nr.json.problems, [{ field: 'reason', reason: 'reason code nap is not configured' }]);
    assert.equal((await call('GET', '/agents/ann')).json.state, 'ready');
  });

  it('chat: enqueue, offer, decline, accept, complete; customer history by e-mail', async () => {
    assert.equal((await call('POST', '/agents', { id: 'cid', name: 'Cid', skills: { support: 9 }, capacity: { voice: 0, chat: 1 } })).status, 201);
    assert.equal((await call('POST', '/agents/cid/login')).status, 200);
    const bad = await call('POST', '/interactions', { channel: 'voice', queueId: 'help' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.problems![0]!.reason, /voice calls enter through the IVR queue node/);
    const c = await call('POST', '/interactions', { channel: 'chat', queueId: 'help', customer: { email: 'Zoe@Example.com' } });
    assert.equal(c.status, 201, JSON.stringify(c.json));
    const id = String(c.json.id);
    assert.equal(c.json.phase, 'offered');
    const offeredTo = acd.router.interaction(id)!.offeredTo;
    const first = [...offeredTo][0]!;
    assert.equal((await call('POST', `/interactions/${id}/decline`, { agentId: first })).status, 200);
    const second = [...acd.router.interaction(id)!.offeredTo][0]!;
    assert.notEqual(second, first, 'a declined offer goes to another agent');
    assert.equal((await call('POST', `/interactions/${id}/accept`, { agentId: first })).status, 409, 'the decliner cannot take it any more');
    assert.equal((await call('POST', `/interactions/${id}/accept`, { agentId: second })).status, 200);
    assert.equal((await call('GET', `/agents/${second}`)).json.state, 'busy');
    assert.equal((await call('POST', `/interactions/${id}/complete`, {})).status, 200);
    await log.flush();
    const hist = await call('GET', `/customers/${encodeURIComponent('email:zoe@example.com')}/interactions`);
    const rows = hist.json as unknown as Array<{ id: string; channel: string; outcome: string }>;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.id, id);
    assert.equal(rows[0]!.outcome, 'answered');
    const types = (await t.db('interaction_events').where({ interaction_id: id }).orderBy('id')).map((e: { type: string }) => e.type);
    assert.deepEqual(types, ['queued', 'offered', 'offer.rejected', 'offered', 'answered', 'ended']);
    const snap = await call('GET', '/snapshot');
    assert.ok(Array.isArray((snap.json.queues as unknown[])));
  });

  it('supervisor forces states; logout with work in progress is a conflict', async () => {
    const f = await call('PUT', '/agents/cid/forced-state', { state: 'not-ready', reason: 'lunch' });
    assert.equal(f.status, 200);
    assert.equal(f.json.state, 'not-ready');
    assert.equal(f.json.reason, 'lunch');
    assert.equal((await call('PUT', '/agents/cid/forced-state', { state: 'logged-out' })).json.state, 'logged-out');
    assert.equal((await call('PUT', '/agents/cid/forced-state', { state: 'logged-out' })).status, 409);
  });
});
