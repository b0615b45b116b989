/** The production agent pool on the simulator: a real Acd + VoiceQueue, the campaign runner, virtual time. */
import { strict as assert } from 'node:assert';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import type { TargetModel } from '../../src/engine/sim/types.js';
import { Acd } from '../../src/acd/Acd.js';
import { VoiceQueue, type VoiceOutcome } from '../../src/acd/VoiceQueue.js';
import type { QueueInput } from '../../src/acd/AcdTypes.js';
import { silentLogger } from '../../src/logger.js';
import { AcdAgentPool, acdTargetOf, type AcdCampaignTarget } from '../../src/dialer/AcdAgentPool.js';
import type { Campaign, CampaignConfigInput } from '../../src/dialer/campaign.js';
import { CampaignRunner } from '../../src/dialer/CampaignRunner.js';
import { MemoryDialerStore } from '../../src/dialer/MemoryDialerStore.js';
import type { CallLeg } from '../../src/engine/port.js';
import { agent, MemorySink, queue } from '../acd/helpers.js';
import { campaignConfig } from './fixtures.js';
import { answeringSimulator, MONDAY_10_NY } from './simHarness.js';

const phones = (n: number, from = 100): string[] => Array.from({ length: n }, (_, i) => `+1212555${String(from + i).padStart(4, '0')}`);

interface Setup {
  engine: SimEngine;
  acd: Acd;
  sink: MemorySink;
  voice: VoiceQueue;
  pool: AcdAgentPool;
  targets: Map<string, AcdCampaignTarget>;
  /** Per agent: [connectedAt, endedAt] of every interaction connected to them. */
  busy: Map<string, Array<{ id: string; from: number; to: number | null }>>;
  inbound: Map<string, VoiceOutcome & { at: number }>;
}

async function setup(options: { agents: string[]; queue?: Partial<QueueInput>; targets?: Partial<TargetModel>; agentAnswerMs?: number; extraAgents?: string[] }): Promise<Setup> {
  const engine = await answeringSimulator(7, MONDAY_10_NY, options.targets);
  const sink = new MemorySink();
  const acd = new Acd({ clock: engine.clock, events: sink, logger: silentLogger() });
  const voice = new VoiceQueue({ acd, engine, logger: silentLogger() });
  acd.upsertQueue(queue({ id: 'sales', name: 'Sales', settings: { skills: [{ skillId: 'sales', minLevel: 1 }], wrapUp: { mode: 'auto', seconds: 5, maxExtensionSec: 0 } }, ...options.queue }));
  acd.upsertQueue(queue({ id: 'support', name: 'Support', settings: { skills: [{ skillId: 'support', minLevel: 1 }] } }));
  for (const id of [...options.agents, ...(options.extraAgents ?? [])]) {
    engine.addAgentEndpoint({ user: `sip-${id}`, answerDelayMs: { kind: 'fixed', ms: options.agentAnswerMs ?? 300 } });
    acd.upsertAgent(agent({ id, name: id, sipUser: `sip-${id}`, skills: options.agents.includes(id) ? { sales: 5 } : { support: 5 } }));
    acd.login(id);
  }
  const targets = new Map<string, AcdCampaignTarget>();
  const pool = new AcdAgentPool({ acd, engine, logger: silentLogger(), targetFor: (id) => targets.get(id) });
  const busy: Setup['busy'] = new Map();
  acd.on('interaction.connected', (e) => {
    const list = busy.get(e.agentId) ?? [];
    busy.set(e.agentId, list);
    list.push({ id: e.interactionId, from: engine.clock.now(), to: null });
  });
  acd.on('interaction.ended', (e) => {
    for (const list of busy.values()) for (const x of list) if (x.id === e.interactionId && x.to === null) x.to = engine.clock.now();
  });
  const inbound: Setup['inbound'] = new Map();
  engine.on('call', (leg) => void voice.enqueueVoice(leg, { queueId: 'sales' }).then((o) => inbound.set(leg.callerId.number, { ...o, at: engine.clock.now() })));
  return { engine, acd, sink, voice, pool, targets, busy, inbound };
}

function campaignOn(s: Setup, config: Partial<CampaignConfigInput>, leads: string[]): { runner: CampaignRunner; store: MemoryDialerStore; played: Array<{ number: string; text: string; at: number }> } {
  const cfg = campaignConfig({ target: { kind: 'queue', queueId: 'sales' }, ...config });
  const campaign: Campaign = { id: 'c1', state: 'draft', config: cfg, createdAt: MONDAY_10_NY, updatedAt: MONDAY_10_NY };
  s.targets.set('c1', acdTargetOf(cfg)!);
  const store = new MemoryDialerStore();
  store.addLeads('c1', leads.map((phone) => ({ phone, timeZone: 'America/New_York' })), MONDAY_10_NY);
  const played: Array<{ number: string; text: string; at: number }> = [];
  const originate = s.engine.originate.bind(s.engine);
  s.engine.originate = async (req) => {
    const leg = await originate(req);
    if (req.to.kind === 'number') {
      const number = req.to.number;
      leg.on('playback.done', (e) => played.push({ number, text: e.prompt.kind === 'tts' ? e.prompt.text : '', at: s.engine.clock.now() }));
    }
    return leg;
  };
  const runner = new CampaignRunner({ campaign, engine: s.engine, clock: s.engine.clock, store, pool: s.pool, logger: silentLogger() });
  return { runner, store, played };
}

function assertNeverTwoCalls(s: Setup): void {
  for (const [agentId, list] of s.busy) {
    const sorted = [...list].sort((a, b) => a.from - b.from);
    for (let n = 1; n < sorted.length; n++) {
      const prev = sorted[n - 1]!;
      assert.ok(prev.to !== null && prev.to <= sorted[n]!.from, `agent ${agentId} was connected to ${sorted[n]!.id} while still on ${prev.id}`);
    }
  }
}

/** A customer who answered (the simulator's target model), as the dialer hands it over. */
async function answeredCustomer(s: Setup, number: string, variables: Record<string, string> = {}): Promise<CallLeg> {
  let leg: CallLeg | undefined;
  void s.engine.originate({ to: { kind: 'number', number }, callerId: { number: '+12125550100' }, timeoutMs: 30_000, variables }).then((l) => (leg = l));
  while (!leg) await s.engine.clock.runFor(100);
  return leg;
}

describe('AcdAgentPool: the dialer on the real ACD (simulator)', function () {
  this.timeout(20_000);

  it('predictive for a simulated hour: answers reach the queue’s ACD agents, never two calls per agent, abandons under the cap, all in the event log', async () => {
    const s = await setup({ agents: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'], extraAgents: ['s1'] });
    const { runner, store } = campaignOn(
      s,
      { mode: 'predictive', dialTimeoutSec: 20, wrapUpSec: 5 },
      phones(3000, 1000),
    );
    s.engine.setTargetModel({
      answerProbability: 0.3,
      machineProbability: 0,
      busyProbability: 0.1,
      ringTimeMs: { kind: 'uniform', minMs: 4000, maxMs: 18_000 },
      talkTimeMs: { kind: 'exponential', meanMs: 90_000 },
      humanHangsUpUnattendedAfterMs: { kind: 'fixed', ms: 8000 },
    });
    // Inbound traffic on the same queue at the same time (lower priority than the live outbound answers).
    for (let n = 0; n < 20; n++) {
      s.engine.placeCall({ from: `+1555000${String(n).padStart(4, '0')}`, to: '+18005550100', at: MONDAY_10_NY + 60_000 + n * 180_000, talkTimeMs: 60_000, patienceMs: 3600_000 });
    }
    const agentsSeen = new Set<string>();
    runner.start();
    for (let m = 0; m < 60; m++) {
      await s.engine.clock.runFor(60_000);
      for (const a of s.pool.agents('c1')) agentsSeen.add(a.agentId);
    }
    runner.stop();
    await s.engine.clock.runFor(15 * 60_000);

    const answered = store.attempts().filter((a) => a.outcome === 'answered');
    assert.ok(answered.length > 150, `only ${answered.length} connected calls in an hour for 8 agents`);
    assert.deepEqual([...agentsSeen].sort(), ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'], 'the pool lists the queue’s agents, not the support agent');
    for (const a of answered) {
      assert.ok(a.agentId && /^a\d$/.test(a.agentId), `connected to ${a.agentId}`);
      assert.ok(a.connectedAt! - a.answeredAt! <= 2000, `connected ${a.connectedAt! - a.answeredAt!} ms after the answer`);
    }
    assertNeverTwoCalls(s);
    assert.equal(s.busy.get('s1'), undefined, 'the support agent never got a campaign call');
    assert.ok(runner.abandonRates().windowPct < 3, `abandon rate ${runner.abandonRates().windowPct.toFixed(2)} %`);

    // Every connected outbound call is an outbound interaction in the event log, with its ids.
    const outbound = [...s.sink.rows.values()].filter((r) => r.direction === 'outbound');
    const byAttempt = new Map(outbound.map((r) => [(r.variables as Record<string, string>).attempt_id, r]));
    for (const a of answered) {
      const row = byAttempt.get(a.id);
      assert.ok(row, `attempt ${a.id} has no interaction`);
      assert.equal((row.variables as Record<string, string>).campaign_id, 'c1');
      assert.equal(row.agentId, a.agentId);
      assert.equal(row.outcome, 'answered');
      const types = s.sink.types(row.id as string);
      for (const t of ['queued', 'offered', 'answered', 'ended']) assert.ok(types.includes(t), `${t} missing from ${types.join(',')}`);
    }
    // Inbound callers were served too, by the same agents.
    const inboundAnswered = [...s.inbound.values()].filter((o) => o.outcome === 'answered').length;
    assert.ok(inboundAnswered >= 5, `${inboundAnswered} inbound calls answered`);
    assert.equal(s.pool.activeCalls, 0);
  });

  it('an answer with no free agent is withdrawn within 2 s without the ACD hanging up: safe-harbour message, counted as an abandon', async () => {
    const s = await setup({ agents: ['a1'] });
    const { runner, store, played } = campaignOn(
      s,
      { mode: 'power', powerRatio: 3, abandon: { capPct: 100, safeHarbourMessage: { kind: 'tts', text: 'This was Acme calling, we will try again.' } } },
      phones(3),
    );
    s.engine.setTargetModel({ answerProbability: 1, machineProbability: 0, busyProbability: 0, ringTimeMs: { kind: 'fixed', ms: 5000 }, talkTimeMs: { kind: 'fixed', ms: 60_000 }, humanHangsUpUnattendedAfterMs: { kind: 'fixed', ms: 10_000 } });
    runner.start();
    await s.engine.clock.runFor(60_000);
    runner.stop();
    assert.equal(runner.counters.connected, 1);
    assert.equal(runner.counters.abandoned, 2);
    const abandoned = store.attempts().filter((a) => a.outcome === 'abandoned');
    assert.equal(abandoned.length, 2);
    for (const a of abandoned) {
      assert.ok(a.endedAt! - a.answeredAt! >= 2000, 'waited the full 2 s for an agent');
      const msg = played.find((p) => p.number === a.phone);
      assert.ok(msg, `no safe-harbour message to ${a.phone}`);
      assert.equal(msg.text, 'This was Acme calling, we will try again.');
      assert.ok(msg.at - a.answeredAt! < 2000 + 10_000, 'message right after the 2 s');
    }
    const withdrawn = [...s.sink.rows.values()].filter((r) => r.outcome === 'no-agent');
    assert.equal(withdrawn.length, 2, 'both outbound interactions withdrawn from the queue as no-agent');
    for (const row of withdrawn) {
      const attempt = abandoned.find((a) => a.id === (row.variables as Record<string, string>).attempt_id)!;
      const heldMs = (row.endedAt as number) - attempt.answeredAt!;
      assert.ok(heldMs >= 1900 && heldMs <= 2100, `withdrawn ${heldMs} ms after the answer`);
    }
    assert.equal(s.acd.router.waitingCount('sales'), 0);
    assertNeverTwoCalls(s);
  });

  it('a reserved agent is not offered an inbound call; released, the agent takes it', async () => {
    const s = await setup({ agents: ['ann'] });
    s.targets.set('c1', { queueId: 'sales' });
    const ready: string[] = [];
    s.pool.onAgentReady((c, a) => ready.push(`${c}:${a}`));
    assert.deepEqual(s.pool.agents('c1').map((a) => [a.agentId, a.state]), [['ann', 'ready']]);
    assert.equal(s.pool.reserve('c1'), 'ann');
    assert.equal(s.pool.reserve('c1'), undefined, 'nobody else is ready');
    assert.deepEqual(s.pool.agents('c1').map((a) => [a.agentId, a.state]), [['ann', 'reserved']]);
    assert.equal(s.sink.agentStates.at(-1)?.state, 'reserved', 'reserved in the agent-state log');
    s.engine.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 20_000 });
    await s.engine.clock.runFor(5000);
    assert.equal(s.acd.router.waitingCount('sales'), 1, 'the inbound caller waits while ann is reserved');
    assert.equal(s.acd.router.agent('ann').assignments.size, 1);
    s.pool.release('ann');
    assert.equal(s.acd.router.waitingCount('sales'), 0, 'released, ann is offered the waiting caller at once');
    assert.deepEqual(ready, [], 'not ready in between: straight from the reservation to the inbound offer');
    await s.engine.clock.runFor(5000);
    assert.equal(s.acd.router.agent('ann').state, 'busy', 'the inbound call is answered');
    await s.engine.clock.runFor(60_000);
    assert.equal(s.inbound.get('+15550000001')?.outcome, 'answered');
  });

  it('outbound and inbound compete for one agent: the live outbound answer (top priority) wins, the inbound caller is next', async () => {
    const s = await setup({ agents: ['ann'] });
    s.targets.set('c1', { queueId: 'sales' });
    const ended: string[] = [];
    s.pool.onCallEnded((e) => ended.push(`${e.attemptId}:${e.agentId}`));
    // Ann is on an inbound call; a second inbound caller waits.
    s.engine.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 10_000 });
    await s.engine.clock.runFor(1000);
    s.engine.placeCall({ from: '+15550000002', to: '+18005550100', talkTimeMs: 10_000 });
    await s.engine.clock.runFor(5000);
    assert.equal(s.acd.router.agent('ann').state, 'busy');
    assert.equal(s.acd.router.waitingCount('sales'), 1);
    // A live outbound answer arrives 1 s before ann's call + wrap-up (5 s) end: ann is free at ~15.3 s.
    s.engine.setTargetModel({ answerProbability: 1, machineProbability: 0, busyProbability: 0, ringTimeMs: { kind: 'fixed', ms: 3000 }, talkTimeMs: { kind: 'fixed', ms: 30_000 }, humanHangsUpUnattendedAfterMs: { kind: 'fixed', ms: 10_000 } });
    await s.engine.clock.runFor(11_300 - (s.engine.clock.now() - MONDAY_10_NY));
    const customer = await answeredCustomer(s, '+12125550999', { lead_id: 'lead-1' });
    assert.equal(s.acd.router.agent('ann').state, 'wrap-up', 'the customer answers during ann’s wrap-up');
    const result = s.pool.connect({ campaignId: 'c1', attemptId: 'att-1', customer, withinMs: 2000 });
    await s.engine.clock.runFor(2000);
    const r = await result;
    assert.ok(r.connected, `outbound not connected: ${JSON.stringify(r)}`);
    assert.equal(r.agentId, 'ann');
    assert.equal(s.inbound.get('+15550000002'), undefined, 'the inbound caller still waits');
    assert.equal(s.acd.router.waitingCount('sales'), 1);
    const row = [...s.sink.rows.values()].find((x) => x.direction === 'outbound')!;
    // leg_id: the customer's call, so a takeover can find it on the switch.
    assert.deepEqual(row.variables, { campaign_id: 'c1', attempt_id: 'att-1', lead_id: 'lead-1', leg_id: customer.id });
    await s.engine.clock.runFor(40_000);
    assert.deepEqual(ended, ['att-1:ann'], 'onCallEnded from the ACD’s end of the interaction');
    await s.engine.clock.runFor(30_000);
    assert.equal(s.inbound.get('+15550000002')?.outcome, 'answered', 'then ann takes the waiting inbound caller');
    const today = s.acd.queueRealtime('sales').today;
    assert.equal(today.answered, 2, 'the queue’s service-level figures count the two inbound callers, not the dialer’s call');
    assertNeverTwoCalls(s);
  });

  it('a reserved agent gets the answered customer; a customer who hangs up first is customer-gone and an ACD abandon', async () => {
    const s = await setup({ agents: ['ann', 'bob'] });
    s.targets.set('c1', { queueId: 'sales' });
    assert.equal(s.pool.reserve('c1', 'bob'), 'bob');
    const customer = await answeredCustomer(s, '+12125550998');
    const p = s.pool.connect({ campaignId: 'c1', attemptId: 'att-2', customer, agentId: 'bob', withinMs: 2000 });
    await s.engine.clock.runFor(2000);
    const r = await p;
    assert.ok(r.connected && r.agentId === 'bob', JSON.stringify(r));
    assert.equal(s.acd.router.agent('ann').state, 'ready', 'the reservation went to bob only');

    s.engine.setTargetModel({ answerProbability: 1, machineProbability: 0, busyProbability: 0, ringTimeMs: { kind: 'fixed', ms: 1000 }, talkTimeMs: { kind: 'fixed', ms: 30_000 }, humanHangsUpUnattendedAfterMs: { kind: 'fixed', ms: 500 } });
    s.acd.setNotReady('ann', 'forced');
    const gone = await answeredCustomer(s, '+12125550997');
    const p2 = s.pool.connect({ campaignId: 'c1', attemptId: 'att-3', customer: gone, withinMs: 2000 });
    await s.engine.clock.runFor(2000);
    assert.deepEqual(await p2, { connected: false, reason: 'customer-gone' });
    const row = [...s.sink.rows.values()].find((x) => (x.variables as Record<string, string> | undefined)?.attempt_id === 'att-3')!;
    assert.ok(s.sink.types(row.id as string).includes('abandoned'));
  });
  it('agent-group target: only the listed agents, the longest idle first, and a progressive campaign never abandons', async () => {
    const s = await setup({ agents: ['a1', 'a2', 'a3'] });
    s.acd.upsertQueue(queue({ id: 'outbound', name: 'Outbound', settings: { wrapUp: { mode: 'auto', seconds: 3, maxExtensionSec: 0 } } }));
    const { runner, store } = campaignOn(s, { mode: 'progressive', target: { kind: 'agents', agentIds: ['a2', 'a3'] } }, phones(30));
    s.targets.set('c1', acdTargetOf({ target: { kind: 'agents', agentIds: ['a2', 'a3'] } }, 'outbound')!);
    s.engine.setTargetModel({ answerProbability: 0.6, machineProbability: 0, busyProbability: 0.2, ringTimeMs: { kind: 'fixed', ms: 6000 }, talkTimeMs: { kind: 'fixed', ms: 40_000 }, humanHangsUpUnattendedAfterMs: { kind: 'fixed', ms: 8000 } });
    assert.deepEqual(s.pool.agents('c1').map((a) => a.agentId).sort(), ['a2', 'a3']);
    runner.start();
    await s.engine.clock.runFor(20 * 60_000);
    runner.stop();
    await s.engine.clock.runFor(2 * 60_000);
    const answered = store.attempts().filter((a) => a.outcome === 'answered');
    assert.ok(answered.length >= 10, `${answered.length} connected`);
    assert.deepEqual([...new Set(answered.map((a) => a.agentId))].sort(), ['a2', 'a3']);
    assert.equal(runner.counters.abandoned, 0, 'progressive: every answer had its reserved agent');
    assert.equal(s.busy.get('a1'), undefined);
    assertNeverTwoCalls(s);
    assert.equal(s.acd.router.agent('a2').state, 'ready');
    assert.equal(s.acd.router.agent('a3').state, 'ready');
  });
});
