/** A campaign on the simulator with the in-memory store and the simulator agent pool. */
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import type { TargetModel } from '../../src/engine/sim/types.js';
import { silentLogger } from '../../src/logger.js';
import type { Campaign, CampaignConfigInput } from '../../src/dialer/campaign.js';
import { CampaignRunner } from '../../src/dialer/CampaignRunner.js';
import { MemoryDialerStore } from '../../src/dialer/MemoryDialerStore.js';
import { SimAgentPool, type SimAgentPoolOptions } from '../../src/dialer/SimAgentPool.js';
import { campaignConfig } from './fixtures.js';

export const MONDAY_10_NY = Date.parse('2026-01-05T15:00:00Z');

/** A started simulator whose dialled numbers all answer after 5 s and talk 60 s, unless `targets` says otherwise. */
export async function answeringSimulator(seed: number, startTime: number, targets?: Partial<TargetModel>): Promise<SimEngine> {
  const engine = new SimEngine({ seed, startTime });
  await engine.start();
  engine.setTargetModel({
    answerProbability: 1,
    machineProbability: 0,
    busyProbability: 0,
    ringTimeMs: { kind: 'fixed', ms: 5000 },
    talkTimeMs: { kind: 'fixed', ms: 60_000 },
    ...targets,
  });
  return engine;
}

export interface Harness {
  engine: SimEngine;
  store: MemoryDialerStore;
  pool: SimAgentPool;
  runner: CampaignRunner;
  campaign: Campaign;
  /** Numbers the dialer originated, in order. */
  dialled: string[];
  /** Prompts played to dialled numbers (to completion or not). */
  played: Array<{ number: string; prompt: string }>;
}

export async function simCampaign(options: {
  config?: Partial<CampaignConfigInput>;
  agents?: number;
  phones: string[];
  targets?: Partial<TargetModel>;
  pool?: Partial<SimAgentPoolOptions>;
  startTime?: number;
  agentAnswerMs?: number;
}): Promise<Harness> {
  const start = options.startTime ?? MONDAY_10_NY;
  const engine = await answeringSimulator(3, start, options.targets);
  const n = options.agents ?? 1;
  const agents = Array.from({ length: n }, (_, i) => ({ agentId: `a${i + 1}`, user: `agent-${i + 1}` }));
  for (const a of agents) engine.addAgentEndpoint({ user: a.user, answerDelayMs: { kind: 'fixed', ms: options.agentAnswerMs ?? 300 } });
  const config = campaignConfig({ target: { kind: 'agents', agentIds: agents.map((a) => a.agentId) }, ...options.config });
  const campaign: Campaign = { id: 'c1', state: 'draft', config, createdAt: start, updatedAt: start };
  const store = new MemoryDialerStore();
  store.addLeads(
    campaign.id,
    options.phones.map((phone) => ({ phone, timeZone: 'America/New_York' })),
    start,
  );
  const pool = new SimAgentPool({ engine, clock: engine.clock, campaignId: campaign.id, agents, wrapUpMs: config.wrapUpSec * 1000, ...options.pool });
  pool.start();
  const dialled: string[] = [];
  const played: Harness['played'] = [];
  const originate = engine.originate.bind(engine);
  engine.originate = async (req) => {
    if (req.to.kind !== 'number') return originate(req);
    const number = req.to.number;
    dialled.push(number);
    const leg = await originate(req);
    leg.on('playback.done', (e) => played.push({ number, prompt: e.prompt.kind === 'tts' ? e.prompt.text : JSON.stringify(e.prompt) }));
    return leg;
  };
  const runner = new CampaignRunner({ campaign, engine, clock: engine.clock, store, pool, logger: silentLogger() });
  await engine.clock.runFor(1000);
  return { engine, store, pool, runner, campaign, dialled, played };
}
