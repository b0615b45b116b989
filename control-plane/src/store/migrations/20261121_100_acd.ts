import type { Knex } from 'knex';

/** ACD: reason codes, and statistics persisted per 15-minute interval per queue and per agent. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reason_codes', (t) => {
    t.text('id').primary();
    t.text('label').notNullable();
    t.boolean('productive').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  /** One row per queue per 15-minute interval of queue entry (see docs/acd.md for the formulas). */
  await knex.schema.createTable('acd_queue_intervals', (t) => {
    t.text('queue_id').notNullable();
    t.timestamp('interval_start', { useTz: true }).notNullable();
    t.integer('offered').notNullable();
    t.integer('answered').notNullable();
    t.integer('answered_within_threshold').notNullable();
    t.integer('abandoned').notNullable();
    t.integer('short_abandoned').notNullable();
    t.integer('exited').notNullable();
    t.double('service_level');
    t.double('abandon_rate');
    t.double('asa_ms');
    t.double('aht_ms');
    t.double('max_answered_wait_ms');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['queue_id', 'interval_start']);
  });

  await knex.schema.createTable('acd_agent_intervals', (t) => {
    t.text('agent_id').notNullable();
    t.timestamp('interval_start', { useTz: true }).notNullable();
    t.integer('handled').notNullable();
    t.bigInteger('talk_ms').notNullable();
    t.bigInteger('wrap_ms').notNullable();
    /** Milliseconds in each agent state during the interval. */
    t.jsonb('state_ms').notNullable().defaultTo('{}');
    t.double('occupancy');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['agent_id', 'interval_start']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['acd_agent_intervals', 'acd_queue_intervals', 'reason_codes']) await knex.schema.dropTableIfExists(table);
}
