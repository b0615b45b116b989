/**
 * The vocabulary of the two append-only logs (interaction_events, agent_state_events).
 * ACD, IVR and dialer append these; reporting, webhooks and failover read them. A new
 * kind of event is added here first, so readers and writers agree on one list.
 */
export const INTERACTION_EVENT_TYPES = [
  'arrived', // call/chat reached us (data: channel, caller, did)
  'ivr.node', // one node visited (data: flowId, version, node, input, outcome)
  'ivr.ended', // flow finished (data: outcome)
  'queued', // entered a queue (queue_id; data: priority, skills, vip)
  'escalated', // an escalation step fired (data: step)
  'offered', // offered to an agent (agent_id)
  'offer.rejected', // agent declined / did not answer (agent_id; data: reason rona|declined|failed)
  'answered', // agent connected (agent_id)
  'held',
  'retrieved',
  'transferred', // left our control (data: target)
  'overflowed', // moved to another queue (data: toQueue)
  'callback.requested', // caller left a number, keeps their place (data: number)
  'callback.dialled',
  'voicemail', // went to voicemail
  'abandoned', // caller left while waiting (data: waitedMs)
  'recording.started',
  'recording.stopped',
  'ended', // interaction finished (data: cause, side, outcome)
  'wrapup.ended', // agent finished after-call work
  'survey.answer', // CSAT answer (data: question, score)
] as const;
export type InteractionEventType = (typeof INTERACTION_EVENT_TYPES)[number];

export const AGENT_STATES = ['logged-out', 'ready', 'not-ready', 'reserved', 'busy', 'wrap-up'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const CHANNELS = ['voice', 'chat', 'email', 'messenger'] as const;
export type Channel = (typeof CHANNELS)[number];
