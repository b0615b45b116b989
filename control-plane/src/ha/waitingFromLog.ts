/**
 * Which interactions are still waiting, per queue and in queue order, according to the
 * interaction event log alone. A new active uses it on takeover (until the ACD's own
 * rebuild-from-event-log replaces it) and the failover test uses it to check that every
 * waiting caller kept their place. Pure: no I/O.
 *
 * Order: time the interaction entered its current queue (`at` of its `queued` or
 * `overflowed` event), then log order (`id`).
 */
export interface LoggedEvent {
  interactionId: string;
  type: string;
  /** Epoch ms. */
  at: number;
  queueId: string | null;
  /** Log position (interaction_events.id). */
  id: number;
  data?: Record<string, unknown>;
}

/** Events after which an interaction no longer waits in any queue. */
const LEAVES = new Set(['answered', 'abandoned', 'ended', 'transferred', 'voicemail']);

export function waitingFromLog(events: readonly LoggedEvent[]): Map<string, string[]> {
  const sorted = [...events].sort((a, b) => a.id - b.id);
  const place = new Map<string, { queueId: string; at: number; id: number }>();
  for (const e of sorted) {
    if (e.type === 'queued' && e.queueId) {
      if (place.get(e.interactionId)?.queueId !== e.queueId) place.set(e.interactionId, { queueId: e.queueId, at: e.at, id: e.id });
    } else if (e.type === 'overflowed') {
      const to = typeof e.data?.toQueue === 'string' ? e.data.toQueue : null;
      if (to) place.set(e.interactionId, { queueId: to, at: e.at, id: e.id });
    } else if (LEAVES.has(e.type)) {
      place.delete(e.interactionId);
    }
  }
  const byQueue = new Map<string, Array<{ interactionId: string; at: number; id: number }>>();
  for (const [interactionId, p] of place) {
    const list = byQueue.get(p.queueId) ?? [];
    list.push({ interactionId, at: p.at, id: p.id });
    byQueue.set(p.queueId, list);
  }
  const result = new Map<string, string[]>();
  for (const [queueId, list] of byQueue) {
    list.sort((a, b) => a.at - b.at || a.id - b.id);
    result.set(queueId, list.map((x) => x.interactionId));
  }
  return result;
}
