/** Queues: strategy plus every other setting (SL, wrap-up, escalation…) in `settings`. */
import type { Knex } from 'knex';
import { queueSchema, type QueueConfig } from '../../acd/AcdTypes.js';

interface Row {
  id: string;
  name: string;
  strategy: string;
  settings: unknown;
}

function fromRow(r: Row): QueueConfig {
  return queueSchema.parse({ id: r.id, name: r.name, strategy: r.strategy, settings: typeof r.settings === 'string' ? JSON.parse(r.settings) : r.settings });
}

export class QueueRepository {
  constructor(private readonly db: Knex) {}

  async list(): Promise<QueueConfig[]> {
    return (await this.db('queues').select('id', 'name', 'strategy', 'settings').orderBy('id')).map(fromRow);
  }

  async get(id: string): Promise<QueueConfig | null> {
    const r = await this.db('queues').where({ id }).first('id', 'name', 'strategy', 'settings');
    return r ? fromRow(r) : null;
  }

  async upsert(q: QueueConfig): Promise<void> {
    await this.db('queues')
      .insert({ id: q.id, name: q.name, strategy: q.strategy, settings: JSON.stringify(q.settings), updated_at: this.db.fn.now() })
      .onConflict('id')
      .merge(['name', 'strategy', 'settings', 'updated_at']);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.db('queues').where({ id }).delete()) > 0;
  }
}
