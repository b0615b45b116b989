/**
 * Integration tests run against the real PostgreSQL server named by TEST_DATABASE_URL
 * (make test sets it). Each suite gets its own schema, migrated from scratch and dropped
 * afterwards, so suites can run in parallel and leave nothing behind.
 */
import { randomBytes } from 'node:crypto';
import { migrateLatest, openDatabase, type Db } from '../../src/store/db.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDb {
  db: Db;
  schema: string;
  drop(): Promise<void>;
}

export async function createTestDb(prefix = 't'): Promise<TestDb> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ kind: 'postgres', url: TEST_DATABASE_URL }, { schema, poolMax: 4 });
  await migrateLatest(db, schema);
  return {
    db,
    schema,
    async drop() {
      await db.raw('drop schema if exists ?? cascade', [schema]);
      await db.destroy();
    },
  };
}

/** An in-memory PGlite database with every migration applied. */
export async function createPgliteDb(): Promise<Db> {
  const db = await openDatabase({ kind: 'pglite', dir: null });
  await migrateLatest(db);
  return db;
}
