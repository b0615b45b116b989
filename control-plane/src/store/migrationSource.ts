/**
 * Migrations are the files in ./migrations named `<yyyymmdd>_<nnn>_<what>.ts`, applied in
 * name order. Each exports `up(knex)` and `down(knex)`; knex runs each in a transaction, so
 * a failing migration leaves nothing half-written.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return readdirSync(dir)
      .filter((f) => /^\d{8}_\d{3}_[a-z0-9_]+\.ts$/.test(f))
      .sort();
  },
  getMigrationName(name) {
    return name.replace(/\.ts$/, '');
  },
  async getMigration(name) {
    return (await import(pathToFileURL(join(dir, name)).href)) as MigrationModule;
  },
};
