/**
 * FreeSWITCH originate failure causes (the `-ERR CAUSE` of a BACKGROUND_JOB) → the
 * port's normalised causes. Only this adapter reads FreeSWITCH's wording.
 */
import type { OriginateFailureCause } from '../errors.js';

const CAUSES: Record<string, OriginateFailureCause> = {
  USER_BUSY: 'busy',
  NORMAL_CIRCUIT_CONGESTION: 'busy',
  SWITCH_CONGESTION: 'busy',
  NO_ANSWER: 'no-answer',
  NO_USER_RESPONSE: 'no-answer',
  ORIGINATOR_CANCEL: 'no-answer',
  PROGRESS_TIMEOUT: 'no-answer',
  ALLOTTED_TIMEOUT: 'no-answer',
  CALL_REJECTED: 'rejected',
  USER_CHALLENGE: 'rejected',
  INCOMPATIBLE_DESTINATION: 'rejected',
  OUTGOING_CALL_BARRED: 'rejected',
  INCOMING_CALL_BARRED: 'rejected',
  BEARERCAPABILITY_NOTAUTH: 'rejected',
  FACILITY_REJECTED: 'rejected',
  NORMAL_TEMPORARY_FAILURE: 'unreachable',
  UNALLOCATED_NUMBER: 'unreachable',
  NO_ROUTE_DESTINATION: 'unreachable',
  NO_ROUTE_TRANSIT_NET: 'unreachable',
  NUMBER_CHANGED: 'unreachable',
  INVALID_NUMBER_FORMAT: 'unreachable',
  DESTINATION_OUT_OF_ORDER: 'unreachable',
  NETWORK_OUT_OF_ORDER: 'unreachable',
  USER_NOT_REGISTERED: 'unreachable',
  SUBSCRIBER_ABSENT: 'unreachable',
  GATEWAY_DOWN: 'unreachable',
  RECOVERY_ON_TIMER_EXPIRE: 'unreachable',
  MEDIA_TIMEOUT: 'unreachable',
};

/** `USER_BUSY` → `busy`; anything unknown (CHAN_NOT_IMPLEMENTED …) → `failed`. */
export function normaliseOriginateCause(switchCause: string): OriginateFailureCause {
  return CAUSES[switchCause.trim().toUpperCase()] ?? 'failed';
}

/** The cause word of a `-ERR CAUSE` reply text (`USER_BUSY` from `-ERR USER_BUSY\n`). */
export function causeOfReply(text: string): string {
  const m = /^(?:-ERR\s+)?([A-Z_0-9]+)/.exec(text.trim());
  return m?.[1] ?? 'UNKNOWN';
}
