import type { Knex } from 'knex';

/** API keys, the audit log of every change, webhook subscriptions and their outbox. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('role').notNullable(); // admin | supervisor | campaign-manager | agent | read-only
    /** For role `agent`: the agent this key acts as (own state and interactions only). */
    t.text('agent_id');
    /** scrypt$N$r$p$salt$hash — the secret itself is never stored. */
    t.text('secret_hash').notNullable();
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
  });
  await knex.raw(
    "alter table api_keys add constraint api_keys_role check (role in ('admin','supervisor','campaign-manager','agent','read-only'))",
  );

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('key_id'); // null for the bootstrap key
    t.text('key_name');
    t.text('role');
    t.text('method').notNullable();
    t.text('path').notNullable();
    t.integer('status').notNullable();
    t.text('ip');
    /** Request body with secrets removed. */
    t.jsonb('body');
    t.index(['at']);
  });

  await knex.schema.createTable('webhook_subscriptions', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('url').notNullable();
    t.specificType('event_types', 'text[]').notNullable();
    /** HMAC-SHA256 signing secret (needed in clear to sign; shown once on creation). */
    t.text('secret').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  /** One row per (event, subscription); written in the same transaction as the event. */
  await knex.schema.createTable('webhook_outbox', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('subscription_id').notNullable().references('webhook_subscriptions.id').onDelete('CASCADE');
    t.uuid('event_id').notNullable();
    t.text('event_type').notNullable();
    t.jsonb('payload').notNullable();
    t.text('status').notNullable().defaultTo('pending'); // pending | delivered | dead
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true });
    t.unique(['subscription_id', 'event_id']);
  });
  await knex.raw("create index webhook_outbox_pending on webhook_outbox (subscription_id, id) where status = 'pending'");
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['webhook_outbox', 'webhook_subscriptions', 'audit_log', 'api_keys']) {
    await knex.schema.dropTableIfExists(table);
  }
}
