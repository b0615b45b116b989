/**
 * Retry scheduling (pure): after an attempt, when (if ever) is the lead dialled again.
 * Delays come from the campaign per outcome; the next attempt is moved into the lead's
 * calling window; `maxAttempts` ends the lead. Answered calls end with the agent's
 * disposition, which may schedule an agent callback instead.
 */
import type { CampaignConfig, Disposition, RetryOutcome } from './campaign.js';
import { nextCallableAt } from './callingWindow.js';

export type RetryPlan =
  | { kind: 'retry'; at: number }
  | { kind: 'callback'; at: number; agentId?: string }
  | { kind: 'done'; reason: 'max-attempts' | 'disposition' | 'dnc' | 'invalid-number' };

export interface RetryInput {
  outcome: RetryOutcome | 'answered' | 'dnc' | 'invalid-number';
  /** Attempts made so far, including the one that just ended. */
  attempts: number;
  /** When the attempt ended. */
  at: number;
  zone: string;
  /** For answered calls: the agent's disposition and, for callbacks, when and with whom. */
  disposition?: Disposition;
  callbackAt?: number;
  callbackAgentId?: string;
}

export function planRetry(config: Pick<CampaignConfig, 'maxAttempts' | 'retryDelayMin' | 'callingWindow'>, input: RetryInput): RetryPlan {
  if (input.outcome === 'dnc') return { kind: 'done', reason: 'dnc' };
  if (input.outcome === 'invalid-number') return { kind: 'done', reason: 'invalid-number' };
  if (input.outcome === 'answered') {
    const d = input.disposition;
    if (d?.effect === 'callback' && input.callbackAt !== undefined) {
      // An agent's callback is a promise to the customer: it is kept even past maxAttempts,
      // but still only inside the lead's calling window.
      return { kind: 'callback', at: nextCallableAt(config.callingWindow, input.zone, input.callbackAt), agentId: input.callbackAgentId };
    }
    if (d?.effect !== 'retry') return { kind: 'done', reason: 'disposition' };
    if (input.attempts >= config.maxAttempts) return { kind: 'done', reason: 'max-attempts' };
    return { kind: 'retry', at: nextCallableAt(config.callingWindow, input.zone, input.at + config.retryDelayMin['no-answer'] * 60_000) };
  }
  if (input.attempts >= config.maxAttempts) return { kind: 'done', reason: 'max-attempts' };
  const delayMs = config.retryDelayMin[input.outcome] * 60_000;
  return { kind: 'retry', at: nextCallableAt(config.callingWindow, input.zone, input.at + delayMs) };
}
