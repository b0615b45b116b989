import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type BrowserContext } from 'playwright-core';
import { startHarness, type Harness } from './harness.js';
import { SystemClock, type Clock } from '../../src/clock.js';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import type { CallLeg } from '../../src/engine/port.js';
import { EventLog } from '../../src/store/EventLog.js';
import { silentLogger } from '../../src/logger.js';

const CHROMIUM = '/usr/bin/chromium';

/**
 * A control plane's HTTP side fed by the simulator: callers queue on music on hold, two agents
 * take the oldest caller when free (a stand-in for the ACD, which is not on main yet), and every
 * step is appended to the real EventLog, whose commit hook feeds the wallboard.
 */
async function startSimHarness() {
  const engine = new SimEngine({ seed: 7, startTime: Date.parse('2026-01-05T08:00:00Z') });
  await engine.start();
  const h = await startHarness({}, { realtimeClock: engine.clock });
  h.realtime.setQueue('sales', 'Sales', { slThresholdSec: 20, shortAbandonSec: 5, slTargetPct: 80 });
  const log = new EventLog({ db: h.tdb.db, logger: silentLogger(), batchMs: 1 });
  log.onCommit(h.realtime.eventLogHook);
  const clock = engine.clock;
  const waiting: Array<{ id: string; leg: CallLeg }> = [];
  const free = ['agent-1', 'agent-2'];
  let answered = 0;
  for (const user of free) {
    engine.addAgentEndpoint({ user, answerDelayMs: { kind: 'fixed', ms: 2000 }, noAnswerProbability: 0 });
    log.agentState({ agentId: user, state: 'ready', at: clock.now() });
  }
  const dispatch = (): void => {
    while (free.length && waiting.length) {
      const agent = free.shift()!;
      const call = waiting.shift()!;
      log.interactionEvent({ interactionId: call.id, type: 'offered', at: clock.now(), queueId: 'sales', agentId: agent });
      log.agentState({ agentId: agent, state: 'busy', at: clock.now(), interactionId: call.id });
      void (async () => {
        const agentLeg = await engine.originate({ to: { kind: 'user', user: agent }, callerId: { number: '100' }, timeoutMs: 20_000 });
        if (call.leg.state === 'ended') {
          await agentLeg.hangup();
        } else {
          log.interactionEvent({ interactionId: call.id, type: 'answered', at: clock.now(), queueId: 'sales', agentId: agent });
          answered++;
          await call.leg.stopMusicOnHold();
          await call.leg.bridge(agentLeg);
          await call.leg.ended;
        }
        log.agentState({ agentId: agent, state: 'wrap-up', at: clock.now(), interactionId: call.id });
        clock.setTimer(10_000, () => {
          log.agentState({ agentId: agent, state: 'ready', at: clock.now() });
          free.push(agent);
          dispatch();
        });
      })().catch(() => free.push(agent));
    }
  };
  engine.on('call', (leg) => {
    const id = randomUUID();
    log.interactionEvent({ interactionId: id, type: 'arrived', at: clock.now() });
    log.interactionEvent({ interactionId: id, type: 'queued', at: clock.now(), queueId: 'sales' });
    void leg.answer().then(() => leg.startMusicOnHold());
    waiting.push({ id, leg });
    void leg.ended.then((hangup) => {
      const i = waiting.findIndex((w) => w.id === id);
      if (i >= 0) {
        waiting.splice(i, 1);
        log.interactionEvent({ interactionId: id, type: 'abandoned', at: hangup.at, queueId: 'sales' });
      }
      log.interactionEvent({ interactionId: id, type: 'ended', at: hangup.at, data: { side: hangup.side, cause: hangup.cause } });
    });
    dispatch();
  });
  engine.addArrivals({
    to: '+18005550100', perHour: 120, durationMs: 3_600_000,
    patienceMs: { kind: 'exponential', meanMs: 90_000 }, talkTimeMs: { kind: 'exponential', meanMs: 60_000 },
  });
  return {
    h,
    engine,
    answered: () => answered,
    async advance(ms: number) {
      await clock.runFor(ms);
      await log.flush();
    },
    async close() {
      await engine.stop();
      await log.close();
      await h.close();
    },
  };
}

describe('wallboard page in headless Chromium (live over the WebSocket)', function () {
  this.timeout(60_000);
  let h: Harness;
  let browser: BrowserContext | null = null;
  let profile = '';
  let boardClock: Clock;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // Debian's chromium is the only browser these tests use (never a downloaded one).
      console.warn(`skipping wallboard browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
      this.skip();
    }
    // The board's clock runs from today's noon (UTC) so "earlier today" never crosses midnight.
    const real = new SystemClock();
    const shift = Date.parse(new Date().toISOString().slice(0, 10) + 'T12:00:00Z') - Date.now();
    boardClock = { now: () => real.now() + shift, setTimer: (ms, fn) => real.setTimer(ms, fn), sleep: (ms, signal) => real.sleep(ms, signal) };
    h = await startHarness({}, { realtimeClock: boardClock });
    profile = mkdtempSync(join(tmpdir(), 'sb-chromium-'));
    // A fresh profile directory per run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await h?.close();
  });

  it('shows waiting, longest wait, SL against target, ASA, abandons, agents by state and the SL chart, and follows changes live', async () => {
    const rt = h.realtime;
    rt.setQueue('sales', 'Sales', { slThresholdSec: 20, shortAbandonSec: 5, slTargetPct: 80 });
    rt.setQueue('support', 'Support', { slThresholdSec: 30, shortAbandonSec: 5, slTargetPct: 90 });
    const now = boardClock.now();
    const c = Array.from({ length: 6 }, () => randomUUID());
    // Earlier today: two answered quickly in sales (5 s, 15 s), one after 40 s, one abandon after 60 s.
    const ev = (id: string, type: string, at: number, queueId: string | null, data?: Record<string, unknown>) =>
      rt.ingestInteractionEvent({ interactionId: id, type, at, queueId, agentId: null, data });
    ev(c[0]!, 'queued', now - 600_000, 'sales'); ev(c[0]!, 'answered', now - 595_000, 'sales');
    ev(c[1]!, 'queued', now - 500_000, 'sales'); ev(c[1]!, 'answered', now - 485_000, 'sales');
    ev(c[2]!, 'queued', now - 400_000, 'sales'); ev(c[2]!, 'answered', now - 360_000, 'sales');
    ev(c[3]!, 'queued', now - 300_000, 'sales'); ev(c[3]!, 'abandoned', now - 240_000, 'sales', { waitedMs: 60_000 });
    // Waiting now: two in sales (the longest for 45 s), one in support.
    ev(c[4]!, 'queued', now - 45_000, 'sales');
    ev(c[5]!, 'queued', now - 5_000, 'sales');
    ev(randomUUID(), 'queued', now - 2_000, 'support');
    for (const [agent, state] of [['a1', 'ready'], ['a2', 'busy'], ['a3', 'busy'], ['a4', 'not-ready'], ['a5', 'wrap-up']] as const) {
      rt.ingestAgentState({ agentId: agent, state, at: now });
    }

    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.base}/wallboard#key=${encodeURIComponent(h.keys['read-only'])}`);
    const sales = page.locator('tr[data-queue="sales"]');
    await sales.locator('.waiting').filter({ hasText: /^2$/ }).waitFor({ timeout: 10_000 });
    assert.doesNotMatch(page.url(), /key=/, 'the key is removed from the address bar');
    assert.equal(await page.locator('#status').textContent(), 'live');
    // SL = 2 in 20 s ÷ (3 answered + 1 abandoned) = 50 % against 80 %; ASA (5+15+40)/3 = 20 s; abandon rate 1 of 6 offered.
    assert.equal(await sales.locator('.sl').textContent(), '50 %');
    assert.match((await sales.textContent()) ?? '', /\/ 80 %/);
    assert.equal(await sales.locator('.asa').textContent(), '20 s');
    assert.equal(await sales.locator('.abandon').textContent(), '16.7 %');
    assert.match((await sales.locator('.longest').textContent()) ?? '', /^(4[5-9]|5\d) s$/);
    assert.equal(await page.locator('[data-state="busy"] b').textContent(), '2');
    assert.ok(await page.locator('.chart[data-queue="sales"] rect.bar').count() >= 1, 'SL chart has bars for today');

    // Live: the longest caller is answered after 45+ s (outside SL, so SL drops to 2 of 5); an agent becomes ready.
    const answeredAt = boardClock.now();
    ev(c[4]!, 'answered', answeredAt, 'sales');
    rt.ingestAgentState({ agentId: 'a4', state: 'ready', at: answeredAt });
    await sales.locator('.waiting').filter({ hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    assert.equal(await sales.locator('.sl').textContent(), '40 %');
    assert.equal(await sales.locator('.answered').textContent(), '4');
    await page.locator('[data-state="ready"] b').filter({ hasText: /^2$/ }).waitFor({ timeout: 5_000 });

    mkdirSync('artifacts', { recursive: true });
    await page.screenshot({ path: 'artifacts/wallboard.png', fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('follows a simulated morning (SimEngine → EventLog → wallboard aggregator → WebSocket → page)', async () => {
    const sim = await startSimHarness();
    try {
      // The simulator's first random draw is ≈1 for small seeds, so the first caller arrives late
      // (reported to the lead); warm up 15 virtual minutes before watching.
      await sim.advance(15 * 60_000);
      const page = await browser!.newPage();
      await page.goto(`${sim.h.base}/wallboard#key=${encodeURIComponent(sim.h.keys['read-only'])}`);
      const answered = page.locator('tr[data-queue="sales"] .answered');
      await page.locator('#status').filter({ hasText: 'live' }).waitFor({ timeout: 10_000 });
      const seen: string[] = [];
      for (let minute = 0; minute < 10; minute++) {
        await sim.advance(60_000);
        await page.waitForTimeout(400); // two snapshot periods
        seen.push((await answered.textContent().catch(() => null)) ?? '-');
        if (process.env.DEBUG_SIM) console.log(minute, sim.answered(), JSON.stringify(sim.engine.stats()));
      }
      const numbers = seen.filter((v) => /^\d+$/.test(v)).map(Number);
      assert.ok(numbers.length >= 6, `the sales row appeared: ${seen.join(',')}`);
      assert.ok(new Set(numbers).size >= 3, `answered count changed as calls were handled: ${seen.join(',')}`);
      assert.ok(numbers.every((n, i) => i === 0 || n >= numbers[i - 1]!), `answered only grows: ${seen.join(',')}`);
      assert.equal(Number(await answered.textContent()), sim.answered(), 'the page shows what the simulator handled');
      mkdirSync('artifacts', { recursive: true });
      await page.screenshot({ path: 'artifacts/wallboard-sim.png', fullPage: true });
      await page.close();
    } finally {
      await sim.close();
    }
  });

  it('asks for a key when none is given and refuses a wrong one', async () => {
    const page = await browser!.newPage();
    await page.goto(`${h.base}/wallboard`);
    await page.evaluate('localStorage.clear()'); // the first test's key is remembered by the profile
    await page.reload();
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#key', 'not-a-key');
    await page.click('#login button');
    await page.locator('#status').filter({ hasText: 'key refused' }).waitFor({ timeout: 10_000 });
    await page.close();
  });
});
