/**
 * Ringing an agent's phone for an offer, shared by the voice queue (inbound) and the
 * dialer's agent pool (outbound): originate to the agent's SIP user, classify a failure as
 * RONA or failed, and only hand back an answered leg once the ACD accepted this agent — a
 * late answer (ring-all won by another, offer withdrawn, caller gone) is hung up, so one
 * call never reaches two agents.
 */
import type { Logger } from '../logger.js';
import { OriginateError, type CallerId, type CallLeg, type MediaEngine } from '../engine/port.js';
import type { Acd } from './Acd.js';

export interface RingAgentPhone {
  acd: Acd;
  engine: MediaEngine;
  log: Logger;
  interactionId: string;
  agentId: string;
  /** Rings in progress for this interaction (the ACD's offer.cancelled aborts them). */
  rings: Map<string, AbortController>;
  callerId: CallerId;
  timeoutMs: number;
  variables: Record<string, string>;
  /**
   * The customer's leg when there is one: the agent is called on the same media node (two
   * FreeSWITCH nodes cannot bridge each other's legs), and the caller's X-Load-Call header
   * (load tests join caller and agent by it) goes on to the agent.
   */
  customer?: CallLeg | null;
  /** The interaction is finished for its owner (caller gone, deadline passed). */
  isDone: () => boolean;
  /** The agent could not be reached: tell the ACD (RONA or failed). */
  notReached: (why: 'rona' | 'failed') => void;
}

/** Resolves with the agent's answered leg, accepted by the ACD, or null. */
export async function ringAgentPhone(o: RingAgentPhone): Promise<CallLeg | null> {
  const sipUser = o.acd.router.agent(o.agentId).config.sipUser;
  if (!sipUser) {
    o.notReached('failed');
    return null;
  }
  const abort = new AbortController();
  o.rings.set(o.agentId, abort);
  let agentLeg: CallLeg;
  try {
    agentLeg = await o.engine.originate({
      to: { kind: 'user', user: sipUser },
      callerId: o.callerId,
      timeoutMs: o.timeoutMs,
      variables: o.variables,
      ...(o.customer && o.customer.state !== 'ended' ? { near: o.customer, ...forwardedHeaders(o.customer) } : {}),
      signal: abort.signal,
    });
  } catch (err) {
    o.rings.delete(o.agentId);
    if (abort.signal.aborted || o.isDone()) return null; // cancelled by the ACD, or nobody to connect
    const why = err instanceof OriginateError && err.failure === 'no-answer' ? 'rona' : 'failed';
    o.log.info({ agentId: o.agentId, why, err: (err as Error).message }, 'agent not reached');
    o.notReached(why);
    return null;
  }
  o.rings.delete(o.agentId);
  if (abort.signal.aborted || o.isDone()) {
    await agentLeg.hangup().catch(() => undefined);
    return null;
  }
  try {
    o.acd.accept(o.interactionId, o.agentId);
  } catch (err) {
    // Someone else won (ring-all), the offer timed out, or the customer left: never two agents.
    o.log.info({ agentId: o.agentId, err: (err as Error).message }, 'late answer refused');
    await agentLeg.hangup().catch(() => undefined);
    return null;
  }
  for (const [other, ring] of o.rings) if (other !== o.agentId) ring.abort();
  return agentLeg;
}

/** Headers of the caller's INVITE that go on to the agent's (FreeSWITCH keeps them as sip_h_<name>). */
const FORWARDED_HEADERS = ['X-Load-Call'];

function forwardedHeaders(customer: CallLeg): { sipHeaders?: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = customer.variables[`sip_h_${name}`];
    if (value !== undefined && /^[A-Za-z0-9._:@-]{1,128}$/.test(value)) headers[name] = value;
  }
  return Object.keys(headers).length > 0 ? { sipHeaders: headers } : {};
}
