/** startIvr: the one-call wiring used by main.ts, on PostgreSQL and the simulator. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { startIvr } from '../../src/ivr/index.js';
import { loadIvrConfig } from '../../src/ivr/config.js';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { silentLogger } from '../../src/logger.js';
import { MemoryEventSink } from '../../src/ivr/memoryServices.js';
import { ConfigError } from '../../src/envSchema.js';

describe('startIvr', () => {
  let t: TestDb;
  let dir: string;
  before(async () => {
    t = await createTestDb('ivrstart');
    await t.db('queues').insert({ id: 'support', name: 'Support' });
    dir = mkdtempSync(join(tmpdir(), 'ivr-start-'));
    writeFileSync(
      join(dir, 'line.yaml'),
      'id: line\ndids: ["+18005550000"]\nentry: q\nnodes:\n  q: { kind: queue, queue: support, on_failure: sorry }\n  sorry: { kind: hangup, prompt: "Sorry, we cannot take your call.", cause: NORMAL_TEMPORARY_FAILURE }\n',
    );
    writeFileSync(join(dir, 'broken.yaml'), 'id: broken\nentry: q\nnodes:\n  q: { kind: queue, queue: nowhere }\n');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.drop();
  });

  it('deploys the flows directory (validating queues against the database) and answers calls to the DIDs', async () => {
    const engine = new SimEngine({ seed: 2 });
    await engine.start();
    const events = new MemoryEventSink();
    const ivr = await startIvr({ db: t.db, engine, logger: silentLogger(), config: loadIvrConfig({ IVR_FLOWS_DIR: dir, IVR_WATCH: 'false' }), services: { events } });
    assert.deepEqual(ivr.initialDeploy.deployed.map((d) => d.flowId), ['line']);
    assert.equal(ivr.initialDeploy.refused.length, 1);
    assert.match(ivr.initialDeploy.refused[0]!.problems[0]!, /broken\.yaml:4:28: queue "nowhere" does not exist/);
    engine.placeCall({ from: '+1555', to: '+18005550000' });
    engine.placeCall({ from: '+1555', to: '+19999999999' });
    await engine.clock.runFor(30_000);
    await ivr.service.drain();
    ivr.stop();
    await engine.stop();
    const ended = events.events.find((e) => e.type === 'ivr.ended');
    assert.deepEqual((ended!.data as { outcome: unknown }).outcome, { kind: 'hangup', cause: 'NORMAL_TEMPORARY_FAILURE' });
    const visit = events.events.find((e) => e.type === 'ivr.node');
    assert.equal(visit!.data.outcome, 'queue support skills [] priority 0: failed (no ACD connected)');
    assert.equal(engine.stats().inboundCalls, 2);
  });

  it('names a bad IVR variable', () => {
    assert.throws(() => loadIvrConfig({ IVR_WATCH: 'maybe' }), (err: unknown) => err instanceof ConfigError && err.message === 'IVR_WATCH="maybe" is invalid: expected true or false');
  });
});
