/** Options and behaviour models of the simulated media engine. */

export type Distribution =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'exponential'; meanMs: number }
  | { kind: 'lognormal'; meanMs: number; sdMs: number };

/**
 * One step of a scripted caller: optionally wait for a prompt whose file path, TTS text or
 * tone spec contains `waitForPrompt` to start, then `afterMs`, then act.
 */
export type CallerStep = { waitForPrompt?: string; afterMs?: number } & ({ dtmf: string } | { hangup: true });

export interface PlaceCallOptions {
  from: string;
  to: string;
  /** Virtual time of arrival (default: now). */
  at?: number;
  script?: CallerStep[];
  /** Total time on music on hold before the caller gives up. Default: infinite. */
  patienceMs?: number;
  /** Conversation length once bridged to an agent. */
  talkTimeMs?: number;
  callerName?: string;
  variables?: Record<string, string>;
}

export interface ArrivalsOptions {
  to: string;
  /** Constant Poisson rate … */
  perHour?: number;
  /** … or one rate per 15-minute interval, starting now. */
  per15Min?: number[];
  durationMs: number;
  /** Stop after this many arrivals. */
  maxCalls?: number;
  patienceMs?: Distribution;
  talkTimeMs?: Distribution;
  script?: CallerStep[];
  from?: (index: number) => string;
}

export interface AgentEndpointOptions {
  user: string;
  answerDelayMs?: Distribution;
  noAnswerProbability?: number;
  rejectProbability?: number;
  talkTimeMs?: Distribution;
  /** Probability that the agent, not the customer, ends the conversation. Default 0. */
  hangsUpFirstProbability?: number;
}

export interface TargetModel {
  answerProbability: number;
  busyProbability: number;
  machineProbability: number;
  /** Numbers that do not exist or fail in the network. */
  unreachableProbability?: number;
  ringTimeMs: Distribution;
  talkTimeMs: Distribution;
  /** A live person who hears nothing hangs up after this. */
  humanHangsUpUnattendedAfterMs?: Distribution;
  /** Probability that detectMachine gives the right answer. */
  amdAccuracy?: number;
  /** Length of an answering machine's greeting before the beep. */
  machineGreetingMs?: Distribution;
}

export type TargetOutcome = 'answer' | 'busy' | 'no-answer' | 'machine' | 'unreachable';

export interface TargetOverride {
  outcome: TargetOutcome;
  ringTimeMs?: number;
  talkTimeMs?: number;
}

export interface SimEngineOptions {
  seed?: number;
  startTime?: number;
  /** Default duration of a file prompt. */
  filePromptMs?: number;
  /** Write a silent WAV file for each stopped recording (for archive tests and the demo). */
  writeRecordingFiles?: boolean;
}

export interface SimStats {
  inboundCalls: number;
  inboundAnswered: number;
  abandonedOnHold: number;
  callerHangupsScripted: number;
  originates: number;
  originateFailures: Record<string, number>;
  bridges: number;
  activeLegs: number;
  maxActiveLegs: number;
  transfers: number;
  recordings: number;
}
