/**
 * The dialer's view of the agents who take a campaign's calls. The dialer decides how many
 * calls to place from this snapshot and hands each live answer to `connect`; who the agents
 * are and how their phones are reached belongs to the pool (the simulator pool in this
 * folder; the ACD in production — see docs/dialer.md for the mapping).
 */
import type { CallLeg } from '../engine/port.js';

export type PoolAgentState = 'ready' | 'reserved' | 'talking' | 'wrap-up';

export interface PoolAgent {
  agentId: string;
  state: PoolAgentState;
  /** When the agent entered this state (clock ms). */
  since: number;
}

export interface ConnectRequest {
  campaignId: string;
  attemptId: string;
  customer: CallLeg;
  /** The agent reserved for this call (progressive/preview, agent callbacks); otherwise any ready agent. */
  agentId?: string;
  /** Give up when no agent is connected within this long (the 2-second rule). */
  withinMs: number;
}

export type ConnectResult =
  /** `recordingRef`: where the call is recorded, when the pool (ACD/recording policy) started a recording. */
  | { connected: true; agentId: string; connectedAt: number; recordingRef?: string }
  | { connected: false; reason: 'no-agent' | 'customer-gone' };

export interface AgentCallEnded {
  campaignId: string;
  attemptId: string;
  agentId: string;
  endedAt: number;
  /** A disposition the agent (or the simulated agent) chose, when the pool knows it. */
  disposition?: { code: string; callbackAt?: number };
}

export interface DialerAgentPool {
  /** The campaign's agents who are logged in (ready, reserved, talking or in wrap-up). */
  agents(campaignId: string): PoolAgent[];
  /** Holds a ready agent (a specific one when given) for a call about to be placed. */
  reserve(campaignId: string, agentId?: string): string | undefined;
  /** Gives a reservation back (the call was not answered). */
  release(agentId: string): void;
  /** Bridges an answered customer to an agent, or reports that none was free in time. */
  connect(request: ConnectRequest): Promise<ConnectResult>;
  /** Called when an agent becomes ready (the dialer places calls at once rather than on its next tick). */
  onAgentReady(listener: (campaignId: string, agentId: string) => void): void;
  /** Called when a connected call has ended for the agent (with a disposition when known). */
  onCallEnded(listener: (event: AgentCallEnded) => void): void;
}
