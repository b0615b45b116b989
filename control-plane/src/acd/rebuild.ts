/**
 * Rebuild of the ACD's hot state from PostgreSQL after a restart or a standby's takeover:
 * configuration from the repositories, then agent presence from the last agent_state_events
 * row per agent, then every interaction still in a queue folded from interaction_events
 * (read in `id` order, which is append order). Routing is off during the replay, so the
 * state is put back exactly as logged; timers (RONA, wrap-up, escalation) then restart.
 */
import type { Knex } from 'knex';
import type { Channel } from '../domainEvents.js';
import { AgentRepository } from '../store/repositories/agents.js';
import { QueueRepository } from '../store/repositories/queues.js';
import { ReasonCodeRepository } from '../store/repositories/reasonCodes.js';
import type { Acd } from './Acd.js';
import type { EscalationAction, SkillRequirement } from './AcdTypes.js';
import type { NewInteraction, Presence } from './Router.js';

const FINAL = new Set(['ended', 'abandoned', 'voicemail', 'transferred']);
/** How far back "ended lately" reaches (a post-call survey lasts minutes). */
const ENDED_LATELY_MS = 3600_000;

/** An interaction as the log tells it: what the router needs, plus what happened to it. */
interface Folded extends NewInteraction {
  customerRef: string | null;
  actions: EscalationAction[];
  agedPriority: number | null;
  offeredTo: Set<string>;
  excluded: Set<string>;
  connectedTo: string | null;
  callback: string | null;
  stepsInQueue: number;
  ended: boolean;
  /** false for the dialer's calls: put back only when connected. */
  restore: boolean;
}

type Data = Record<string, unknown>;
const obj = (v: unknown): Data => (typeof v === 'string' ? (JSON.parse(v) as Data) : ((v as Data) ?? {}));

export interface RebuildResult {
  queues: number;
  agents: number;
  interactions: number;
}

/** Loads configuration and replays the logs into `acd` (which must be freshly constructed). */
export async function rebuildFromLog(db: Knex, acd: Acd, options: { lookbackMs?: number } = {}): Promise<RebuildResult> {
  const queues = await new QueueRepository(db).list();
  const agents = await new AgentRepository(db).list();
  acd.setReasonCodes(await new ReasonCodeRepository(db).list());
  for (const q of queues) acd.router.upsertQueue(q); // escalations may point at queues listed later
  for (const q of queues) acd.upsertQueue(q);
  for (const a of agents) acd.upsertAgent(a);

  acd.router.beginReplay();
  const known = new Set(agents.map((a) => a.id));
  const lastStates: Array<{ agent_id: string; state: string; reason: string | null; at: Date; data: unknown }> = await db
    .select('agent_id', 'state', 'reason', 'at', 'data')
    .from(db.raw('(select distinct on (agent_id) agent_id, state, reason, at, data from agent_state_events order by agent_id, id desc) as last'));
  const wrapUps: Array<{ agentId: string; queueId: string; since: number }> = [];
  for (const row of lastStates) {
    if (!known.has(row.agent_id)) continue;
    const d = obj(row.data);
    const presence = (d.presence as Presence | undefined) ?? (row.state === 'busy' || row.state === 'reserved' ? 'ready' : (row.state as Presence));
    acd.router.restoreAgent(row.agent_id, {
      presence,
      reason: row.reason,
      idleSince: Number(d.idleSince ?? 0),
      loginAt: Number(d.loginAt ?? 0),
      handledToday: Number(d.handledToday ?? 0),
      ronaCount: Number(d.ronaCount ?? 0),
      busyMs: Number(d.busyMs ?? 0),
      busySince: d.busySince == null ? null : Number(d.busySince),
    });
    if (presence === 'wrap-up') {
      const last = await db('interaction_events').where({ agent_id: row.agent_id, type: 'ended' }).orderBy('id', 'desc').first('queue_id');
      if (last?.queue_id) wrapUps.push({ agentId: row.agent_id, queueId: last.queue_id, since: new Date(row.at).getTime() });
    }
  }

  const since = new Date(acd.now - (options.lookbackMs ?? 48 * 3600_000));
  const events: Array<{ interaction_id: string; type: string; queue_id: string | null; agent_id: string | null; data: unknown; at: Date }> = await db('interaction_events')
    .whereIn('interaction_id', db('interaction_events').where('type', 'queued').andWhere('at', '>=', since).select('interaction_id'))
    .orderBy('id')
    .select('interaction_id', 'type', 'queue_id', 'agent_id', 'data', 'at');
  // Interactions that ended lately: a caller of theirs still on the switch (kept for a
  // post-call survey) must not start the flow again on a new active.
  const endedLately = new Set<string>();
  const lately = acd.now - ENDED_LATELY_MS;
  const folded = new Map<string, Folded>();
  for (const e of events) {
    const d = obj(e.data);
    let f = folded.get(e.interaction_id);
    if (e.type === 'queued') {
      f = {
        id: e.interaction_id,
        queueId: e.queue_id!,
        channel: d.channel as Channel,
        priority: Number(d.priority ?? 0),
        vip: Boolean(d.vip),
        skills: (d.skills as SkillRequirement[]) ?? [],
        language: (d.language as string | null) ?? undefined,
        enqueuedAt: Number(d.enqueuedAt),
        customerRef: (d.customerRef as string | null) ?? null,
        actions: [],
        agedPriority: null,
        offeredTo: new Set(),
        excluded: new Set(),
        connectedTo: null,
        callback: null,
        stepsInQueue: 0,
        ended: false,
        restore: d.restore !== false,
      };
      folded.set(e.interaction_id, f);
      continue;
    }
    if (!f) continue;
    switch (e.type) {
      case 'offered':
        if (e.agent_id) f.offeredTo.add(e.agent_id);
        break;
      case 'offer.rejected':
        if (e.agent_id) {
          f.offeredTo.delete(e.agent_id);
          if (d.reason === 'declined' || d.reason === 'rona' || d.reason === 'failed') f.excluded.add(e.agent_id);
        }
        break;
      case 'answered':
        f.connectedTo = e.agent_id;
        f.offeredTo.clear();
        break;
      case 'escalated':
      case 'overflowed': {
        const ageing = d.ageing as { priority: number } | undefined;
        if (ageing) f.agedPriority = ageing.priority;
        const action = d.action as EscalationAction | undefined;
        if (action && ['relax-level', 'add-skills', 'add-queue-agents', 'overflow'].includes(action.kind)) f.actions.push(action);
        if (action?.kind === 'overflow') f.stepsInQueue = 0;
        else if (typeof d.step === 'number' && d.step >= 0) f.stepsInQueue = Math.max(f.stepsInQueue, d.step + 1);
        break;
      }
      case 'callback.requested':
        f.callback = String(d.number ?? '');
        break;
      default:
        if (FINAL.has(e.type)) {
          f.ended = true;
          if (new Date(e.at).getTime() >= lately) endedLately.add(e.interaction_id);
        }
    }
  }

  const lives: Array<{ id: string; customerRef: string | null; callback: string | null; stepsInQueue: number; legId?: string }> = [];
  const r = acd.router;
  for (const f of folded.values()) {
    if (f.ended || !r.hasQueue(f.queueId) || (!f.restore && !f.connectedTo)) continue;
    r.restoreInteraction(
      { id: f.id, queueId: f.queueId, channel: f.channel, priority: f.priority, vip: f.vip, skills: f.skills, language: f.language, enqueuedAt: f.enqueuedAt },
      { excluded: [...f.excluded] },
    );
    for (const action of f.actions) r.escalate(f.id, action, acd.now);
    if (f.agedPriority !== null) r.setPriority(f.id, f.agedPriority, acd.now);
    for (const agentId of f.offeredTo) if (known.has(agentId)) r.restoreOffer(f.id, agentId);
    if (f.connectedTo && known.has(f.connectedTo)) r.restoreConnected(f.id, f.connectedTo);
    lives.push({ id: f.id, customerRef: f.customerRef, callback: f.callback, stepsInQueue: f.stepsInQueue });
  }
  // The customer's leg, when it is not the interaction id (the dialer's calls): its
  // `leg_id` variable, so a takeover can find the call on the switch.
  for (let i = 0; i < lives.length; i += 1000) {
    const chunk = lives.slice(i, i + 1000);
    const rows = (await db('interactions').whereIn('id', chunk.map((l) => l.id)).select('id', 'variables')) as Array<{ id: string; variables: unknown }>;
    const legOf = new Map(rows.map((row) => [row.id, obj(row.variables).leg_id]));
    for (const l of chunk) {
      const leg = legOf.get(l.id);
      if (typeof leg === 'string' && leg.length > 0) l.legId = leg;
    }
  }
  acd.resumeAfterReplay(wrapUps, lives);
  acd.setEndedBeforeRestart(endedLately);
  return { queues: queues.length, agents: agents.length, interactions: lives.length };
}
