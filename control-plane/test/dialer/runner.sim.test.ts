import { strict as assert } from 'node:assert';
import { MONDAY_10_NY, simCampaign } from './simHarness.js';

const phones = (n: number, from = 100): string[] => Array.from({ length: n }, (_, i) => `+1212555${String(from + i).padStart(4, '0')}`);

describe('campaign runner on the simulator', function () {
  this.timeout(20_000);

  it('does not dial a number put on the do-not-call list after the import (checked at dial time)', async () => {
    const h = await simCampaign({ phones: phones(3), agents: 1 });
    // Added after the leads were loaded, before the dialer reaches it.
    await h.store.addDnc(null, ['+12125550101'], 'complaint');
    await h.store.addDnc('c1', ['+12125550102'], 'complaint');
    h.runner.start();
    await h.engine.clock.runFor(15 * 60_000);
    assert.deepEqual(h.dialled, ['+12125550100']);
    const byPhone = new Map(h.store.attempts().map((a) => [a.phone, a.outcome]));
    assert.equal(byPhone.get('+12125550101'), 'dnc');
    assert.equal(byPhone.get('+12125550102'), 'dnc');
    const leadId = h.store.attempts().find((a) => a.phone === '+12125550101')?.leadId as string;
    assert.equal(h.store.lead(leadId)?.status, 'done');
    assert.equal(h.store.lead(leadId)?.doneReason, 'dnc');
  });

  it('progressive: one reserved call per ready agent, every answer connected, nothing abandoned', async () => {
    const h = await simCampaign({ phones: phones(40), agents: 3, config: { mode: 'progressive' }, targets: { answerProbability: 0.5, busyProbability: 0.2 } });
    let maxInFlight = 0;
    let inFlight = 0;
    h.runner.on('attempt.started', () => (maxInFlight = Math.max(maxInFlight, ++inFlight)));
    h.runner.on('attempt.ended', () => inFlight--);
    h.runner.start();
    await h.engine.clock.runFor(30 * 60_000);
    assert.ok(h.runner.counters.dials >= 20, `only ${h.runner.counters.dials} dials`);
    assert.ok(maxInFlight <= 3, `${maxInFlight} calls at once for 3 agents`);
    assert.equal(h.runner.counters.abandoned, 0);
    assert.ok(h.runner.counters.connected > 5);
    // Each attempt is stored with its outcome and, when answered, the agent and times.
    for (const a of h.store.attempts().filter((x) => x.outcome === 'answered')) {
      assert.ok(a.agentId && a.connectedAt && a.answeredAt && a.endedAt && a.connectedAt >= a.answeredAt);
      assert.ok(a.connectedAt - a.answeredAt <= 2000);
    }
  });

  it('plays the safe-harbour message and counts an abandon when no agent is free within 2 s', async () => {
    // Power 3:1 with one agent and every call answered: two of three answers find nobody.
    const h = await simCampaign({
      phones: phones(3),
      agents: 1,
      config: { mode: 'power', powerRatio: 3, abandon: { capPct: 100, safeHarbourMessage: { kind: 'tts', text: 'This was Acme calling, we will try again.' } } },
      targets: { humanHangsUpUnattendedAfterMs: { kind: 'fixed', ms: 10_000 } },
    });
    const prompts: string[] = [];
    h.runner.on('abandoned', (e) => prompts.push(e.reason));
    h.runner.start();
    await h.engine.clock.runFor(60_000);
    assert.equal(h.runner.counters.connected, 1);
    assert.equal(h.runner.counters.abandoned, 2);
    assert.deepEqual(prompts, ['no-agent', 'no-agent']);
    const abandoned = h.store.attempts().filter((a) => a.outcome === 'abandoned');
    assert.equal(abandoned.length, 2);
    assert.deepEqual(
      h.played.map((p) => p.prompt),
      ['This was Acme calling, we will try again.', 'This was Acme calling, we will try again.'],
    );
    assert.deepEqual(h.played.map((p) => p.number).sort(), abandoned.map((a) => a.phone).sort());
    for (const a of abandoned) assert.ok((a.endedAt as number) - (a.answeredAt as number) >= 2000, 'waited the full 2 s before giving up');
    const rates = h.runner.abandonRates();
    assert.ok(Math.abs(rates.windowPct - 200 / 3) < 1e-9);
    // Abandoned leads are retried later (abandoned delay), not dropped.
    const retried = h.store.lead(String(abandoned[0]?.leadId));
    assert.equal(retried?.status, 'pending');
  });

  it('an agent’s scheduled callback is dialled when it is due and connected to that agent only', async () => {
    const h = await simCampaign({ phones: phones(1), agents: 3, targets: { talkTimeMs: { kind: 'fixed', ms: 30_000 } } });
    h.runner.start();
    await h.engine.clock.runFor(60_000);
    const first = h.store.attempts()[0];
    assert.equal(first?.outcome, 'answered');
    const agent = first?.agentId as string;
    const callbackAt = MONDAY_10_NY + 3 * 3600_000;
    await h.runner.setDisposition(first?.id as string, 'callback', agent, callbackAt);
    assert.equal(h.store.lead(first?.leadId as string)?.callbackAgentId, agent);
    await h.engine.clock.runFor(2 * 3600_000);
    assert.equal(h.store.attempts().length, 1, 'not dialled before the time asked');
    await h.engine.clock.runFor(3600_000 + 60_000);
    const second = h.store.attempts()[1];
    assert.ok(second, 'callback dialled');
    assert.ok(second.startedAt >= callbackAt);
    assert.equal(second.agentId, agent);
  });

  it('counts estimated AMD false positives as abandons and drops machines without an agent', async () => {
    const h = await simCampaign({
      phones: phones(20),
      agents: 2,
      config: { mode: 'progressive', amd: { enabled: true, onMachine: 'drop', falsePositivePct: 10 } },
      targets: { answerProbability: 0.5, machineProbability: 0.5, amdAccuracy: 1 },
    });
    h.runner.start();
    await h.engine.clock.runFor(20 * 60_000);
    const c = h.runner.counters;
    assert.ok(c.machinesDropped > 0 && c.connected > 0);
    assert.equal(c.abandoned, 0);
    const rates = h.runner.abandonRates();
    // Each dropped machine adds 0.1 of an abandoned live answer.
    const expected = (100 * 0.1 * c.machinesDropped) / (c.connected + 0.1 * c.machinesDropped);
    assert.ok(Math.abs(rates.windowPct - expected) < 1e-6, `${rates.windowPct} vs ${expected}`);
    assert.ok(h.store.attempts().filter((a) => a.outcome === 'machine').every((a) => a.amdResult === 'machine' && a.agentId === null));
  });

  it('pause stops new dials, resume continues, stop ends the campaign; live stats describe it', async () => {
    const h = await simCampaign({ phones: phones(50), agents: 2, targets: { answerProbability: 0.3, busyProbability: 0.7 } });
    h.runner.start();
    await h.engine.clock.runFor(60_000);
    h.runner.pause();
    const before = h.runner.counters.dials;
    await h.engine.clock.runFor(10 * 60_000);
    assert.equal(h.runner.counters.dials, before);
    h.runner.resume();
    await h.engine.clock.runFor(60_000);
    assert.ok(h.runner.counters.dials > before);
    const stats = await h.runner.liveStats();
    assert.equal(stats.state, 'running');
    assert.equal(stats.agentsLoggedIn, 2);
    assert.equal(stats.dialsPlaced, h.runner.counters.dials);
    assert.ok(stats.leadsRemaining > 0 && stats.leadsRemaining <= 50);
    h.runner.stop();
    assert.throws(() => h.runner.resume(), /cannot resume campaign c1: it is stopped/);
  });

  it('does not dial outside the lead’s calling window', async () => {
    // 07:00 in New York: the 09:00 window opens in two hours.
    const h = await simCampaign({ phones: phones(2), agents: 1, startTime: Date.parse('2026-01-05T12:00:00Z') });
    h.runner.start();
    await h.engine.clock.runFor(119 * 60_000);
    assert.equal(h.dialled.length, 0);
    // 13:59:01 UTC now (the harness ran a second): 90 s later it is 09:00:31 in New York.
    await h.engine.clock.runFor(90_000);
    assert.equal(h.dialled.length, 1);
    assert.ok((h.store.attempts()[0]?.startedAt as number) >= Date.parse('2026-01-05T14:00:00Z'));
  });

  it('predictive keeps agents busier than progressive and the abandon rate under the cap', async function () {
    this.timeout(60_000);
    const targets = {
      answerProbability: 0.25,
      machineProbability: 0,
      busyProbability: 0.1,
      ringTimeMs: { kind: 'uniform' as const, minMs: 5000, maxMs: 25_000 },
      talkTimeMs: { kind: 'exponential' as const, meanMs: 120_000 },
    };
    const run = async (mode: 'progressive' | 'predictive') => {
      const h = await simCampaign({ phones: phones(6000, 1000), agents: 20, config: { mode, dialTimeoutSec: 26 }, targets });
      h.runner.start();
      await h.engine.clock.runFor(2 * 3600_000);
      const t = h.pool.totals();
      return { connected: h.runner.counters.connected, abandonPct: h.runner.abandonRates().windowPct, occupancy: (t.talkingMs + t.wrapUpMs) / (t.talkingMs + t.wrapUpMs + t.readyMs) };
    };
    const progressive = await run('progressive');
    const predictive = await run('predictive');
    assert.ok(predictive.abandonPct < 3, `abandon ${predictive.abandonPct.toFixed(2)} %`);
    assert.ok(predictive.occupancy > progressive.occupancy + 0.1, `predictive ${predictive.occupancy.toFixed(2)} vs progressive ${progressive.occupancy.toFixed(2)}`);
    assert.ok(predictive.connected > progressive.connected * 1.2);
  });
});
