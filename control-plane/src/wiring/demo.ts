/**
 * `make demo`: a small contact center on the simulator, in real time. Seeds skills, queues
 * and agents matching the example flows in ivr-flows/, registers the agents' simulated
 * phones, and sends callers through the main menu and the callback-offer flow. Agents take
 * the odd break so the status page shows every state.
 */
import type { Logger } from '../logger.js';
import type { SimEngine } from '../engine/sim/SimEngine.js';
import type { AcdService } from '../acd/index.js';
import { seedAcdDemo } from '../acd/demo.js';
import { agentSchema, queueSchema } from '../acd/AcdTypes.js';
import type { RecordingService } from '../recording/RecordingService.js';
import { DEFAULT_POLICY } from '../recording/policy.js';

export interface DemoOptions {
  agents: number;
  callsPerHour: number;
  speed: number;
}

export async function seedDemo(acd: AcdService, recordings: RecordingService, options: Pick<DemoOptions, 'agents'>): Promise<string[]> {
  const { admin } = acd;
  const seeded = await seedAcdDemo(admin, options.agents);
  // The example flows also ask for language skills and a VIP queue.
  for (const [id, name] of [['english', 'English'], ['french', 'French']] as const) await admin.putSkill({ id, name });
  for (const agentId of seeded.agents) {
    const current = admin.acd.router.agent(agentId).config;
    const n = Number(agentId.split('-')[1]);
    const next = agentSchema.parse({ ...current, skills: { ...current.skills, english: 7, ...(n % 2 === 0 ? { french: 6 } : {}), billing: current.skills.billing ?? 4 } });
    await admin.putAgent(next, 'replace');
  }
  if (!admin.acd.router.hasQueue('vip')) {
    await admin.putQueue(queueSchema.parse({ id: 'vip', name: 'VIP', strategy: 'best-skill-match', settings: { skills: [{ skillId: 'support', minLevel: 5 }] } }), 'create');
  }
  // Record one call in ten (stereo), kept a week: the archive fills without filling the disk.
  for (const queueId of ['support', 'billing', 'sales', 'vip']) {
    const current = await recordings.policyFor('queue', queueId);
    if (!current.configured) await recordings.setPolicy('queue', queueId, { ...DEFAULT_POLICY, mode: 'percentage', percentage: 10, retentionDays: 7 });
  }
  return seeded.agents;
}

export function startDemoTraffic(engine: SimEngine, acd: AcdService, agents: string[], options: DemoOptions, logger: Logger): () => void {
  for (const user of agents) {
    engine.addAgentEndpoint({
      user,
      answerDelayMs: { kind: 'uniform', minMs: 1500, maxMs: 5000 },
      noAnswerProbability: 0.03,
      talkTimeMs: { kind: 'lognormal', meanMs: 75_000, sdMs: 40_000 },
    });
  }
  const day = 24 * 3600_000;
  // Most callers want an agent from the main menu; some try the balance line and give up.
  engine.addArrivals({
    to: '+18005550100',
    from: (i) => `+1212555${String(1000 + (i % 9000)).padStart(4, '0')}`,
    perHour: options.callsPerHour * 0.8,
    durationMs: day,
    patienceMs: { kind: 'exponential', meanMs: 120_000 },
    script: [
      { waitForPrompt: 'For English', afterMs: 1500, dtmf: '1' },
      { waitForPrompt: 'speak to an agent', afterMs: 1200, dtmf: '2' },
    ],
  });
  engine.addArrivals({
    to: '+18005550102',
    from: (i) => `+1312555${String(1000 + (i % 9000)).padStart(4, '0')}`,
    perHour: options.callsPerHour * 0.2,
    durationMs: day,
    patienceMs: { kind: 'exponential', meanMs: 90_000 },
  });
  // Breaks: every few minutes a ready agent goes not-ready for a while.
  let stopped = false;
  const breaks = (): void => {
    if (stopped) return;
    const ready = agents.filter((a) => acd.acd.router.agent(a).presence === 'ready');
    const pick = ready[Math.floor(engine.random.next() * ready.length)];
    if (pick && ready.length > 2) {
      acd.acd.setNotReady(pick, 'break');
      engine.clock.setTimer(engine.random.uniform(60_000, 180_000), () => {
        if (!stopped && acd.acd.router.agent(pick).presence === 'not-ready') acd.acd.setReady(pick);
      });
    }
    engine.clock.setTimer(engine.random.uniform(120_000, 300_000), breaks);
  };
  engine.clock.setTimer(60_000, breaks);
  engine.clock.startRealtime(options.speed);
  logger.info({ agents: agents.length, callsPerHour: options.callsPerHour, speed: options.speed }, 'demo traffic started on the simulator');
  return () => {
    stopped = true;
    engine.clock.stopRealtime();
  };
}
