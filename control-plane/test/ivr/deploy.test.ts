/** Flow versions in PostgreSQL, deploy/refuse, DID routes, version pinning, hot reload and the REST router. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { FlowStore, DbSurveySink } from '../../src/ivr/FlowStore.js';
import { FlowRegistry } from '../../src/ivr/FlowRegistry.js';
import { FlowValidationError } from '../../src/ivr/loader.js';
import { FlowWatcher, deployDirectory } from '../../src/ivr/FlowWatcher.js';
import { IvrService } from '../../src/ivr/IvrService.js';
import { createIvrRouter } from '../../src/api/routes/ivr.js';
import { ApiError } from '../../src/api/errors.js';
import { EventLog } from '../../src/store/EventLog.js';
import { eventLogSink } from '../../src/ivr/eventLogSink.js';
import { interactionIdForLeg } from '../../src/ivr/interactionId.js';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { SystemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { MockHttpClient } from '../../src/ivr/http.js';
import { MemoryCallbackHandoff, MemoryEventSink, MemoryMessageSink, MemorySurveySink, RecordingQueueHandoff } from '../../src/ivr/memoryServices.js';

const flowV = (greeting: string, queue = 'billing') => `id: greeter
dids: ["+18005550100"]
entry: hello
nodes:
  hello:
    kind: play
    prompt: "${greeting}"
    next: wait
  wait:
    kind: menu
    prompt: Press 1.
    options: { "1": agent }
    timeout_ms: 10000
    default: agent
  agent:
    kind: queue
    queue: ${queue}
`;

describe('ivr deploy (real PostgreSQL)', () => {
  let t: TestDb;
  let store: FlowStore;
  let registry: FlowRegistry;

  before(async () => {
    t = await createTestDb('ivr');
    await t.db('queues').insert([
      { id: 'billing', name: 'Billing' },
      { id: 'support', name: 'Support' },
    ]);
    store = new FlowStore(t.db);
    registry = new FlowRegistry({ store });
  });
  after(async () => {
    await t.drop();
  });

  it('stores versions, activates the newest, and does not duplicate an unchanged deploy', async () => {
    const v1 = await registry.deploy(flowV('Hello one.'), 'greeter.yaml', 'alice');
    assert.deepEqual(v1, { flowId: 'greeter', version: 1, unchanged: false });
    const again = await registry.deploy(flowV('Hello one.'), 'greeter.yaml', 'alice');
    assert.deepEqual(again, { flowId: 'greeter', version: 1, unchanged: true });
    const v2 = await registry.deploy(flowV('Hello two.'), 'greeter.yaml', 'bob');
    assert.equal(v2.version, 2);
    const versions = await store.versions('greeter');
    assert.deepEqual(versions.map((v) => [v.version, v.active, v.deployedBy]), [
      [2, true, 'bob'],
      [1, false, 'alice'],
    ]);
    assert.equal((await store.version('greeter', 1))!.source, flowV('Hello one.'));
    assert.deepEqual(await store.didRoutes(), [{ did: '+18005550100', flowId: 'greeter' }]);
  });

  it('refuses an invalid flow with file:line:column problems and keeps the running version', async () => {
    await assert.rejects(registry.deploy(flowV('Broken.', 'no-such-queue'), 'greeter.yaml'), (err: unknown) => {
      assert.ok(err instanceof FlowValidationError);
      assert.equal(err.problems[0]!.message, 'queue "no-such-queue" does not exist');
      assert.equal(`${err.problems[0]!.line}:${err.problems[0]!.column}`, '17:12');
      return true;
    });
    assert.equal(registry.active('greeter')!.version, 2);
    assert.equal((await store.versions('greeter')).length, 2, 'nothing stored');
  });

  it('concurrent deploys of one flow get distinct versions', async () => {
    const results = await Promise.all([registry.deploy(flowV('A.'), 'x'), registry.deploy(flowV('B.'), 'x'), new FlowRegistry({ store }).deploy(flowV('C.'), 'y')]);
    assert.equal(new Set(results.map((r) => r.version)).size, 3);
  });

  it('a call keeps the version it started with; new calls take the new one', async () => {
    await registry.deploy(flowV('Version old.'), 'greeter.yaml');
    const engine = new SimEngine({ seed: 3 });
    await engine.start();
    const queue = new RecordingQueueHandoff();
    const service = new IvrService({
      registry,
      logger: silentLogger(),
      clock: engine.clock,
      services: {
        queue,
        callback: new MemoryCallbackHandoff(),
        survey: new MemorySurveySink(),
        messages: new MemoryMessageSink(),
        events: new MemoryEventSink(),
        http: new MockHttpClient(engine.clock, []),
        secrets: () => undefined,
      },
    });
    service.attach(engine);
    const oldVersion = registry.active('greeter')!.version;
    engine.placeCall({ from: '+1555', to: '+18005550100', script: [{ waitForPrompt: 'Press 1', afterMs: 5000, dtmf: '1' }] });
    await engine.clock.runFor(3000); // the first call is in the flow now
    const deployed = await registry.deploy(flowV('Version new.', 'support'), 'greeter.yaml');
    assert.ok(deployed.version > oldVersion);
    engine.placeCall({ from: '+1556', to: '+18005550100', script: [{ waitForPrompt: 'Press 1', dtmf: '1' }] });
    await engine.clock.runFor(60_000);
    await service.drain();
    await engine.stop();
    assert.deepEqual(
      queue.requests.map((r) => [r.flow.version, r.queue]).sort((x, y) => Number(x[0]) - Number(y[0])),
      [
        [oldVersion, 'billing'],
        [deployed.version, 'support'],
      ],
    );
  });

  it('node visits reach interaction_events through the EventLog, with the gathered variables at the end', async () => {
    const eventLog = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 5 });
    const engine = new SimEngine({ seed: 4 });
    await engine.start();
    const service = new IvrService({
      registry,
      logger: silentLogger(),
      clock: engine.clock,
      services: {
        queue: new RecordingQueueHandoff(),
        callback: new MemoryCallbackHandoff(),
        survey: new MemorySurveySink(),
        messages: new MemoryMessageSink(),
        events: eventLogSink(eventLog),
        http: new MockHttpClient(engine.clock, []),
        secrets: () => undefined,
      },
    });
    let legId = '';
    engine.on('call', (leg) => (legId = leg.id));
    service.attach(engine);
    engine.placeCall({ from: '+1557', to: '+18005550100', script: [{ waitForPrompt: 'Press 1', dtmf: '1' }] });
    await engine.clock.runFor(60_000);
    await service.drain();
    await engine.stop();
    await eventLog.close();
    const id = interactionIdForLeg({ id: legId, variables: {} });
    const rows = (await t.db('interaction_events').where({ interaction_id: id }).orderBy('id').select('type', 'data')) as Array<{ type: string; data: Record<string, unknown> }>;
    assert.deepEqual(rows.map((r) => [r.type, r.data.node ?? null]), [
      ['ivr.node', 'hello'],
      ['ivr.node', 'wait'],
      ['queued', null],
      ['ivr.node', 'agent'],
      ['ivr.ended', null],
    ]);
    assert.equal(rows[1]!.data.input, '1');
    assert.equal(rows[0]!.data.flowId, 'greeter');
    assert.deepEqual((rows[4]!.data.variables as Record<string, unknown>).language, 'en-US');
  });

  it('load reads each active version from its source and reports one that no longer reads', async () => {
    await t.db('ivr_flow_versions').insert({ flow_id: 'legacy', version: 1, source: 'id: legacy\nentry: a\nnodes:\n  a: { kind: dial }\n', definition: '{}', checksum: 'x' });
    await t.db('ivr_flows').insert({ id: 'legacy', active_version: 1 });
    const fresh = new FlowRegistry({ store });
    const unreadable = await fresh.load();
    assert.deepEqual(unreadable.map((u) => [u.flowId, u.version]), [['legacy', 1]]);
    assert.match(unreadable[0]!.problems[0]!, /legacy@1:4:14: unknown node kind "dial"/);
    assert.equal(fresh.active('legacy'), undefined);
    assert.ok(fresh.active('greeter'));
    await t.db('ivr_flows').where({ id: 'legacy' }).delete();
    await t.db('ivr_flow_versions').where({ flow_id: 'legacy' }).delete();
  });

  it('routes DIDs and rolls back to a stored version', async () => {
    assert.equal(await registry.routeDid('+442000000000', 'nope'), false);
    assert.equal(await registry.routeDid('+442000000000', 'greeter'), true);
    assert.equal(registry.flowsForDid('+442000000000')!.rootFlowId, 'greeter');
    assert.equal(await registry.activate('greeter', 1), true);
    assert.equal(registry.active('greeter')!.version, 1);
    const fresh = new FlowRegistry({ store });
    await fresh.load();
    assert.equal(fresh.active('greeter')!.version, 1, 'the rollback is stored');
    assert.equal(fresh.flowsForDid('+442000000000')!.rootFlowId, 'greeter');
    assert.equal(await registry.unrouteDid('+442000000000'), true);
    assert.equal(registry.flowsForDid('+442000000000'), undefined);
  });

  it('stores CSAT answers per interaction and agent, and the database refuses scores outside 1–5', async () => {
    const sink = new DbSurveySink(t.db);
    await sink.record({ interactionId: 'i-1', agentId: 'a-1', flowId: 'csat', flowVersion: 1, question: 'agent', score: 5, at: Date.parse('2026-01-05T10:00:00Z') });
    const rows = (await t.db('ivr_survey_answers').select('interaction_id', 'agent_id', 'score')) as unknown[];
    assert.deepEqual(rows, [{ interaction_id: 'i-1', agent_id: 'a-1', score: 5 }]);
    await assert.rejects(sink.record({ interactionId: 'i-1', agentId: null, flowId: 'csat', flowVersion: 1, question: 'x', score: 9, at: 0 }), /ivr_survey_answers_score/);
  });

  describe('hot reload from a directory', () => {
    let dir: string;
    let watcher: FlowWatcher;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ivr-flows-'));
    });
    after(() => {
      watcher?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('deploys the directory at start, redeploys a changed file, and refuses a broken edit', async () => {
      const sub = `id: hot-sub\nentry: r\nnodes:\n  r: { kind: return }\n`;
      const main = (text: string) => `id: hot\nentry: s\nnodes:\n  s: { kind: subflow, flow: hot-sub, next: p }\n  p: { kind: play, prompt: "${text}", next: h }\n  h: { kind: hangup }\n`;
      // "a-hot.yaml" sorts before its subflow: the directory deploy retries it after.
      writeFileSync(join(dir, 'a-hot.yaml'), main('one'));
      writeFileSync(join(dir, 'b-hot-sub.yaml'), sub);
      writeFileSync(join(dir, 'a-hot.test.yaml'), 'not a flow');
      watcher = new FlowWatcher(registry, dir, new SystemClock(), silentLogger(), 30);
      const started = await watcher.start();
      assert.deepEqual(started.refused, []);
      assert.deepEqual(started.deployed.map((d) => d.flowId).sort(), ['hot', 'hot-sub']);
      const v1 = registry.active('hot')!.version;

      writeFileSync(join(dir, 'a-hot.yaml'), main('two'));
      await waitFor(() => registry.active('hot')!.version > v1);
      const node = registry.active('hot')!.flow.nodes.p as { prompt: string };
      assert.equal(node.prompt, 'two');

      const refused = new Promise<string>((resolve) => registry.once('refused', (e) => resolve(e.problems[0]!.message)));
      writeFileSync(join(dir, 'a-hot.yaml'), main('three').replace('next: h', 'next: nowhere'));
      assert.match(await refused, /goes to "nowhere" \(next\), which does not exist/);
      assert.equal((registry.active('hot')!.flow.nodes.p as { prompt: string }).prompt, 'two', 'the running version stays');
    });

    it('deployDirectory reports refused files with their problems', async () => {
      const d2 = mkdtempSync(join(tmpdir(), 'ivr-bad-'));
      writeFileSync(join(d2, 'bad.yaml'), 'id: bad\nentry: x\nnodes: {}\n');
      const r = await deployDirectory(registry, d2);
      rmSync(d2, { recursive: true, force: true });
      assert.equal(r.refused.length, 1);
      assert.match(r.refused[0]!.problems[0]!, /bad\.yaml:2:8: entry node "x" does not exist/);
    });
  });

  describe('REST router', () => {
    let server: Server;
    let base: string;
    before(async () => {
      const app = express();
      app.use(express.json());
      app.use('/api/ivr', createIvrRouter({ registry, store, actor: () => 'tester' }));
      app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        if (err instanceof ApiError) res.status(err.status).json({ error: err.code, message: err.message, ...(err.details ?? {}) });
        else res.status(500).json({ error: String(err) });
      });
      server = app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ivr`;
    });
    after(async () => {
      await new Promise((r) => server.close(r));
    });

    it('deploys YAML, lists flows and versions, and shows a version source', async () => {
      const source = flowV('From the API.').replace('greeter', 'api-flow').replace('+18005550100', '+18005550199');
      const res = await fetch(`${base}/flows`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: source });
      assert.equal(res.status, 201);
      const body = (await res.json()) as { version: number };
      const again = await fetch(`${base}/flows`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source }) });
      assert.equal(again.status, 200);
      const list = (await (await fetch(`${base}/flows`)).json()) as { flows: Array<{ id: string; dids: string[] }> };
      assert.deepEqual(list.flows.find((f) => f.id === 'api-flow')!.dids, ['+18005550199']);
      const versions = (await (await fetch(`${base}/flows/api-flow/versions`)).json()) as { versions: Array<{ deployedBy: string }> };
      assert.equal(versions.versions[0]!.deployedBy, 'tester');
      const v = (await (await fetch(`${base}/flows/api-flow/versions/${body.version}`)).json()) as { source: string };
      assert.equal(v.source, source);
    });

    it('answers 422 with every problem for an invalid flow, and nothing changes', async () => {
      const res = await fetch(`${base}/flows`, { method: 'POST', headers: { 'content-type': 'text/yaml' }, body: 'id: api-flow\nentry: a\nnodes:\n  a: { kind: plya }\n' });
      assert.equal(res.status, 422);
      const body = (await res.json()) as { error: string; message: string; problems: Array<{ line: number; column: number; message: string }> };
      assert.equal(body.error, 'invalid_flow');
      assert.match(body.message, /the running version stays/);
      assert.deepEqual(body.problems.map((p) => `${p.line}:${p.column} ${p.message}`), ['4:14 unknown node kind "plya" (did you mean "play"?)']);
      assert.equal(registry.active('api-flow')!.version, 1);
    });

    it('maps DIDs, refuses unknown flows and bad numbers, and rolls back', async () => {
      let res = await fetch(`${base}/dids/+15550000000`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'api-flow' }) });
      assert.equal(res.status, 200);
      res = await fetch(`${base}/dids/+15550000000`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'missing' }) });
      assert.equal(res.status, 404);
      res = await fetch(`${base}/dids/abc`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ flowId: 'api-flow' }) });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { message: string }).message, 'did: a DID is digits, optionally starting with +');
      const routes = (await (await fetch(`${base}/dids`)).json()) as { routes: Array<{ did: string; flowId: string }> };
      assert.ok(routes.routes.some((r) => r.did === '+15550000000' && r.flowId === 'api-flow'));
      res = await fetch(`${base}/dids/+15550000000`, { method: 'DELETE' });
      assert.equal(res.status, 204);
      res = await fetch(`${base}/flows/api-flow/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 99 }) });
      assert.equal(res.status, 404);
      res = await fetch(`${base}/flows/api-flow/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 'x' }) });
      assert.equal(res.status, 400);
    });
  });

  it('example flows deploy as a directory', async () => {
    await t.db('queues').insert([{ id: 'sales', name: 'Sales' }, { id: 'vip', name: 'VIP' }]).onConflict('id').ignore();
    const r = await deployDirectory(registry, 'ivr-flows');
    assert.deepEqual(r.refused, []);
    assert.equal(r.deployed.length, 5);
    assert.ok(readFileSync('ivr-flows/main-menu.yaml', 'utf8').length > 0);
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
