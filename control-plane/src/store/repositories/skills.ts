/** Skills (the catalogue agents' proficiencies and queue requirements refer to). */
import type { Knex } from 'knex';
import { skillSchema, type SkillConfig } from '../../acd/AcdTypes.js';

export class SkillRepository {
  constructor(private readonly db: Knex) {}

  async list(): Promise<SkillConfig[]> {
    const rows = await this.db('skills').select('id', 'name').orderBy('id');
    return rows.map((r: SkillConfig) => skillSchema.parse(r));
  }

  async get(id: string): Promise<SkillConfig | null> {
    const r = await this.db('skills').where({ id }).first('id', 'name');
    return r ? skillSchema.parse(r) : null;
  }

  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db('skills').whereIn('id', ids).select('id');
    return new Set(rows.map((r: { id: string }) => r.id));
  }

  async upsert(skill: SkillConfig): Promise<void> {
    await this.db('skills').insert({ id: skill.id, name: skill.name }).onConflict('id').merge(['name']);
  }

  /** Deletes the skill and (by cascade) agents' proficiencies in it. */
  async remove(id: string): Promise<boolean> {
    return (await this.db('skills').where({ id }).delete()) > 0;
  }
}
