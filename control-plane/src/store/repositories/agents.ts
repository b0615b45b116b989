/** Agents with their skills (agent_skills), languages, per-channel capacity and mixing rule. */
import type { Knex } from 'knex';
import { agentSchema, type AgentConfig } from '../../acd/AcdTypes.js';

interface Row {
  id: string;
  name: string;
  sip_user: string | null;
  languages: string[];
  capacity: unknown;
  settings: unknown;
}

const json = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? JSON.parse(v) : (v as Record<string, unknown>)) ?? {};

export class AgentRepository {
  constructor(private readonly db: Knex) {}

  async list(): Promise<AgentConfig[]> {
    const rows: Row[] = await this.db('agents').select('id', 'name', 'sip_user', 'languages', 'capacity', 'settings').orderBy('id');
    const skills: Array<{ agent_id: string; skill_id: string; level: number }> = await this.db('agent_skills').select('agent_id', 'skill_id', 'level');
    const byAgent = new Map<string, Record<string, number>>();
    for (const s of skills) {
      let m = byAgent.get(s.agent_id);
      if (!m) byAgent.set(s.agent_id, (m = {}));
      m[s.skill_id] = s.level;
    }
    return rows.map((r) => this.#fromRow(r, byAgent.get(r.id) ?? {}));
  }

  async get(id: string): Promise<AgentConfig | null> {
    const r: Row | undefined = await this.db('agents').where({ id }).first('id', 'name', 'sip_user', 'languages', 'capacity', 'settings');
    if (!r) return null;
    const skills: Array<{ skill_id: string; level: number }> = await this.db('agent_skills').where({ agent_id: id }).select('skill_id', 'level');
    return this.#fromRow(r, Object.fromEntries(skills.map((s) => [s.skill_id, s.level])));
  }

  /** Writes the agent and replaces its skills, in one transaction. */
  async upsert(a: AgentConfig): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('agents')
        .insert({
          id: a.id,
          name: a.name,
          sip_user: a.sipUser,
          languages: a.languages,
          capacity: JSON.stringify(a.capacity),
          settings: JSON.stringify({ nonVoiceWhileVoice: a.nonVoiceWhileVoice }),
          updated_at: trx.fn.now(),
        })
        .onConflict('id')
        .merge(['name', 'sip_user', 'languages', 'capacity', 'settings', 'updated_at']);
      await trx('agent_skills').where({ agent_id: a.id }).delete();
      const rows = Object.entries(a.skills).map(([skill_id, level]) => ({ agent_id: a.id, skill_id, level }));
      if (rows.length) await trx('agent_skills').insert(rows);
    });
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db('agents').where({ id }).delete()) > 0;
  }

  #fromRow(r: Row, skills: Record<string, number>): AgentConfig {
    const settings = json(r.settings);
    return agentSchema.parse({
      id: r.id,
      name: r.name,
      sipUser: r.sip_user,
      languages: r.languages ?? [],
      skills,
      capacity: json(r.capacity),
      nonVoiceWhileVoice: typeof settings.nonVoiceWhileVoice === 'number' ? settings.nonVoiceWhileVoice : 0,
    });
  }
}
