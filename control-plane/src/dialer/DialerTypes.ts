/** Events of the running dialer (typed; the API streams them over WebSocket). */
import type { CampaignState, DialMode } from './campaign.js';
import type { AttemptOutcome } from './DialerStore.js';

export interface CampaignLiveStats {
  campaignId: string;
  at: number;
  state: CampaignState;
  mode: DialMode;
  dialsInFlight: number;
  dialsPlaced: number;
  /** Live answers (people) per dial so far. */
  answerRatePct: number;
  /** Over the campaign's legal window (30 days or 24 h), the last 24 hours and the last hour. */
  abandonRateWindowPct: number;
  abandonRateTodayPct: number;
  abandonRateLastHourPct: number;
  abandonCapPct: number;
  agentsLoggedIn: number;
  agentsReady: number;
  agentsTalking: number;
  /** Right now: share of logged-in agents talking or in wrap-up. */
  occupancyPct: number;
  /** Right now: talking agents' share × 60 (what an hour at this rate gives per agent). */
  talkMinPerAgentHour: number;
  leadsRemaining: number;
  /** Why the last pacing decision placed what it did. */
  pacing: string;
}

export interface AttemptEvent {
  campaignId: string;
  attemptId: string;
  leadId: string;
  phone: string;
  at: number;
}

export type DialerEventMap = {
  'attempt.started': [AttemptEvent];
  'attempt.ended': [AttemptEvent & { outcome: AttemptOutcome; agentId?: string }];
  /** A live person got no agent in time (safe-harbour message played). */
  abandoned: [AttemptEvent & { reason: 'no-agent' | 'customer-gone' | 'amd-false-positive-estimate' }];
  'campaign.state': [{ campaignId: string; state: CampaignState; at: number }];
  'campaign.stats': [CampaignLiveStats];
};
