/** ACD statistics per 15-minute interval (queue and agent rows), upserted so a re-run is idempotent. */
import type { Knex } from 'knex';
import type { QueueStats } from '../../acd/metrics.js';

export interface AgentIntervalRow {
  agentId: string;
  handled: number;
  talkMs: number;
  wrapMs: number;
  stateMs?: Record<string, number>;
  occupancy?: number | null;
}

export class AcdIntervalRepository {
  constructor(private readonly db: Knex) {}

  async saveQueue(queueId: string, start: number, s: QueueStats): Promise<void> {
    await this.db('acd_queue_intervals')
      .insert({
        queue_id: queueId,
        interval_start: new Date(start),
        offered: s.offered,
        answered: s.answered,
        answered_within_threshold: s.answeredWithinThreshold,
        abandoned: s.abandoned,
        short_abandoned: s.shortAbandoned,
        exited: s.exited,
        service_level: s.serviceLevel,
        abandon_rate: s.abandonRate,
        asa_ms: s.asaMs,
        aht_ms: s.ahtMs,
        max_answered_wait_ms: s.maxAnsweredWaitMs,
        updated_at: this.db.fn.now(),
      })
      .onConflict(['queue_id', 'interval_start'])
      .merge();
  }

  async saveAgent(start: number, r: AgentIntervalRow): Promise<void> {
    await this.db('acd_agent_intervals')
      .insert({
        agent_id: r.agentId,
        interval_start: new Date(start),
        handled: r.handled,
        talk_ms: r.talkMs,
        wrap_ms: r.wrapMs,
        state_ms: JSON.stringify(r.stateMs ?? {}),
        occupancy: r.occupancy ?? null,
        updated_at: this.db.fn.now(),
      })
      .onConflict(['agent_id', 'interval_start'])
      .merge();
  }

  async queueIntervals(queueId: string, from: number, to: number): Promise<Array<Record<string, unknown>>> {
    return this.db('acd_queue_intervals')
      .where({ queue_id: queueId })
      .andWhere('interval_start', '>=', new Date(from))
      .andWhere('interval_start', '<', new Date(to))
      .orderBy('interval_start');
  }

  async agentIntervals(agentId: string, from: number, to: number): Promise<Array<Record<string, unknown>>> {
    return this.db('acd_agent_intervals')
      .where({ agent_id: agentId })
      .andWhere('interval_start', '>=', new Date(from))
      .andWhere('interval_start', '<', new Date(to))
      .orderBy('interval_start');
  }
}
