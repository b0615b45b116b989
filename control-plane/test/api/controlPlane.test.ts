import { strict as assert } from 'node:assert';
import { loadSettings, startControlPlane, type RunningControlPlane } from '../../src/main.js';
import { silentLogger } from '../../src/logger.js';

const KEY = 'control-plane-test-admin-key-0123456789abcdef';

describe('control plane start-up and shutdown (embedded defaults)', () => {
  let cp: RunningControlPlane;
  // Embedded PGlite takes seconds to start on a loaded 2-core machine.
  before(async function () {
    this.timeout(90_000);
    cp = await startControlPlane(loadSettings({ PORT: '0', DATABASE_URL: 'pglite:memory', IVR_WATCH: 'false', SWITCHBOARD_ADMIN_KEY: KEY }), { logger: silentLogger() });
  });
  after(async () => {
    await cp.stop();
  });

  it('serves /healthz, /readyz with each check, and the status page', async () => {
    assert.deepEqual(await (await fetch(`${cp.url}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${cp.url}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    assert.equal(body.status, 'ready');
    assert.deepEqual(Object.keys(body.checks).sort(), ['database', 'media']);
    const page = await (await fetch(`${cp.url}/`)).text();
    assert.match(page, /Switchboard status/);
    // Caller numbers are personal data: outside the demo the status feed needs a reader's key.
    assert.equal((await fetch(`${cp.url}/api/status`)).status, 401);
    const status = (await (await fetch(`${cp.url}/api/status`, { headers: { 'X-API-Key': KEY } })).json()) as { queues: unknown[] };
    assert.ok(Array.isArray(status.queues));
  });

  it('answers unknown routes and malformed JSON with a clear error', async () => {
    const missing = await fetch(`${cp.url}/nope`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { message: string }).message, /no route for GET \/nope/);
    const bad = await fetch(`${cp.url}/api/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"queue": ' });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'invalid_request', field: 'body', reason: 'body is not valid JSON', message: 'body: not valid JSON' });
  });

  it('stops cleanly and is idempotent', async function () {
    this.timeout(90_000);
    const other = await startControlPlane(loadSettings({ PORT: '0', DATABASE_URL: 'pglite:memory', IVR_WATCH: 'false' }), { logger: silentLogger() });
    await Promise.all([other.stop(), other.stop()]);
    await assert.rejects(fetch(`${other.url}/healthz`));
  });
});
