import { strict as assert } from 'node:assert';
import { createPgliteDb, createTestDb } from '../../helpers/db.js';
import { migrateLatest, openDatabase, DatabaseError } from '../../../src/store/db.js';

const TABLES = ['agents', 'queues', 'skills', 'agent_skills', 'interactions', 'interaction_events', 'agent_state_events'];

async function tablesIn(db: import('knex').Knex, schema: string): Promise<string[]> {
  const rows = await db('information_schema.tables').where({ table_schema: schema }).select('table_name');
  return rows.map((r: { table_name: string }) => r.table_name).sort();
}

describe('migrations', () => {
  it('apply on a real PostgreSQL server in a fresh schema', async () => {
    const t = await createTestDb('mig');
    try {
      const tables = await tablesIn(t.db, t.schema);
      for (const name of TABLES) assert.ok(tables.includes(name), `missing table ${name}: ${tables.join(',')}`);
      // Re-running is a no-op.
      assert.deepEqual(await migrateLatest(t.db, t.schema), []);
    } finally {
      await t.drop();
    }
  });

  it('apply on embedded PGlite with the same migration set', async () => {
    const db = await createPgliteDb();
    try {
      const tables = await tablesIn(db, 'public');
      for (const name of TABLES) assert.ok(tables.includes(name), `missing table ${name}`);
    } finally {
      await db.destroy();
    }
  });

  it('enforce the skill level range in the database', async () => {
    const db = await createPgliteDb();
    try {
      await db('agents').insert({ id: 'a1', name: 'Ann' });
      await db('skills').insert({ id: 'sales', name: 'Sales' });
      await assert.rejects(db('agent_skills').insert({ agent_id: 'a1', skill_id: 'sales', level: 11 }), /agent_skills_level_range/);
    } finally {
      await db.destroy();
    }
  });

  it('an unreachable server gives one clear error naming the redacted URL', async () => {
    await assert.rejects(
      openDatabase({ kind: 'postgres', url: 'postgres://u:hunter2@127.0.0.1:1/nope' }),
      (err: unknown) => err instanceof DatabaseError && /cannot reach the database \(postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/nope\)/.test(err.message) && !/hunter2/.test(err.message),
    );
  });
});
