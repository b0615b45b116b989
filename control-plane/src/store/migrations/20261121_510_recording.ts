import type { Knex } from 'knex';

/** Recording policies, recordings' metadata and an access log of every download. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recording_policies', (t) => {
    t.bigIncrements('id').primary();
    t.text('scope').notNullable(); // queue | campaign
    t.text('scope_id').notNullable();
    t.text('mode').notNullable(); // all | none | percentage
    t.integer('percentage').notNullable().defaultTo(100);
    t.boolean('stereo').notNullable().defaultTo(true);
    t.text('format').notNullable().defaultTo('wav');
    t.text('naming_template').notNullable();
    t.integer('retention_days'); // null: keep forever
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['scope', 'scope_id']);
  });
  await knex.raw("alter table recording_policies add constraint recording_policies_scope check (scope in ('queue','campaign'))");
  await knex.raw("alter table recording_policies add constraint recording_policies_mode check (mode in ('all','none','percentage'))");
  await knex.raw('alter table recording_policies add constraint recording_policies_pct check (percentage between 0 and 100)');

  await knex.schema.createTable('recordings', (t) => {
    t.uuid('id').primary();
    t.uuid('interaction_id').notNullable();
    t.text('agent_id');
    t.text('queue_id');
    t.text('campaign_id');
    t.text('caller_number');
    t.text('disposition');
    /** Key in the recording storage (relative path for the local disk). */
    t.text('storage_key').notNullable().unique();
    t.text('format').notNullable();
    t.boolean('stereo').notNullable();
    t.text('status').notNullable().defaultTo('recording'); // recording | complete | failed
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.integer('duration_ms');
    t.bigInteger('size_bytes');
    t.text('sha256');
    /** Spans (ms from start) silenced for card payments. */
    t.jsonb('paused_spans').notNullable().defaultTo('[]');
    t.boolean('legal_hold').notNullable().defaultTo(false);
    t.timestamp('expires_at', { useTz: true });
    t.index(['started_at']);
    t.index(['interaction_id']);
    t.index(['agent_id', 'started_at']);
    t.index(['queue_id', 'started_at']);
  });

  await knex.schema.createTable('recording_access', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('recording_id').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('key_id');
    t.text('key_name');
    t.text('action').notNullable(); // download | pause | resume | legal-hold | delete
    t.text('range');
    t.text('ip');
    t.index(['recording_id', 'at']);
  });

  /** What the retention job deleted, so every deletion can be explained afterwards. */
  await knex.schema.createTable('recording_deletions', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('recording_id').notNullable();
    t.uuid('interaction_id').notNullable();
    t.text('storage_key').notNullable();
    t.timestamp('expired_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('reason').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['recording_deletions', 'recording_access', 'recordings', 'recording_policies']) {
    await knex.schema.dropTableIfExists(table);
  }
}
