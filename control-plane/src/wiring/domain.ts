/**
 * The domain services that run only on the active control plane: ACD (with voice), IVR,
 * outbound dialer, and recording of connected calls. Started once at boot, or by the HA
 * role when this instance becomes active; stopped in reverse on shutdown or lost leadership.
 */
import type express from 'express';
import type { Logger } from '../logger.js';
import type { Db } from '../store/db.js';
import type { EventLog } from '../store/EventLog.js';
import type { MediaEngine } from '../engine/port.js';
import { AcdIvrHandoff, startAcd, type AcdService } from '../acd/index.js';
import type { AcdConfig } from '../acd/config.js';
import { startIvr, eventLogSink, interactionIdForLeg, type IvrConfig, type RunningIvr } from '../ivr/index.js';
import { CallReattacher, type ReattachReport } from '../acd/reattach.js';
import { DialerService } from '../dialer/DialerService.js';
import { AcdAgentPool, acdTargetOf } from '../dialer/AcdAgentPool.js';
import type { AcdPoolConfig } from '../dialer/acdPoolConfig.js';
import type { RecordingService } from '../recording/RecordingService.js';
import { createAcdRouter } from '../api/routes/acd.js';
import { createCampaignsRouter } from '../api/routes/campaigns.js';
import type { RoleParticipant } from '../ha/index.js';
import type { WebhookOutbox } from '../api/webhooks/WebhookOutbox.js';

const DRAIN_MS = 2000;

async function bounded(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export interface DomainDeps {
  db: Db;
  eventLog: EventLog;
  engine: MediaEngine;
  logger: Logger;
  acd: AcdConfig;
  ivr: IvrConfig;
  dialerPool: AcdPoolConfig;
  recordings: RecordingService;
  /** Runs once the ACD is up and before flows are deployed (the demo seeds its queues here). */
  beforeIvr?: (acd: AcdService) => Promise<void>;
  metrics?: DomainMetrics;
  /** Webhook outbox: `campaign.attempt` rows are written in the transaction that finishes each attempt. */
  webhooks?: Pick<WebhookOutbox, 'enqueue'>;
}

/** What the domain tells /metrics. */
export interface DomainMetrics {
  routingDecision(ms: number): void;
  /** After a takeover or restart: what became of the previous active's calls. */
  reattach(report: ReattachReport): void;
  reattachDropped(count: number): void;
}

export class Domain {
  acd: AcdService | null = null;
  ivr: RunningIvr | null = null;
  dialer: DialerService | null = null;
  reattacher: CallReattacher | null = null;
  /** What the last start found of the previous active's calls. */
  lastReattach: ReattachReport | null = null;
  routers: { acd: express.Router; ivr: express.Router; campaigns: express.Router } | null = null;
  readonly #deps: DomainDeps;
  readonly #log: Logger;
  #running = false;

  constructor(deps: DomainDeps) {
    this.#deps = deps;
    this.#log = deps.logger.child({ component: 'domain' });
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const { db, eventLog, engine, logger, recordings } = this.#deps;
    const acd = await startAcd({
      db,
      eventLog,
      engine,
      logger,
      config: this.#deps.acd,
      ...(this.#deps.metrics ? { onRoutingDecision: (ms: number) => this.#deps.metrics?.routingDecision(ms) } : {}),
      // Recording policy per queue: started once the customer is bridged to the agent.
      onConnected: ({ interactionId, queueId, agentId, customer }) => {
        recordings
          .startForInteraction({ leg: customer, interactionId, queueId, agentId, callerNumber: customer.callerId.number })
          .catch((err: Error) => this.#log.error({ interactionId, err: err.message }, 'recording did not start'));
      },
    });
    this.acd = acd;
    await this.#deps.beforeIvr?.(acd);
    const handoff = new AcdIvrHandoff(acd.acd, acd.voice);
    const reattacher = new CallReattacher({
      acd: acd.acd,
      voice: acd.voice,
      engine,
      logger,
      interactionIdOf: interactionIdForLeg,
      windowMs: this.#deps.acd.reattachWindowMs,
      onDropped: (n) => this.#deps.metrics?.reattachDropped(n),
    });
    this.reattacher = reattacher;
    this.ivr = await startIvr({
      db,
      engine,
      logger,
      config: this.#deps.ivr,
      services: { events: eventLogSink(eventLog), queue: handoff, callback: handoff },
      knownQueues: () => acd.acd.router.queues().map((q) => q.id),
      // A caller of the previous active coming back keeps their place instead of restarting the flow.
      claimCall: (leg) => reattacher.claim(leg),
    });
    // One pool serves every campaign; the target is read per call so a PATCHed campaign applies at once.
    let dialer: DialerService | null = null;
    const pool = new AcdAgentPool({
      acd: acd.acd,
      engine,
      logger,
      targetFor: (campaignId) => {
        const config = dialer?.runner(campaignId)?.config;
        return config ? acdTargetOf(config, this.#deps.dialerPool.agentGroupQueueId) : undefined;
      },
      priority: this.#deps.dialerPool.priority,
    });
    const webhooks = this.#deps.webhooks;
    dialer = new DialerService({
      db,
      engine,
      clock: engine.clock,
      logger,
      poolFor: () => pool,
      ...(webhooks
        ? {
            onAttemptFinished: async (trx, attempt) => {
              await webhooks.enqueue(trx, [{ id: attempt.attemptId, type: 'campaign.attempt', occurredAt: attempt.endedAt, data: { ...attempt } }]);
            },
          }
        : {}),
    });
    this.dialer = dialer;
    this.routers = { acd: createAcdRouter(acd.admin), ivr: this.ivr.router, campaigns: createCampaignsRouter({ dialer }) };
    this.#running = true;
    // Take calls only now that the queues are rebuilt and the flows loaded; then ask the
    // switch for the previous active's callers.
    await engine.setTakingCalls?.(true);
    this.lastReattach = await reattacher.start();
    this.#deps.metrics?.reattach(this.lastReattach);
    const resumed = await dialer.resumeRunningCampaigns();
    if (resumed.length > 0) this.#log.info({ campaigns: resumed }, 'running campaigns resumed');
  }

  async stop(reason: string): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#log.info({ reason }, 'stopping domain services');
    this.routers = null;
    // The standby (or the next process) takes the calls from here: refuse new ones at once.
    await this.#deps.engine.setTakingCalls?.(false).catch((err: Error) => this.#log.warn({ err: err.message }, 'could not stop taking calls'));
    this.reattacher?.close();
    this.reattacher = null;
    // Calls in progress belong to the switch: give them a moment, never wait for them to end.
    await bounded(this.dialer?.close(), DRAIN_MS);
    this.dialer = null;
    this.ivr?.stop();
    await bounded(this.ivr?.service.drain(), DRAIN_MS);
    this.ivr = null;
    this.acd?.close();
    this.acd = null;
  }

  roleParticipant(): RoleParticipant {
    return {
      name: 'domain',
      activate: () => this.start(),
      deactivate: (reason) => this.stop(String(reason)),
    };
  }
}
