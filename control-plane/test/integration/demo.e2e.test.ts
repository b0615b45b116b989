/**
 * The product as `make demo` runs it: the whole control plane on embedded defaults
 * (simulator in real time, here 30× faster; embedded PGlite), callers going through the
 * example IVR flows into the real ACD. A person's view is checked in headless Chromium:
 * the status page and the wallboard show numbers that change.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { loadSettings, startControlPlane, type RunningControlPlane } from '../../src/main.js';
import { silentLogger } from '../../src/logger.js';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_KEY = 'demo-e2e-admin-key-0123456789abcdefghijkl';

interface Status {
  queues: Array<{ id: string; waiting: number; answeredToday: number; agentsBusy: number }>;
  agents: Array<{ state: string }>;
}

describe('make demo, end to end (control plane on the simulator, seen in Chromium)', function () {
  this.timeout(180_000);
  let cp: RunningControlPlane;
  let dir: string;
  let browser: BrowserContext | null = null;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-demo-'));
    cp = await startControlPlane(
      loadSettings({
        PORT: '0', DATABASE_URL: 'pglite:memory', SIM_SPEED: '30', DEMO_CALLS_PER_HOUR: '400', DEMO_AGENTS: '6',
        IVR_WATCH: 'false', SWITCHBOARD_ADMIN_KEY: ADMIN_KEY, RECORDINGS_DIR: join(dir, 'recordings'),
      }),
      { demo: true, logger: silentLogger() },
    );
  });
  after(async () => {
    await browser?.close();
    await cp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async (): Promise<Status> => (await (await fetch(`${cp.url}/api/status`)).json()) as Status;

  it('answers callers through the IVR and the ACD: agents get busy and calls are answered', async () => {
    let s = await status();
    for (let i = 0; i < 120 && !s.queues.some((q) => q.answeredToday > 0); i++) {
      await new Promise((r) => setTimeout(r, 500));
      s = await status();
    }
    assert.deepEqual(s.queues.map((q) => q.id).sort(), ['billing', 'sales', 'support', 'vip']);
    assert.ok(s.queues.some((q) => q.answeredToday > 0), `no call answered: ${JSON.stringify(s.queues)}`);
    assert.equal(s.agents.length, 6);
    // The journey is in the event log: IVR nodes, then the queue, then the agent.
    await cp.eventLog.flush();
    const types = (await cp.db('interaction_events').distinct('type')).map((r: { type: string }) => r.type);
    for (const t of ['ivr.node', 'queued', 'offered', 'answered']) assert.ok(types.includes(t), `no ${t} event: ${types.join(',')}`);
    const routed = await cp.db('ivr_did_routes').count<Array<{ n: string }>>({ n: '*' });
    assert.ok(Number(routed[0]?.n) >= 5, 'the example flows are deployed with their DIDs');
  });

  it('shows live, changing numbers on the status page and the wallboard', async function () {
    if (!existsSync(CHROMIUM)) this.skip();
    mkdirSync('artifacts', { recursive: true });
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(`${cp.url}/`);
    await page.locator('#queues tbody tr').first().waitFor({ timeout: 15_000 });
    const agentsText = async (): Promise<string> => (await page.locator('#agents tbody').textContent()) ?? '';
    const first = await agentsText();
    let changed = false;
    for (let i = 0; i < 40 && !changed; i++) {
      await page.waitForTimeout(500);
      changed = (await agentsText()) !== first;
    }
    assert.ok(changed, 'the status page did not change in 20 s');
    assert.match((await page.locator('#agent-counts').textContent()) ?? '', /ready: \d+|busy: \d+/);
    await page.screenshot({ path: 'artifacts/status-page.png', fullPage: true });

    await page.goto(`${cp.url}/wallboard#key=${encodeURIComponent(ADMIN_KEY)}`);
    await page.locator('#status').filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
    const board = page.locator('tr[data-queue="billing"]');
    await board.waitFor({ timeout: 15_000 });
    const before = await board.textContent();
    let boardChanged = false;
    for (let i = 0; i < 60 && !boardChanged; i++) {
      await page.waitForTimeout(500);
      boardChanged = (await board.textContent()) !== before;
    }
    assert.ok(boardChanged, `the wallboard row for billing did not change: ${before}`);
    await page.screenshot({ path: 'artifacts/wallboard-demo.png', fullPage: true });
  });
});
