import { strict as assert } from 'node:assert';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import type { CallLeg } from '../../src/engine/port.js';
import { RecordingService } from '../../src/recording/RecordingService.js';
import { RetentionJob } from '../../src/recording/RetentionJob.js';
import { LocalDiskStorage } from '../../src/recording/storage.js';
import { silentLogger } from '../../src/logger.js';
import { call, startHarness, type Harness } from '../api/harness.js';

describe('recording archive (real PostgreSQL, real files)', function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  async function simCall(engine: SimEngine): Promise<CallLeg> {
    const legs: CallLeg[] = [];
    engine.on('call', (leg) => legs.push(leg));
    engine.placeCall({ from: '+15550001234', to: '+18005550100' });
    await engine.clock.runFor(100);
    const leg = legs[0]!;
    await leg.answer();
    return leg;
  }

  it('records per policy on a simulated call, pauses for a card payment, and stores size, sha256 and the silent span', async () => {
    const engine = new SimEngine({ seed: 3, startTime: Date.parse('2026-01-05T08:00:00Z'), writeRecordingFiles: true });
    await engine.start();
    const svc = new RecordingService({ db: h.tdb.db, storage: new LocalDiskStorage(h.dir), clock: engine.clock, logger: silentLogger() });
    await svc.setPolicy('queue', 'billing', { mode: 'all', percentage: 100, stereo: true, format: 'wav', namingTemplate: '{yyyy}/{MM}/{dd}/{queue}/{interactionId}', retentionDays: 30 });
    await svc.setPolicy('queue', 'quiet', { mode: 'none', percentage: 0, stereo: false, format: 'wav', namingTemplate: '{interactionId}', retentionDays: null });
    const leg = await simCall(engine);
    const interactionId = randomUUID();
    assert.equal(await svc.startForInteraction({ leg, interactionId, queueId: 'quiet' }), null, 'policy none records nothing');
    const id = (await svc.startForInteraction({ leg, interactionId, queueId: 'billing', agentId: h.agentId, callerNumber: '+15550001234' }))!;
    await engine.clock.runFor(10_000);
    await svc.pause(id);
    await engine.clock.runFor(15_000);
    await svc.resume(id);
    await engine.clock.runFor(20_000);
    await leg.hangup();
    await engine.clock.runFor(10);
    let meta = await svc.get(id);
    for (let i = 0; i < 50 && meta.status === 'recording'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      meta = await svc.get(id);
    }
    assert.equal(meta.status, 'complete');
    assert.equal(meta.storageKey, `2026/01/05/billing/${interactionId}.wav`);
    const file = readFileSync(join(h.dir, meta.storageKey));
    assert.equal(meta.sizeBytes, file.length);
    assert.equal(meta.sha256, createHash('sha256').update(file).digest('hex'));
    assert.equal(meta.durationMs, 45_000);
    assert.deepEqual(meta.pausedSpans, [{ fromMs: 10_000, toMs: 25_000 }]);
    assert.equal(meta.expiresAt, new Date(Date.parse('2026-01-05T08:00:00.100Z') + 30 * 86_400_000).toISOString());
    assert.equal(meta.stereo, true);
  });

  async function seedRecording(opts: { size: number; expiresAt?: Date | null; legalHold?: boolean; agentId?: string; queueId?: string; startedAt?: Date; caller?: string }) {
    const id = randomUUID();
    const key = `seed/${id}.wav`;
    const bytes = Buffer.from(Array.from({ length: opts.size }, (_, i) => i % 251));
    const storage = new LocalDiskStorage(h.dir);
    await storage.write(key, bytes);
    await h.tdb.db('recordings').insert({
      id, interaction_id: randomUUID(), agent_id: opts.agentId ?? 'agent-1', queue_id: opts.queueId ?? 'sales', caller_number: opts.caller ?? '+15550009999',
      storage_key: key, format: 'wav', stereo: true, status: 'complete', started_at: opts.startedAt ?? new Date('2026-01-05T09:00:00Z'),
      duration_ms: 1000, size_bytes: opts.size, sha256: createHash('sha256').update(bytes).digest('hex'),
      legal_hold: opts.legalHold ?? false, expires_at: opts.expiresAt ?? null,
    });
    return { id, key, bytes };
  }

  it('downloads with Range support and writes an access row per download', async () => {
    const rec = await seedRecording({ size: 1000 });
    const key = h.keys.supervisor;
    const full = await fetch(`${h.base}/api/recordings/${rec.id}/media`, { headers: { 'X-API-Key': key } });
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(Buffer.from(await full.arrayBuffer()), rec.bytes);
    const part = await fetch(`${h.base}/api/recordings/${rec.id}/media`, { headers: { 'X-API-Key': key, Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-199/1000');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), rec.bytes.subarray(100, 200));
    const tail = await fetch(`${h.base}/api/recordings/${rec.id}/media`, { headers: { 'X-API-Key': key, Range: 'bytes=-10' } });
    assert.equal(tail.status, 206);
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), rec.bytes.subarray(990));
    const open = await fetch(`${h.base}/api/recordings/${rec.id}/media`, { headers: { 'X-API-Key': key, Range: 'bytes=900-' } });
    assert.equal(open.headers.get('content-range'), 'bytes 900-999/1000');
    await open.arrayBuffer();
    const bad = await fetch(`${h.base}/api/recordings/${rec.id}/media`, { headers: { 'X-API-Key': key, Range: 'bytes=5000-6000' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), 'bytes */1000');
    await bad.arrayBuffer();
    const access = await h.tdb.db('recording_access').where({ recording_id: rec.id }).orderBy('id');
    assert.deepEqual(access.map((a) => [a.action, a.range, a.key_name]), [
      ['download', null, 'supervisor key'], ['download', 'bytes=100-199', 'supervisor key'], ['download', 'bytes=-10', 'supervisor key'],
      ['download', 'bytes=900-', 'supervisor key'], ['download', 'bytes=5000-6000', 'supervisor key'],
    ]);
    assert.equal((await call(h, 'GET', `/api/recordings/${rec.id}/media`, h.keys['read-only'])).status, 403);
    const missing = await call(h, 'GET', `/api/recordings/${randomUUID()}/media`, key);
    assert.equal(missing.status, 404);
  });

  it('searches by date range, agent, queue and caller number', async () => {
    const a = await seedRecording({ size: 10, agentId: 'search-a', queueId: 'q-search', startedAt: new Date('2026-02-01T10:00:00Z'), caller: '+15551112222' });
    await seedRecording({ size: 10, agentId: 'search-b', queueId: 'q-search', startedAt: new Date('2026-02-02T10:00:00Z') });
    const q = (s: string) => call(h, 'GET', `/api/recordings?${s}`, h.keys.admin);
    assert.deepEqual((await q('agentId=search-a')).json.items!.map((r) => r.id), [a.id]);
    assert.equal((await q('queueId=q-search')).json.total, 2);
    assert.equal((await q('queueId=q-search&from=2026-02-01&to=2026-02-01&tz=UTC')).json.total, 1);
    // 2 Feb 10:00 UTC is 1 Feb in Honolulu (UTC-10)… still 2 Feb 00:00 there; 1 Feb 10:00 UTC is 1 Feb 00:00 HST.
    assert.equal((await q('queueId=q-search&from=2026-02-01&to=2026-02-01&tz=Pacific/Honolulu')).json.total, 1);
    assert.deepEqual((await q('callerNumber=%2B15551112222')).json.items!.map((r) => r.id), [a.id]);
    const page = await q('queueId=q-search&limit=1&offset=1');
    assert.deepEqual([page.json.total, page.json.items!.length], [2, 1]);
  });

  it('pause by API: agents only on their own recordings, and only while recording', async () => {
    const mine = await seedRecording({ size: 10, agentId: h.agentId });
    const theirs = await seedRecording({ size: 10, agentId: 'someone-else' });
    const denied = await call(h, 'POST', `/api/recordings/${theirs.id}/pause`, h.keys.agent);
    assert.equal(denied.status, 403);
    const finished = await call(h, 'POST', `/api/recordings/${mine.id}/pause`, h.keys.agent);
    assert.equal(finished.status, 409);
    assert.match(String(finished.json.message), /not in progress/);
  });

  it('retention deletes expired files then rows, logs each deletion, and never touches a legal hold', async () => {
    const past = new Date(Date.now() - 86_400_000);
    const expired = await seedRecording({ size: 20, expiresAt: past });
    const held = await seedRecording({ size: 20, expiresAt: past });
    const fresh = await seedRecording({ size: 20, expiresAt: new Date(Date.now() + 86_400_000) });
    const hold = await call(h, 'PUT', `/api/recordings/${held.id}/legal-hold`, h.keys.admin, { hold: true });
    assert.equal(hold.status, 200);
    assert.equal(hold.json.legalHold, true);
    assert.equal((await call(h, 'PUT', `/api/recordings/${held.id}/legal-hold`, h.keys.supervisor, { hold: false })).status, 403);
    const run = await call(h, 'POST', '/api/recordings/retention/run', h.keys.admin);
    assert.equal(run.status, 200);
    // (The simulated call of the first test, recorded on 5 January with 30 days' retention, has expired too.)
    const deleted = (run.json.deleted as Array<{ id: string }>).map((d) => d.id);
    assert.ok(deleted.includes(expired.id));
    assert.ok(!deleted.includes(held.id) && !deleted.includes(fresh.id), 'held and unexpired recordings stay');
    assert.equal(existsSync(join(h.dir, expired.key)), false);
    assert.equal(await h.tdb.db('recordings').where({ id: expired.id }).first(), undefined);
    assert.equal(existsSync(join(h.dir, held.key)), true);
    assert.equal(existsSync(join(h.dir, fresh.key)), true);
    const log = await h.tdb.db('recording_deletions').where({ recording_id: expired.id });
    assert.deepEqual(log.map((l) => [l.storage_key, l.reason]), [[expired.key, 'retention']]);
    // Running again deletes nothing more.
    const again = await new RetentionJob({ db: h.tdb.db, storage: new LocalDiskStorage(h.dir), clock: { now: () => Date.now(), setTimer: () => ({ cancel() {} }), sleep: async () => {} }, logger: silentLogger() }).run();
    assert.deepEqual(again.deleted, []);
  });
});
