/** Not-ready reason codes (break, lunch, training…). */
import type { Knex } from 'knex';
import { reasonCodeSchema, type ReasonCode } from '../../acd/AcdTypes.js';

export class ReasonCodeRepository {
  constructor(private readonly db: Knex) {}

  async list(): Promise<ReasonCode[]> {
    const rows = await this.db('reason_codes').select('id', 'label', 'productive').orderBy('id');
    return rows.map((r: ReasonCode) => reasonCodeSchema.parse(r));
  }

  async upsert(code: ReasonCode): Promise<void> {
    await this.db('reason_codes').insert(code).onConflict('id').merge(['label', 'productive']);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db('reason_codes').where({ id }).delete()) > 0;
  }
}
