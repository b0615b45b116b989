/**
 * A hand-written morning on 2026-01-05 (UTC) for queue `sales` (SL threshold 20 s, short
 * abandon 5 s) and `support`; the expected figures in the tests are worked out by hand in
 * the comments next to each call.
 */
import { randomUUID } from 'node:crypto';
import type { EventLog } from '../../src/store/EventLog.js';
import type { AgentState, InteractionEventType } from '../../src/domainEvents.js';

export const DAY = '2026-01-05';
export const t = (hms: string): number => Date.parse(`${DAY}T${hms}Z`);

export const ids = {
  c1: randomUUID(), c2: randomUUID(), c3: randomUUID(), c4: randomUUID(), c5: randomUUID(), c6: randomUUID(), c7: randomUUID(),
};
export const recordingC1 = randomUUID();

type Ev = { id: string; at: string; type: InteractionEventType; queueId?: string; agentId?: string; data?: Record<string, unknown> };

/** Split in two so a test can refresh between them (c5 is queued in part 1, answered in part 2). */
export const part1: Ev[] = [
  // c1: IVR, waits 10 s, talk 150 s with 30 s hold, wrap-up 30 s → answered in SL.
  { id: ids.c1, at: '08:00:00', type: 'arrived', data: { caller: '+15550000001' } },
  { id: ids.c1, at: '08:00:05', type: 'ivr.node', data: { node: 'menu' } },
  { id: ids.c1, at: '08:00:08', type: 'ivr.node', data: { node: 'sales' } },
  { id: ids.c1, at: '08:00:10', type: 'ivr.ended', data: { outcome: 'queue' } },
  { id: ids.c1, at: '08:00:10', type: 'queued', queueId: 'sales' },
  { id: ids.c1, at: '08:00:15', type: 'offered', queueId: 'sales', agentId: 'a1' },
  { id: ids.c1, at: '08:00:20', type: 'answered', queueId: 'sales', agentId: 'a1' },
  { id: ids.c1, at: '08:00:20', type: 'recording.started', data: { recordingId: recordingC1 } },
  { id: ids.c1, at: '08:01:00', type: 'held' },
  { id: ids.c1, at: '08:01:30', type: 'retrieved' },
  { id: ids.c1, at: '08:03:20', type: 'ended', data: { cause: 'NORMAL_CLEARING', side: 'remote', outcome: 'answered' } },
  { id: ids.c1, at: '08:03:50', type: 'wrapup.ended', agentId: 'a1' },
  // c2: waits 45 s (outside SL), talk 120 s, wrap-up 20 s.
  { id: ids.c2, at: '08:05:00', type: 'queued', queueId: 'sales' },
  { id: ids.c2, at: '08:05:45', type: 'answered', queueId: 'sales', agentId: 'a2' },
  { id: ids.c2, at: '08:07:45', type: 'ended', data: { cause: 'NORMAL_CLEARING', side: 'local', outcome: 'answered' } },
  { id: ids.c2, at: '08:08:05', type: 'wrapup.ended', agentId: 'a2' },
  // c3: short abandon after 3 s.
  { id: ids.c3, at: '08:10:00', type: 'queued', queueId: 'sales' },
  { id: ids.c3, at: '08:10:03', type: 'abandoned', queueId: 'sales', data: { waitedMs: 3000 } },
  { id: ids.c3, at: '08:10:03', type: 'ended', data: { cause: 'ORIGINATOR_CANCEL', side: 'remote', outcome: 'abandoned' } },
  // c4: abandons after 30 s.
  { id: ids.c4, at: '08:12:00', type: 'queued', queueId: 'sales' },
  { id: ids.c4, at: '08:12:30', type: 'abandoned', queueId: 'sales', data: { waitedMs: 30000 } },
  { id: ids.c4, at: '08:12:30', type: 'ended', data: { cause: 'ORIGINATOR_CANCEL', side: 'remote', outcome: 'abandoned' } },
  // c5: queued in the 08:00 interval …
  { id: ids.c5, at: '08:14:50', type: 'queued', queueId: 'sales' },
];

export const part2: Ev[] = [
  // … answered at exactly 20 s (counts in SL) in the 08:15 interval; talk 60 s, wrap-up 10 s.
  { id: ids.c5, at: '08:15:10', type: 'answered', queueId: 'sales', agentId: 'a1' },
  { id: ids.c5, at: '08:16:10', type: 'ended', data: { cause: 'NORMAL_CLEARING', side: 'remote', outcome: 'answered' } },
  { id: ids.c5, at: '08:16:20', type: 'wrapup.ended', agentId: 'a1' },
  // c6: campaign call, waits 5 s, talk 120 s, no wrap-up yet.
  { id: ids.c6, at: '08:20:00', type: 'queued', queueId: 'sales', data: { campaignId: 'spring' } },
  { id: ids.c6, at: '08:20:05', type: 'answered', queueId: 'sales', agentId: 'a2' },
  { id: ids.c6, at: '08:22:05', type: 'ended', data: { cause: 'NORMAL_CLEARING', side: 'remote', outcome: 'answered' } },
  // c7: support overflows to sales after 40 s, answered there after 10 s; talk 60 s, wrap-up 10 s.
  { id: ids.c7, at: '08:25:00', type: 'queued', queueId: 'support' },
  { id: ids.c7, at: '08:25:40', type: 'overflowed', queueId: 'support', data: { toQueue: 'sales' } },
  { id: ids.c7, at: '08:25:40', type: 'queued', queueId: 'sales' },
  { id: ids.c7, at: '08:25:50', type: 'answered', queueId: 'sales', agentId: 'a1' },
  { id: ids.c7, at: '08:26:50', type: 'ended', data: { cause: 'NORMAL_CLEARING', side: 'remote', outcome: 'answered' } },
  { id: ids.c7, at: '08:27:00', type: 'wrapup.ended', agentId: 'a1' },
];

type St = { at: string; state: AgentState; reason?: string };
/** Agent a1's states; spans are worked out in the test. */
export const a1States1: St[] = [
  { at: '07:55:00', state: 'ready' },
  { at: '08:00:15', state: 'reserved' },
  { at: '08:00:20', state: 'busy' },
  { at: '08:03:20', state: 'wrap-up' },
  { at: '08:03:50', state: 'ready' },
  { at: '08:05:00', state: 'not-ready', reason: 'break' },
  { at: '08:10:00', state: 'ready' },
  { at: '08:14:00', state: 'not-ready', reason: 'lunch' },
];
export const a1States2: St[] = [
  { at: '08:14:30', state: 'ready' },
  { at: '08:15:05', state: 'busy' },
  { at: '08:30:00', state: 'logged-out' },
];

export function append(log: EventLog, evs: Ev[], states: St[]): void {
  for (const e of evs) {
    log.interactionEvent({ interactionId: e.id, at: t(e.at), type: e.type, queueId: e.queueId ?? null, agentId: e.agentId ?? null, data: e.data ?? {} });
  }
  for (const s of states) log.agentState({ agentId: 'a1', state: s.state, at: t(s.at), reason: s.reason ?? null });
}
