/**
 * Prometheus metrics (prom-client). Other modules update them through the typed methods
 * below; GET /metrics serves the text format. One instance per process, passed in by main.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestHandler } from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AGENT_STATES, type AgentState } from '../domainEvents.js';

export class SwitchboardMetrics {
  readonly registry = new Registry();
  readonly #callsActive: Gauge;
  readonly #queueWaiting: Gauge<'queue'>;
  readonly #queueServiceLevel: Gauge<'queue'>;
  readonly #agentsByState: Gauge<'state'>;
  readonly #routingLatency: Histogram;
  readonly #reattached: Counter;
  readonly #eslEvents: Counter<'node' | 'event'>;
  readonly #eslReconnects: Counter<'node'>;
  readonly #dialerAbandonRate: Gauge<'campaign'>;
  readonly #webhookBacklog: Gauge;
  readonly #webhookDeliveries: Counter<'result'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_process_' });
    this.#callsActive = new Gauge({ name: 'switchboard_calls_active', help: 'Calls in progress (all legs of an interaction count once)', registers });
    this.#queueWaiting = new Gauge({ name: 'switchboard_queue_waiting', help: 'Interactions waiting per queue', labelNames: ['queue'], registers });
    this.#queueServiceLevel = new Gauge({ name: 'switchboard_queue_service_level_ratio', help: 'Service level today per queue (0–1): answered in threshold ÷ (answered + abandoned after short-abandon threshold)', labelNames: ['queue'], registers });
    this.#agentsByState = new Gauge({ name: 'switchboard_agents', help: 'Agents per state', labelNames: ['state'], registers });
    this.#routingLatency = new Histogram({
      name: 'switchboard_routing_decision_seconds', help: 'Time to pick an agent for an interaction', registers,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    });
    this.#eslEvents = new Counter({ name: 'switchboard_esl_events_total', help: 'ESL events received per FreeSWITCH node and event name', labelNames: ['node', 'event'], registers });
    this.#eslReconnects = new Counter({ name: 'switchboard_esl_reconnects_total', help: 'ESL reconnections per FreeSWITCH node', labelNames: ['node'], registers });
    this.#dialerAbandonRate = new Gauge({ name: 'switchboard_dialer_abandon_rate_ratio', help: 'Dialer abandon rate per campaign (0–1) over its regulatory window', labelNames: ['campaign'], registers });
    this.#webhookBacklog = new Gauge({ name: 'switchboard_webhook_backlog', help: 'Webhook deliveries waiting in the outbox', registers });
    this.#webhookDeliveries = new Counter({ name: 'switchboard_webhook_deliveries_total', help: 'Webhook delivery attempts by result', labelNames: ['result'], registers });
    this.#reattached = new Counter({
      name: 'switchboard_reattach_calls_total',
      help: "What became of the previous active's calls after a takeover or restart, by outcome",
      labelNames: ['outcome'],
      registers,
    });
    for (const state of AGENT_STATES) this.#agentsByState.set({ state }, 0);
  }

  setCallsActive(n: number): void { this.#callsActive.set(n); }
  setQueueWaiting(queue: string, n: number): void { this.#queueWaiting.set({ queue }, n); }
  /** `pct` as a percentage (0–100) or null when nothing was answered or abandoned yet. */
  setQueueServiceLevel(queue: string, pct: number | null): void {
    if (pct === null) this.#queueServiceLevel.remove({ queue });
    else this.#queueServiceLevel.set({ queue }, pct / 100);
  }
  setAgentsByState(counts: Partial<Record<AgentState, number>>): void {
    for (const state of AGENT_STATES) this.#agentsByState.set({ state }, counts[state] ?? 0);
  }
  observeRoutingDecision(ms: number): void { this.#routingLatency.observe(ms / 1000); }
  countEslEvent(node: string, event: string): void { this.#eslEvents.inc({ node, event }); }
  countEslReconnect(node: string): void { this.#eslReconnects.inc({ node }); }
  /** outcome: reclaimed, caller_pulled_in, reclaim_failed, gone_while_away, conversation_followed, conversation_ended, dropped. */
  countReattach(outcome: string, n: number): void {
    if (n > 0) this.#reattached.inc({ outcome }, n);
  }
  setDialerAbandonRate(campaign: string, ratio: number): void { this.#dialerAbandonRate.set({ campaign }, ratio); }
  setWebhookBacklog(n: number): void { this.#webhookBacklog.set(n); }
  countWebhookDelivery(result: 'delivered' | 'failed' | 'dead'): void { this.#webhookDeliveries.inc({ result }); }

  /** GET /metrics; with a token, requires `Authorization: Bearer <token>`. */
  handler(token?: string): RequestHandler {
    const expected = token ? createHash('sha256').update(token).digest() : null;
    return async (req, res) => {
      if (expected) {
        const got = createHash('sha256').update((req.headers.authorization ?? '').replace(/^Bearer\s+/i, '')).digest();
        if (!timingSafeEqual(got, expected)) {
          res.status(401).json({ error: 'unauthorized', message: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
          return;
        }
      }
      res.type(this.registry.contentType).send(await this.registry.metrics());
    };
  }
}
