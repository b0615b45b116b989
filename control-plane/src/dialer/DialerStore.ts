/**
 * What the running dialer needs from storage. Two implementations: PgDialerStore (knex,
 * PostgreSQL/PGlite: production and integration tests) and MemoryDialerStore (benchmarks
 * and simulator tests, where the virtual clock must not wait on I/O). Both apply the same
 * rules (calling window at claim time, DNC at dial time, retry plans) through the shared
 * pure functions.
 */
import type { Campaign } from './campaign.js';
import type { RetryPlan } from './retry.js';

export interface LeadToDial {
  id: string;
  campaignId: string;
  phone: string;
  timeZone: string;
  /** Attempts made before this one. */
  attempts: number;
  /** Set for an agent's scheduled callback: only this agent takes it. */
  callbackAgentId: string | null;
  externalId: string | null;
  data: Record<string, string>;
}

export type AttemptOutcome = 'busy' | 'no-answer' | 'machine' | 'failed' | 'abandoned' | 'answered' | 'dnc';

export interface AttemptStart {
  id: string;
  campaignId: string;
  leadId: string;
  phone: string;
  attemptNo: number;
  startedAt: number;
  legId: string;
}

export interface AttemptEnd {
  id: string;
  leadId: string;
  outcome: AttemptOutcome;
  endedAt: number;
  answeredAt?: number;
  connectedAt?: number;
  amdResult?: string;
  agentId?: string;
  recordingRef?: string;
  /** What happens to the lead next. */
  plan: RetryPlan;
}

export interface AttemptRecord {
  id: string;
  campaignId: string;
  leadId: string;
  phone: string;
  attemptNo: number;
  startedAt: number;
  answeredAt: number | null;
  connectedAt: number | null;
  endedAt: number | null;
  outcome: AttemptOutcome | null;
  amdResult: string | null;
  agentId: string | null;
  recordingRef: string | null;
  disposition: string | null;
  dispositionAt: number | null;
  callbackAt: number | null;
  /** The lead's time zone (for the retry plan of a disposition). */
  timeZone: string;
  leadAttempts: number;
}

export interface DispositionUpdate {
  attemptId: string;
  code: string;
  at: number;
  callbackAt?: number;
  plan: RetryPlan;
  /** Add the number to the campaign's do-not-call list. */
  addToDnc: boolean;
}

export interface DialerStore {
  /**
   * Takes up to `limit` leads due now and inside their calling window, marking them as being
   * dialled. Leads outside their window are moved to their next opening. With `callbacksFor`,
   * only agent callbacks for those agents; otherwise only leads without an agent callback.
   */
  claimDueLeads(campaign: Campaign, now: number, limit: number, callbacksFor?: ReadonlySet<string>): Promise<LeadToDial[]>;
  /** Puts a claimed lead back (it was not dialled). */
  releaseLead(leadId: string): Promise<void>;
  /** Global or the campaign's do-not-call list. */
  isOnDnc(campaignId: string, phone: string): Promise<boolean>;
  addDnc(campaignId: string | null, phones: string[], source: string): Promise<number>;
  startAttempt(attempt: AttemptStart): Promise<void>;
  /** Ends the attempt and reschedules (or closes) its lead, in one transaction. */
  finishAttempt(end: AttemptEnd): Promise<void>;
  getAttempt(attemptId: string): Promise<AttemptRecord | undefined>;
  setDisposition(update: DispositionUpdate): Promise<void>;
  /** Leads not finished (pending or being dialled). */
  leadsRemaining(campaignId: string): Promise<number>;
  /**
   * Abandon history since `since`, per minute, so a restarted runner keeps counting the legal
   * window (30 days) from stored attempts. `machineCodes`: dispositions that mean "not a person".
   */
  abandonHistory?(campaignId: string, since: number, machineCodes: string[]): Promise<AbandonMinute[]>;
}

export interface AbandonMinute {
  at: number;
  /** Live answers (connected people and abandoned answers). */
  live: number;
  abandoned: number;
  /** Answers AMD dropped as machines (each counts `amd.falsePositivePct` of an abandon). */
  machinesDropped: number;
}
