/**
 * Configuration changes that must reach both PostgreSQL and the in-memory router, in that
 * order: validate everything first, write the database, then apply in memory. A rejected
 * request (bad input, unknown reference, conflicting state) changes neither.
 */
import type { Knex } from 'knex';
import { AgentRepository } from '../store/repositories/agents.js';
import { QueueRepository } from '../store/repositories/queues.js';
import { ReasonCodeRepository } from '../store/repositories/reasonCodes.js';
import { SkillRepository } from '../store/repositories/skills.js';
import { CustomerRepository } from '../store/repositories/customers.js';
import { AcdIntervalRepository } from '../store/repositories/acdIntervals.js';
import { AcdError, type Acd, type AcdEvents } from './Acd.js';
import type { AgentConfig, QueueConfig, ReasonCode, SkillConfig } from './AcdTypes.js';

export class AcdAdmin {
  readonly skills: SkillRepository;
  readonly queues: QueueRepository;
  readonly agents: AgentRepository;
  readonly reasonCodes: ReasonCodeRepository;
  readonly customers: CustomerRepository;
  readonly intervals: AcdIntervalRepository;

  constructor(
    readonly acd: Acd,
    db: Knex,
  ) {
    this.skills = new SkillRepository(db);
    this.queues = new QueueRepository(db);
    this.agents = new AgentRepository(db);
    this.reasonCodes = new ReasonCodeRepository(db);
    this.customers = new CustomerRepository(db);
    this.intervals = new AcdIntervalRepository(db);
  }

  async putSkill(skill: SkillConfig): Promise<void> {
    await this.skills.upsert(skill);
  }

  async deleteSkill(id: string): Promise<void> {
    if (!(await this.skills.get(id))) throw new AcdError('not-found', `skill ${id} does not exist`);
    for (const a of this.acd.router.agents()) {
      if (a.skills.has(id) && a.presence !== 'logged-out') throw new AcdError('conflict', `agent ${a.id} is logged in with skill ${id}; log them out or remove the skill first`);
    }
    for (const q of this.acd.router.queues()) {
      if (q.settings.skills.some((s) => s.skillId === id)) throw new AcdError('conflict', `queue ${q.id} requires skill ${id}`);
    }
    await this.skills.remove(id);
    for (const a of [...this.acd.router.agents()]) {
      if (a.skills.has(id)) {
        const skills = { ...a.config.skills };
        delete skills[id];
        this.acd.upsertAgent({ ...a.config, skills });
      }
    }
  }

  async putQueue(q: QueueConfig, mode: 'create' | 'replace'): Promise<void> {
    const exists = this.acd.router.hasQueue(q.id);
    if (mode === 'create' && exists) throw new AcdError('conflict', `queue ${q.id} already exists`, 'id');
    if (mode === 'replace' && !exists) throw new AcdError('not-found', `queue ${q.id} does not exist`);
    await this.#checkSkills(q.settings.skills.map((s) => s.skillId), 'settings.skills');
    q.settings.escalation.forEach((step, n) => {
      const a = step.action;
      if ((a.kind === 'overflow' || a.kind === 'add-queue-agents') && a.queueId !== q.id && !this.acd.router.hasQueue(a.queueId)) {
        throw new AcdError('invalid', `queue ${a.queueId} does not exist`, `settings.escalation.${n}.action.queueId`);
      }
    });
    for (const [field, a] of [['settings.maxWaitAction', q.settings.maxWaitAction], ['settings.fullAction', q.settings.fullAction]] as const) {
      if (a.kind === 'overflow' && !this.acd.router.hasQueue(a.queueId)) throw new AcdError('invalid', `queue ${a.queueId} does not exist`, `${field}.queueId`);
    }
    for (const m of q.settings.members) if (!this.acd.router.hasAgent(m)) throw new AcdError('invalid', `agent ${m} does not exist`, 'settings.members');
    await this.queues.upsert(q);
    this.acd.upsertQueue(q);
  }

  async deleteQueue(id: string): Promise<void> {
    if (!this.acd.router.hasQueue(id)) throw new AcdError('not-found', `queue ${id} does not exist`);
    for (const i of this.acd.router.interactions()) if (i.queueId === id) throw new AcdError('conflict', `queue ${id} still has interactions`);
    for (const q of this.acd.router.queues()) {
      if (q.id !== id && q.settings.escalation.some((s) => 'queueId' in s.action && s.action.queueId === id)) throw new AcdError('conflict', `queue ${q.id} escalates to ${id}`);
    }
    await this.queues.remove(id);
    this.acd.removeQueue(id);
  }

  async putAgent(a: AgentConfig, mode: 'create' | 'replace'): Promise<void> {
    const exists = this.acd.router.hasAgent(a.id);
    if (mode === 'create' && exists) throw new AcdError('conflict', `agent ${a.id} already exists`, 'id');
    if (mode === 'replace' && !exists) throw new AcdError('not-found', `agent ${a.id} does not exist`);
    await this.#checkSkills(Object.keys(a.skills), 'skills');
    if (a.sipUser) {
      for (const other of this.acd.router.agents()) {
        if (other.id !== a.id && other.config.sipUser === a.sipUser) throw new AcdError('conflict', `SIP user ${a.sipUser} belongs to agent ${other.id}`, 'sipUser');
      }
    }
    if (exists) {
      const cur = this.acd.router.agent(a.id);
      for (const [ch, n] of Object.entries(cur.counts)) {
        if (n > a.capacity[ch as keyof AgentConfig['capacity']]) throw new AcdError('conflict', `agent ${a.id} now holds ${n} ${ch} interaction(s), more than the new capacity`, `capacity.${ch}`);
      }
    }
    await this.agents.upsert(a);
    this.acd.upsertAgent(a);
  }

  async deleteAgent(id: string): Promise<void> {
    if (!this.acd.router.hasAgent(id)) throw new AcdError('not-found', `agent ${id} does not exist`);
    if (this.acd.router.agent(id).presence !== 'logged-out') throw new AcdError('conflict', `agent ${id} is logged in; log them out first`);
    for (const q of this.acd.router.queues()) if (q.settings.members.includes(id)) throw new AcdError('conflict', `agent ${id} is a member of queue ${q.id}`);
    await this.agents.remove(id);
    this.acd.removeAgent(id);
  }

  async putReasonCode(code: ReasonCode): Promise<void> {
    await this.reasonCodes.upsert(code);
    this.acd.setReasonCodes(await this.reasonCodes.list());
  }

  async deleteReasonCode(id: string): Promise<void> {
    if (!this.acd.reasonCodes().some((r) => r.id === id)) throw new AcdError('not-found', `reason code ${id} does not exist`);
    for (const a of this.acd.router.agents()) if (a.presence === 'not-ready' && a.reason === id) throw new AcdError('conflict', `agent ${a.id} is not-ready with reason ${id}`);
    if (!(await this.reasonCodes.remove(id))) throw new AcdError('conflict', `reason code ${id} is built in`);
    this.acd.setReasonCodes(await this.reasonCodes.list());
  }

  async #checkSkills(ids: string[], field: string): Promise<void> {
    const found = await this.skills.existing(ids);
    const missing = ids.filter((s) => !found.has(s));
    if (missing.length) throw new AcdError('invalid', `unknown skill(s): ${missing.join(', ')}`, field);
  }
}

/** Saves each closed 15-minute interval (queue and agent rows). Returns a detach function. */
export function persistIntervals(acd: Acd, repo: AcdIntervalRepository, onError: (err: Error) => void): () => void {
  const handler = (e: AcdEvents['interval'][0]): void => {
    void (async () => {
      for (const q of e.queues) await repo.saveQueue(q.queueId, e.start, q.stats);
      for (const a of e.agents) if (a.handled || Object.entries(a.stateMs).some(([state, ms]) => state !== 'logged-out' && ms > 0)) await repo.saveAgent(e.start, a);
    })().catch((err: Error) => onError(err));
  };
  acd.on('interval', handler);
  return () => acd.off('interval', handler);
}
