/**
 * The interaction a call leg belongs to. interaction_events.interaction_id is a uuid:
 * the leg's `interaction_id` variable when set, else the leg id when it is a uuid
 * (FreeSWITCH), else a uuid derived from the leg id (the simulator's `sim-call-…` ids),
 * so every area that computes it for the same leg gets the same id.
 */
import { createHash } from 'node:crypto';
import type { CallLeg } from '../engine/port.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function interactionIdForLeg(leg: Pick<CallLeg, 'id' | 'variables'>): string {
  const fromVar = leg.variables.interaction_id;
  if (fromVar && UUID.test(fromVar)) return fromVar.toLowerCase();
  if (UUID.test(leg.id)) return leg.id.toLowerCase();
  const h = createHash('sha1').update(`switchboard-leg:${leg.id}`).digest('hex');
  // Shaped as a version-5 uuid (name-based, SHA-1).
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}
