/**
 * Database access: knex over PostgreSQL (`pg`) when DATABASE_URL is set, or over the
 * embedded PGlite (same SQL dialect, same migrations) when it is not.
 */
import { mkdirSync } from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import type { DatabaseConfig } from '../config.js';
import { migrationSource } from './migrationSource.js';

export type Db = Knex;

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
}

export interface OpenOptions {
  /** PostgreSQL schema to use (tests give each suite its own). Created if missing. */
  schema?: string;
  poolMax?: number;
}

export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Db> {
  let db: Knex;
  if (config.kind === 'postgres') {
    db = knexFactory({
      client: 'pg',
      connection: config.url,
      searchPath: options.schema ? [options.schema, 'public'] : undefined,
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 10_000,
    });
  } else {
    if (config.dir) mkdirSync(config.dir, { recursive: true });
    db = knexFactory({
      client: ClientPgLite,
      dialect: 'postgres',
      connection: config.dir ? { filename: config.dir } : {},
    } as Knex.Config);
  }
  try {
    await db.raw('select 1');
    if (options.schema) await db.raw('create schema if not exists ??', [options.schema]);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    const where = config.kind === 'postgres' ? redactUrl(config.url) : `PGlite at ${config.dir ?? 'memory'}`;
    throw new DatabaseError(`cannot reach the database (${where}): ${(err as Error).message}`);
  }
  return db;
}

/** Applies every pending migration, each in its own transaction. */
export async function migrateLatest(db: Db, schema?: string): Promise<string[]> {
  try {
    const [, applied] = (await db.migrate.latest({
      migrationSource,
      schemaName: schema,
      disableMigrationsListValidation: false,
    })) as [number, string[]];
    return applied;
  } catch (err) {
    throw new DatabaseError(`migration failed: ${(err as Error).message}`);
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}
