/**
 * The routing core: pure, in memory, no I/O, no clock (every call is given `now`).
 *
 * Invariant kept after every public call: no (offerable agent, waiting interaction) pair
 * that is eligible remains unmatched. So when an agent frees up it takes the best waiting
 * interaction it can serve (priority, then enqueue time, then arrival order), and when an
 * interaction arrives (or is requeued/escalated) only it can form new pairs, so the queue's
 * strategy picks among the agents that can take it.
 *
 * Indexes: agents by (channel, skill) among those offerable for that channel, and waiting
 * interactions by each alternative's first skill, each list kept sorted. A decision looks at
 * the smallest relevant agent set and stops at the first eligible interaction of each list.
 */
import type { Channel } from '../domainEvents.js';
import { CHANNELS } from '../domainEvents.js';
import type { AgentConfig, EscalationAction, QueueConfig, SkillRequirement, Strategy } from './AcdTypes.js';
import { AgentRec, cmp, compareService, InteractionRec, RouterError, type Alternative, type NewInteraction, type Presence, type RouterBatch, type RouterSnapshot } from './routerRecords.js';

export {
  AgentRec,
  compareService,
  InteractionRec,
  RouterError,
  type Alternative,
  type CancelledOffer,
  type InteractionPhase,
  type NewInteraction,
  type Offer,
  type Presence,
  type RouterBatch,
  type RouterSnapshot,
} from './routerRecords.js';

interface QueueRec {
  config: QueueConfig;
  members: ReadonlySet<string> | null;
  position: Map<string, number>;
  rrCursor: number;
  waitingCount: number;
}

const ANY = '\u0000any';

export class Router {
  readonly #agents = new Map<string, AgentRec>();
  readonly #queues = new Map<string, QueueRec>();
  readonly #interactions = new Map<string, InteractionRec>();
  /** channel → skill → offerable agents having that skill */
  readonly #offerableBySkill = new Map<Channel, Map<string, Set<AgentRec>>>();
  /** channel → key (skill id or ANY) → waiting interactions, sorted by compareService */
  readonly #waiting = new Map<Channel, Map<string, InteractionRec[]>>();
  #ordinal = 0;
  #seq = 0;
  #batch: RouterBatch = { offers: [], cancelled: [], changedAgents: [] };
  #changed = new Set<AgentRec>();
  /** While restoring from the log: no routing, state is put back as logged. */
  #replaying = false;
  /** skill → every agent holding it (any state); for staffing counts, not for decisions. */
  readonly #bySkill = new Map<string, Set<AgentRec>>();
  /** Count of routing decisions taken (bench and metrics). */
  decisions = 0;

  constructor() {
    for (const ch of CHANNELS) {
      this.#offerableBySkill.set(ch, new Map());
      this.#waiting.set(ch, new Map());
    }
  }

  // ---------------------------------------------------------------- configuration

  upsertQueue(config: QueueConfig): void {
    const members = config.settings.members.length ? new Set(config.settings.members) : null;
    const position = new Map(config.settings.members.map((m, i) => [m, i]));
    const existing = this.#queues.get(config.id);
    if (existing) {
      existing.config = config;
      existing.members = members;
      existing.position = position;
    } else {
      this.#queues.set(config.id, { config, members, position, rrCursor: -1, waitingCount: 0 });
    }
  }

  removeQueue(queueId: string): void {
    const q = this.#queues.get(queueId);
    if (!q) throw new RouterError('unknown-queue', `queue ${queueId} does not exist`);
    for (const i of this.#interactions.values()) {
      if (i.queueId === queueId) throw new RouterError('conflict', `queue ${queueId} still has interaction ${i.id}`);
    }
    this.#queues.delete(queueId);
  }

  hasQueue(queueId: string): boolean {
    return this.#queues.has(queueId);
  }

  queueConfig(queueId: string): QueueConfig {
    const q = this.#queues.get(queueId);
    if (!q) throw new RouterError('unknown-queue', `queue ${queueId} does not exist`);
    return q.config;
  }

  queues(): QueueConfig[] {
    return [...this.#queues.values()].map((q) => q.config);
  }

  upsertAgent(config: AgentConfig, now: number): RouterBatch {
    const existing = this.#agents.get(config.id);
    if (!existing) {
      const a = new AgentRec(config, this.#ordinal++);
      this.#agents.set(config.id, a);
      this.#holdSkills(a, true);
      return this.#take();
    }
    this.#unindex(existing);
    this.#holdSkills(existing, false);
    existing.applyConfig(config);
    this.#holdSkills(existing, true);
    this.#reindex(existing);
    this.#matchAgent(existing, now);
    return this.#take();
  }

  removeAgent(agentId: string): void {
    const a = this.#agent(agentId);
    if (a.presence !== 'logged-out') throw new RouterError('conflict', `agent ${agentId} is logged in; log them out first`);
    this.#unindex(a);
    this.#holdSkills(a, false);
    this.#agents.delete(agentId);
  }

  hasAgent(agentId: string): boolean {
    return this.#agents.has(agentId);
  }

  agent(agentId: string): Readonly<AgentRec> {
    return this.#agent(agentId);
  }

  agents(): IterableIterator<Readonly<AgentRec>> {
    return this.#agents.values();
  }

  interaction(id: string): Readonly<InteractionRec> | undefined {
    return this.#interactions.get(id);
  }

  interactions(): IterableIterator<Readonly<InteractionRec>> {
    return this.#interactions.values();
  }

  // ---------------------------------------------------------------- agent presence

  login(agentId: string, now: number, ready = true): RouterBatch {
    const a = this.#agent(agentId);
    if (a.presence !== 'logged-out') throw new RouterError('conflict', `agent ${agentId} is already logged in`);
    a.loginAt = now;
    a.idleSince = now;
    a.busyMs = 0;
    a.ronaCount = 0;
    this.#setPresence(a, ready ? 'ready' : 'not-ready', ready ? null : 'login', now);
    return this.#take();
  }

  logout(agentId: string, now: number): RouterBatch {
    const a = this.#agent(agentId);
    if (a.presence === 'logged-out') throw new RouterError('conflict', `agent ${agentId} is not logged in`);
    if (a.activeCount > 0) throw new RouterError('conflict', `agent ${agentId} still has ${a.activeCount} interaction(s)`);
    this.#setPresence(a, 'logged-out', null, now);
    return this.#take();
  }

  setReady(agentId: string, now: number): RouterBatch {
    const a = this.#agent(agentId);
    if (a.presence === 'logged-out') throw new RouterError('conflict', `agent ${agentId} is not logged in`);
    if (a.presence === 'wrap-up' && a.activeCount === 0) a.idleSince = now;
    a.ronaCount = 0;
    this.#setPresence(a, 'ready', null, now);
    return this.#take();
  }

  setNotReady(agentId: string, reason: string, now: number): RouterBatch {
    const a = this.#agent(agentId);
    if (a.presence === 'logged-out') throw new RouterError('conflict', `agent ${agentId} is not logged in`);
    this.#setPresence(a, 'not-ready', reason, now);
    return this.#take();
  }

  /** Ends wrap-up (auto timer or the agent): ready again. */
  endWrapUp(agentId: string, now: number): RouterBatch {
    const a = this.#agent(agentId);
    if (a.presence !== 'wrap-up') throw new RouterError('conflict', `agent ${agentId} is not in wrap-up`);
    if (a.activeCount === 0) a.idleSince = now;
    this.#setPresence(a, 'ready', null, now);
    return this.#take();
  }

  /** Midnight in the site's time zone: "today" counters start again. */
  resetDaily(now: number): void {
    for (const a of this.#agents.values()) {
      a.handledToday = 0;
      a.busyMs = 0;
      if (a.busySince !== null) a.busySince = now;
      if (a.presence !== 'logged-out') a.loginAt = now;
    }
  }

  // ---------------------------------------------------------------- interactions

  enqueue(input: NewInteraction, now: number): RouterBatch {
    const q = this.#queues.get(input.queueId);
    if (!q) throw new RouterError('unknown-queue', `queue ${input.queueId} does not exist`);
    if (this.#interactions.has(input.id)) throw new RouterError('conflict', `interaction ${input.id} is already queued`);
    const rec = this.#newInteraction(q, input);
    this.#interactions.set(rec.id, rec);
    this.#index(rec);
    this.#matchInteraction(rec, now);
    return this.#take();
  }

  /**
   * Holds a ready agent for an outbound interaction (the dialer's preview/progressive call):
   * the interaction is put straight into the "offered" phase for that one agent, so the agent
   * shows as reserved and inbound routing skips them, without an offer in the batch (nobody is
   * rung yet). Accept, remove and complete then work as for any offer. Conflict if the agent
   * cannot take a voice interaction of the queue right now.
   */
  reserve(input: NewInteraction, agentId: string, _now: number): RouterBatch {
    const q = this.#queue(input.queueId);
    const a = this.#agent(agentId);
    if (this.#interactions.has(input.id)) throw new RouterError('conflict', `interaction ${input.id} is already queued`);
    const rec = this.#newInteraction(q, input);
    if (!this.#eligible(a, rec)) {
      throw new RouterError('conflict', `agent ${agentId} cannot be reserved for queue ${input.queueId}: the agent is ${a.state} or does not serve the queue`);
    }
    this.decisions++;
    this.#interactions.set(rec.id, rec);
    rec.phase = 'offered';
    rec.offeredTo.add(a.id);
    this.#assign(a, rec, 'offered');
    return this.#take();
  }

  /** The agent took the offer. Ring-all: the first accept wins and the other offers are cancelled. */
  accept(interactionId: string, agentId: string, now: number): RouterBatch {
    const i = this.#interaction(interactionId);
    const a = this.#agent(agentId);
    if (i.phase === 'connected') {
      throw new RouterError('conflict', `interaction ${interactionId} is already connected to agent ${i.agentId}`);
    }
    if (i.phase !== 'offered' || !i.offeredTo.has(agentId)) {
      throw new RouterError('conflict', `interaction ${interactionId} is not offered to agent ${agentId}`);
    }
    for (const other of i.offeredTo) {
      if (other === agentId) continue;
      const o = this.#agents.get(other);
      if (o) this.#release(o, i.id, now);
      this.#batch.cancelled.push({ interactionId: i.id, agentId: other, why: 'taken-by-other' });
    }
    i.offeredTo.clear();
    i.phase = 'connected';
    i.agentId = agentId;
    const asg = a.assignments.get(i.id);
    if (asg) asg.phase = 'connected';
    if (a.busySince === null) a.busySince = now;
    a.ronaCount = 0;
    a.handledToday++;
    this.#changed.add(a);
    for (const other of this.#batch.cancelled) {
      const o = this.#agents.get(other.agentId);
      if (o) this.#matchAgent(o, now);
    }
    return this.#take();
  }

  /**
   * The agent declined, did not answer (RONA) or could not be reached. The interaction goes
   * back to waiting with its original enqueue time and priority (unless other ring-all
   * offers are still out). RONA counts towards the not-ready "no-answer" limit.
   */
  reject(interactionId: string, agentId: string, why: 'declined' | 'rona' | 'failed', now: number): RouterBatch {
    const i = this.#interaction(interactionId);
    const a = this.#agent(agentId);
    if (i.phase !== 'offered' || !i.offeredTo.has(agentId)) {
      throw new RouterError('conflict', `interaction ${interactionId} is not offered to agent ${agentId}`);
    }
    i.offeredTo.delete(agentId);
    i.excluded.add(agentId);
    this.#release(a, i.id, now);
    if (why === 'rona') {
      a.ronaCount++;
      const q = this.#queues.get(i.queueId);
      if (q && a.ronaCount >= q.config.settings.ronaMaxCount && a.presence === 'ready') {
        this.#setPresence(a, 'not-ready', 'no-answer', now);
      }
    }
    if (i.offeredTo.size === 0) {
      i.phase = 'waiting';
      this.#index(i);
      this.#matchInteraction(i, now);
    }
    this.#matchAgent(a, now);
    return this.#take();
  }

  /**
   * The interaction ended while connected (hang-up, chat closed). The agent goes to the
   * queue's wrap-up (if any and if ready), else stays as they were.
   */
  complete(interactionId: string, now: number): RouterBatch & { agentId: string; wrapUp: boolean } {
    const i = this.#interaction(interactionId);
    if (i.phase !== 'connected' || !i.agentId) {
      throw new RouterError('conflict', `interaction ${interactionId} is not connected (it is ${i.phase})`);
    }
    const a = this.#agent(i.agentId);
    this.#interactions.delete(i.id);
    this.#release(a, i.id, now);
    const wu = this.#queues.get(i.queueId)?.config.settings.wrapUp;
    const wrapUp = !!wu && (wu.seconds > 0 || wu.mode === 'manual');
    if (wrapUp && a.presence === 'ready') {
      if (a.activeCount === 0 && a.busySince === null) a.busySince = now; // wrap-up counts as handling time
      this.#setPresence(a, 'wrap-up', null, now);
    } else {
      this.#matchAgent(a, now);
    }
    return { ...this.#take(), agentId: a.id, wrapUp: wrapUp && a.presence === 'wrap-up' };
  }

  /** Leaves the router without being connected (abandon, callback exit, voicemail, timeout exit). */
  remove(interactionId: string, now: number): RouterBatch {
    const i = this.#interaction(interactionId);
    if (i.phase === 'connected') throw new RouterError('conflict', `interaction ${interactionId} is connected; complete it instead`);
    if (i.phase === 'waiting') {
      this.#unlist(i);
    } else {
      for (const agentId of i.offeredTo) {
        const a = this.#agents.get(agentId);
        if (a) this.#release(a, i.id, now);
        this.#batch.cancelled.push({ interactionId: i.id, agentId, why: 'withdrawn' });
      }
      i.offeredTo.clear();
    }
    this.#interactions.delete(i.id);
    for (const c of this.#batch.cancelled) {
      const a = this.#agents.get(c.agentId);
      if (a) this.#matchAgent(a, now);
    }
    return this.#take();
  }

  setPriority(interactionId: string, basePriority: number, _now: number): RouterBatch {
    const i = this.#interaction(interactionId);
    const q = this.#queue(i.queueId);
    const waiting = i.phase === 'waiting';
    if (waiting) this.#unlist(i);
    i.basePriority = basePriority;
    i.priority = this.#effectivePriority(q.config, basePriority, i.vip);
    if (waiting) this.#index(i);
    return this.#take();
  }

  /** Applies a routing escalation step (relax-level, add-skills, add-queue-agents, overflow). */
  escalate(interactionId: string, action: EscalationAction, now: number): RouterBatch {
    const i = this.#interaction(interactionId);
    const waiting = i.phase === 'waiting';
    if (action.kind === 'overflow' || action.kind === 'add-queue-agents') this.#queue(action.queueId);
    if (waiting) this.#unlist(i);
    i.escalationsApplied++;
    switch (action.kind) {
      case 'relax-level':
        i.alternatives = i.alternatives.map((alt) => ({
          members: alt.members,
          skills: alt.skills.map((s) => ({ skillId: s.skillId, minLevel: Math.min(s.minLevel, action.minLevel) })),
        }));
        break;
      case 'add-skills':
        i.alternatives.push({ skills: action.skills, members: null });
        break;
      case 'add-queue-agents':
        i.alternatives.push(this.#baseAlternative(this.#queue(action.queueId), []));
        break;
      case 'overflow': {
        const target = this.#queue(action.queueId);
        i.queueId = action.queueId;
        i.priority = this.#effectivePriority(target.config, i.basePriority, i.vip);
        i.alternatives = [this.#baseAlternative(target, i.skills)];
        break;
      }
      default:
        break; // exits are handled by the service; routing is unchanged
    }
    if (waiting) {
      this.#index(i);
      this.#matchInteraction(i, now);
    }
    return this.#take();
  }

  // ---------------------------------------------------------------- queries

  waitingCount(queueId: string): number {
    return this.#queues.get(queueId)?.waitingCount ?? 0;
  }

  /** 1-based position of a waiting interaction among those of its queue (service order). */
  position(interactionId: string): number {
    const i = this.#interactions.get(interactionId);
    if (!i || i.phase !== 'waiting') return 0;
    let pos = 1;
    for (const other of this.#interactions.values()) {
      if (other !== i && other.phase === 'waiting' && other.queueId === i.queueId && compareService(other, i) < 0) pos++;
    }
    return pos;
  }

  /** Logged-in agents (any presence but logged-out) who match the queue's own requirements. */
  staffed(queueId: string): number {
    const q = this.#queue(queueId);
    const alt = this.#baseAlternative(q, []);
    let n = 0;
    for (const a of this.#candidatesAll(alt)) if (a.presence !== 'logged-out' && this.#matchesAlt(a, alt)) n++;
    return n;
  }

  /** Logged-in agents (any presence but logged-out) who match the queue's own requirements, from the skill/member indexes. */
  queueAgents(queueId: string): Array<Readonly<AgentRec>> {
    const q = this.#queue(queueId);
    const alt = this.#baseAlternative(q, []);
    const out: AgentRec[] = [];
    for (const a of this.#candidatesAll(alt)) if (a.presence !== 'logged-out' && this.#matchesAlt(a, alt)) out.push(a);
    return out;
  }

  /** Whether the agent matches the queue's own requirements (skills, members), whatever its state. */
  servesQueue(agentId: string, queueId: string): boolean {
    const a = this.#agents.get(agentId);
    const q = this.#queues.get(queueId);
    return !!a && !!q && this.#matchesAlt(a, this.#baseAlternative(q, []));
  }

  /** Waiting interactions that no logged-in agent could ever take (for leave-when-empty). */
  isEmptyFor(queueId: string): boolean {
    return this.staffed(queueId) === 0;
  }

  /** Whether the agent meets the interaction's requirements (skills, members, language, not excluded), whatever its load. */
  canServe(agentId: string, interactionId: string): boolean {
    const a = this.#agents.get(agentId);
    const i = this.#interactions.get(interactionId);
    if (!a || !i || i.excluded.has(a.id)) return false;
    if (i.language && !a.languages.has(i.language)) return false;
    return i.alternatives.some((alt) => this.#matchesAlt(a, alt));
  }

  /** Plain, ordered copy of the whole routing state (API snapshot, rebuild checks). */
  snapshot(): RouterSnapshot {
    const agents = [...this.#agents.values()]
      .map((a) => ({
        id: a.id,
        state: a.state,
        presence: a.presence,
        reason: a.reason,
        assignments: [...a.assignments].map(([interactionId, x]) => ({ interactionId, channel: x.channel, phase: x.phase })).sort((x, y) => cmp(x.interactionId, y.interactionId)),
        idleSince: a.idleSince,
        loginAt: a.loginAt,
        handledToday: a.handledToday,
        ronaCount: a.ronaCount,
      }))
      .sort((x, y) => cmp(x.id, y.id));
    const interactions = [...this.#interactions.values()]
      .map((i) => ({
        id: i.id,
        queueId: i.queueId,
        channel: i.channel,
        phase: i.phase,
        priority: i.priority,
        basePriority: i.basePriority,
        vip: i.vip,
        enqueuedAt: i.enqueuedAt,
        offeredTo: [...i.offeredTo].sort(),
        agentId: i.agentId,
        excluded: [...i.excluded].sort(),
        alternatives: i.alternatives.map((alt) => ({ skills: alt.skills, members: alt.members ? [...alt.members] : null })),
        escalationsApplied: i.escalationsApplied,
      }))
      .sort((x, y) => x.enqueuedAt - y.enqueuedAt || cmp(x.id, y.id));
    const queues = [...this.#queues.values()].map((q) => ({ id: q.config.id, waiting: q.waitingCount })).sort((x, y) => cmp(x.id, y.id));
    return { agents, interactions, queues };
  }

  /** Whether `agent` could take `interaction` now (used by tests and the bench). */
  eligible(agentId: string, interactionId: string): boolean {
    const a = this.#agents.get(agentId);
    const i = this.#interactions.get(interactionId);
    return !!a && !!i && this.#eligible(a, i);
  }

  // ---------------------------------------------------------------- replay (rebuild from the log)

  /** Puts an interaction back exactly as logged, without routing it. */
  restoreInteraction(input: NewInteraction, state: { alternatives?: Alternative[]; escalationsApplied?: number; excluded?: string[]; priority?: number }): void {
    const q = this.#queue(input.queueId);
    const rec = this.#newInteraction(q, input, state.priority);
    if (state.alternatives) rec.alternatives = state.alternatives;
    rec.escalationsApplied = state.escalationsApplied ?? 0;
    for (const e of state.excluded ?? []) rec.excluded.add(e);
    this.#interactions.set(rec.id, rec);
    this.#index(rec);
  }

  /** Replays a logged offer (no strategy choice). */
  restoreOffer(interactionId: string, agentId: string): void {
    const i = this.#interaction(interactionId);
    const a = this.#agent(agentId);
    if (i.phase === 'waiting') {
      this.#unlist(i);
      i.phase = 'offered';
    }
    i.offeredTo.add(agentId);
    this.#assign(a, i, 'offered');
  }

  /** Replays a logged connection. */
  restoreConnected(interactionId: string, agentId: string): void {
    const i = this.#interaction(interactionId);
    const a = this.#agent(agentId);
    if (i.phase === 'waiting') this.#unlist(i);
    for (const other of i.offeredTo) {
      const o = this.#agents.get(other);
      if (o && other !== agentId) this.#release(o, i.id, 0);
    }
    i.offeredTo.clear();
    i.phase = 'connected';
    i.agentId = agentId;
    if (a.assignments.has(i.id)) a.assignments.get(i.id)!.phase = 'connected';
    else this.#assign(a, i, 'connected');
  }

  /** Starts a replay: routing is off until `endReplay`. */
  beginReplay(): void {
    this.#replaying = true;
  }

  /** Replays an agent's presence and counters exactly as logged. */
  restoreAgent(
    agentId: string,
    s: { presence: Presence; reason: string | null; idleSince: number; loginAt: number; handledToday: number; ronaCount: number; busyMs: number; busySince: number | null },
  ): void {
    const a = this.#agent(agentId);
    a.presence = s.presence;
    a.reason = s.reason;
    a.idleSince = s.idleSince;
    a.loginAt = s.loginAt;
    a.handledToday = s.handledToday;
    a.ronaCount = s.ronaCount;
    a.busyMs = s.busyMs;
    a.busySince = s.busySince;
    this.#reindex(a);
  }

  /** Ends a replay and routes whatever pairs are possible (normally none). */
  endReplay(now: number): RouterBatch {
    this.#replaying = false;
    for (const a of this.#agents.values()) a.lastState = a.state;
    this.#changed.clear();
    this.#batch = { offers: [], cancelled: [], changedAgents: [] };
    for (const a of this.#agents.values()) this.#matchAgent(a, now);
    return this.#take();
  }

  // ---------------------------------------------------------------- internals

  /** A new interaction record in queue `q`: its effective priority (or `priority` as logged) and the queue's base alternative. */
  #newInteraction(q: QueueRec, input: NewInteraction, priority?: number): InteractionRec {
    const rec = new InteractionRec(
      input.id,
      input.queueId,
      input.channel,
      input.priority,
      input.vip,
      priority ?? this.#effectivePriority(q.config, input.priority, input.vip),
      input.skills,
      input.language,
      input.enqueuedAt,
      this.#seq++,
    );
    rec.alternatives = [this.#baseAlternative(q, input.skills)];
    return rec;
  }

  #agent(id: string): AgentRec {
    const a = this.#agents.get(id);
    if (!a) throw new RouterError('unknown-agent', `agent ${id} does not exist`);
    return a;
  }

  #queue(id: string): QueueRec {
    const q = this.#queues.get(id);
    if (!q) throw new RouterError('unknown-queue', `queue ${id} does not exist`);
    return q;
  }

  #interaction(id: string): InteractionRec {
    const i = this.#interactions.get(id);
    if (!i) throw new RouterError('unknown-interaction', `interaction ${id} is not in any queue`);
    return i;
  }

  #effectivePriority(q: QueueConfig, priority: number, vip: boolean): number {
    return Math.min(100, priority + (vip ? q.settings.vipBoost : 0));
  }

  #baseAlternative(q: QueueRec, extra: SkillRequirement[]): Alternative {
    const bySkill = new Map<string, number>();
    for (const s of [...q.config.settings.skills, ...extra]) bySkill.set(s.skillId, Math.max(bySkill.get(s.skillId) ?? 1, s.minLevel));
    return { skills: [...bySkill].map(([skillId, minLevel]) => ({ skillId, minLevel })), members: q.members };
  }

  #take(): RouterBatch {
    for (const a of this.#changed) {
      const s = a.state;
      if (s !== a.lastState) {
        a.lastState = s;
        this.#batch.changedAgents.push(a.id);
      }
    }
    this.#changed.clear();
    const b = this.#batch;
    this.#batch = { offers: [], cancelled: [], changedAgents: [] };
    return b;
  }

  #setPresence(a: AgentRec, presence: Presence, reason: string | null, now: number): void {
    const wasWorking = a.presence === 'wrap-up';
    a.presence = presence;
    a.reason = reason;
    if (wasWorking && presence !== 'wrap-up' && a.activeCount === 0 && a.busySince !== null) {
      a.busyMs += now - a.busySince;
      a.busySince = null;
    }
    this.#changed.add(a);
    this.#reindex(a);
    if (presence === 'ready') this.#matchAgent(a, now);
  }

  #assign(a: AgentRec, i: InteractionRec, phase: 'offered' | 'connected'): void {
    a.assignments.set(i.id, { channel: i.channel, phase });
    a.counts[i.channel]++;
    this.#changed.add(a);
    this.#reindex(a);
  }

  #release(a: AgentRec, interactionId: string, now: number): void {
    const asg = a.assignments.get(interactionId);
    if (!asg) return;
    a.assignments.delete(interactionId);
    a.counts[asg.channel]--;
    if (a.activeCount === 0) {
      let connectedBefore = asg.phase === 'connected';
      for (const x of a.assignments.values()) if (x.phase === 'connected') connectedBefore = true;
      if (a.busySince !== null && a.presence !== 'wrap-up') {
        a.busyMs += now - a.busySince;
        a.busySince = null;
      }
      if (connectedBefore) a.idleSince = now;
    }
    this.#changed.add(a);
    this.#reindex(a);
  }

  #holdSkills(a: AgentRec, add: boolean): void {
    for (const s of a.skills.keys()) {
      let set = this.#bySkill.get(s);
      if (!set) this.#bySkill.set(s, (set = new Set()));
      if (add) set.add(a);
      else set.delete(a);
    }
  }

  #unindex(a: AgentRec): void {
    for (const ch of a.indexed) {
      const bySkill = this.#offerableBySkill.get(ch)!;
      for (const s of a.skills.keys()) bySkill.get(s)?.delete(a);
    }
    a.indexed.clear();
  }

  #reindex(a: AgentRec): void {
    for (const ch of a.channels) {
      const want = a.offerable(ch);
      const has = a.indexed.has(ch);
      if (want === has) continue;
      const bySkill = this.#offerableBySkill.get(ch)!;
      if (want) {
        for (const s of a.skills.keys()) {
          let set = bySkill.get(s);
          if (!set) bySkill.set(s, (set = new Set()));
          set.add(a);
        }
        a.indexed.add(ch);
      } else {
        for (const s of a.skills.keys()) bySkill.get(s)?.delete(a);
        a.indexed.delete(ch);
      }
    }
  }

  #keysFor(i: InteractionRec): string[] {
    const keys = new Set<string>();
    for (const alt of i.alternatives) keys.add(alt.skills.length ? alt.skills[0]!.skillId : ANY);
    return [...keys];
  }

  #index(i: InteractionRec): void {
    const q = this.#queues.get(i.queueId);
    if (q) q.waitingCount++;
    i.keys = this.#keysFor(i);
    const byKey = this.#waiting.get(i.channel)!;
    for (const k of i.keys) {
      let list = byKey.get(k);
      if (!list) byKey.set(k, (list = []));
      list.splice(lowerBound(list, i), 0, i);
    }
  }

  #unlist(i: InteractionRec): void {
    const byKey = this.#waiting.get(i.channel)!;
    for (const k of i.keys) {
      const list = byKey.get(k);
      if (!list) continue;
      const at = lowerBound(list, i);
      if (list[at] === i) list.splice(at, 1);
      if (list.length === 0) byKey.delete(k);
    }
    i.keys = [];
    const q = this.#queues.get(i.queueId);
    if (q) q.waitingCount--;
  }

  #matchesAlt(a: AgentRec, alt: Alternative): boolean {
    if (alt.members && !alt.members.has(a.id)) return false;
    for (const s of alt.skills) {
      const level = a.skills.get(s.skillId);
      if (level === undefined || level < s.minLevel) return false;
    }
    return true;
  }

  #eligible(a: AgentRec, i: InteractionRec): boolean {
    if (i.excluded.has(a.id) || i.offeredTo.has(a.id)) return false;
    if (!a.offerable(i.channel)) return false;
    if (i.language && !a.languages.has(i.language)) return false;
    for (const alt of i.alternatives) if (this.#matchesAlt(a, alt)) return true;
    return false;
  }

  /** Smallest set of offerable agents that contains every agent matching `alt` on `channel`. */
  #candidates(alt: Alternative, channel: Channel): Iterable<AgentRec> {
    const bySkill = this.#offerableBySkill.get(channel)!;
    // A requirement with neither skills nor members (a catch-all queue) is the one case that looks at every agent.
    let best: Iterable<AgentRec> = this.#agents.values();
    let size = Number.MAX_SAFE_INTEGER;
    for (const s of alt.skills) {
      const set = bySkill.get(s.skillId);
      if (!set) return [];
      if (set.size < size) {
        best = set;
        size = set.size;
      }
    }
    if (alt.members && alt.members.size < size) {
      const list: AgentRec[] = [];
      for (const m of alt.members) {
        const a = this.#agents.get(m);
        if (a) list.push(a);
      }
      best = list;
    }
    return best;
  }

  /** Every agent (any state) that could match `alt`: members or holders of its first skill. */
  #candidatesAll(alt: Alternative): Iterable<AgentRec> {
    if (alt.members) return [...alt.members].map((m) => this.#agents.get(m)).filter((a): a is AgentRec => !!a);
    const first = alt.skills[0];
    if (first) return this.#bySkill.get(first.skillId) ?? [];
    return this.#agents.values();
  }

  /** A new/requeued/escalated interaction: pick agent(s) by the queue's strategy. */
  #matchInteraction(i: InteractionRec, now: number): void {
    if (i.phase !== 'waiting' || this.#replaying) return;
    this.decisions++;
    const q = this.#queue(i.queueId);
    const strategy: Strategy = q.config.strategy;
    const pool: AgentRec[] = [];
    if (i.alternatives.length === 1) {
      for (const a of this.#candidates(i.alternatives[0]!, i.channel)) if (this.#eligible(a, i)) pool.push(a);
    } else {
      const seen = new Set<AgentRec>();
      for (const alt of i.alternatives) {
        for (const a of this.#candidates(alt, i.channel)) {
          if (seen.has(a)) continue;
          seen.add(a);
          if (this.#eligible(a, i)) pool.push(a);
        }
      }
    }
    if (pool.length === 0) return;
    if (strategy === 'ring-all' && i.channel === 'voice') {
      this.#offer(i, pool);
      return;
    }
    this.#offer(i, [this.#pick(q, i, pool, now)]);
  }

  #pick(q: QueueRec, i: InteractionRec, pool: AgentRec[], now: number): AgentRec {
    let best = pool[0]!;
    switch (q.config.strategy) {
      case 'least-occupied':
        return minBy(pool, (a) => a.occupancy(now), (a) => a.idleSince);
      case 'fewest-today':
        return minBy(pool, (a) => a.handledToday, (a) => a.idleSince);
      case 'round-robin': {
        let after: AgentRec | null = null;
        for (const a of pool) {
          if (a.ordinal < best.ordinal) best = a;
          if (a.ordinal > q.rrCursor && (!after || a.ordinal < after.ordinal)) after = a;
        }
        const chosen = after ?? best;
        q.rrCursor = chosen.ordinal;
        return chosen;
      }
      case 'top-down':
        return minBy(pool, (a) => q.position.get(a.id) ?? Number.MAX_SAFE_INTEGER, (a) => a.ordinal);
      case 'best-skill-match': {
        const skills = i.alternatives[0]?.skills ?? [];
        return minBy(pool, (a) => -skills.reduce((sum, s) => sum + (a.skills.get(s.skillId) ?? 0), 0), (a) => a.idleSince);
      }
      default:
        return minBy(pool, (a) => a.idleSince, (a) => a.ordinal);
    }
  }

  #offer(i: InteractionRec, agents: AgentRec[]): void {
    this.#unlist(i);
    i.phase = 'offered';
    for (const a of agents) {
      i.offeredTo.add(a.id);
      this.#assign(a, i, 'offered');
    }
    this.#batch.offers.push({ interactionId: i.id, queueId: i.queueId, channel: i.channel, agentIds: agents.map((a) => a.id) });
  }

  /** An agent became (more) available: give it the best waiting interaction it can take, repeatedly. */
  #matchAgent(a: AgentRec, _now: number): void {
    if (this.#replaying) return;
    for (;;) {
      if (a.indexed.size === 0) return;
      this.decisions++;
      let best: InteractionRec | null = null;
      const scan = (list: InteractionRec[] | undefined): void => {
        if (!list) return;
        for (const i of list) {
          if (best && compareService(i, best) >= 0) return;
          if (this.#eligible(a, i)) {
            best = i;
            return;
          }
        }
      };
      for (const ch of a.indexed) {
        const byKey = this.#waiting.get(ch)!;
        if (byKey.size === 0) continue;
        for (const s of a.skills.keys()) scan(byKey.get(s));
        scan(byKey.get(ANY));
      }
      if (!best) return;
      const chosen: InteractionRec = best;
      const q = this.#queue(chosen.queueId);
      if (q.config.strategy === 'round-robin') q.rrCursor = a.ordinal;
      this.#offer(chosen, [a]);
    }
  }
}

function lowerBound(list: InteractionRec[], x: InteractionRec): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareService(list[mid]!, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function minBy<T>(items: T[], key: (t: T) => number, tie: (t: T) => number): T {
  let best = items[0]!;
  let bk = key(best);
  let bt = tie(best);
  for (let n = 1; n < items.length; n++) {
    const it = items[n]!;
    const k = key(it);
    if (k < bk || (k === bk && tie(it) < bt)) {
      best = it;
      bk = k;
      bt = tie(it);
    }
  }
  return best;
}
