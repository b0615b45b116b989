/**
 * What the wallboard and the WebSocket stream show, and the source they read it from. The
 * lead connects the ACD (or the `WallboardAggregator` fed from the event log) as the source.
 */
import type { TypedEmitter } from '../../events.js';
import type { AgentState } from '../../domainEvents.js';

export interface QueueBoard {
  queueId: string;
  name: string;
  waiting: number;
  /** Epoch ms the longest-waiting interaction was queued (null when nobody waits); the page ticks it. */
  oldestQueuedAt: number | null;
  offeredToday: number;
  answeredToday: number;
  abandonedToday: number;
  /** SL today (%) = answered in threshold ÷ (answered + abandoned after the short-abandon threshold). */
  serviceLevelPct: number | null;
  serviceLevelTargetPct: number;
  serviceLevelThresholdSec: number;
  asaSec: number | null;
  abandonRatePct: number | null;
  agents: Partial<Record<AgentState, number>>;
  /** SL per 15-minute interval today, oldest first. */
  intervals: Array<{ start: number; serviceLevelPct: number | null; offered: number }>;
}

export interface WallboardSnapshot {
  at: number;
  queues: QueueBoard[];
  agents: Partial<Record<AgentState, number>>;
  callsActive: number;
}

export type RealtimeEvent =
  | { kind: 'interaction'; type: string; interactionId: string; at: number; queueId: string | null; agentId: string | null; data?: Record<string, unknown> }
  | { kind: 'agent.state'; agentId: string; state: AgentState; reason: string | null; at: number };

export type RealtimeSourceEvents = { event: [RealtimeEvent] };

export interface RealtimeSource extends Pick<TypedEmitter<RealtimeSourceEvents>, 'on' | 'off'> {
  snapshot(): WallboardSnapshot;
}
