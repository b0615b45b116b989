import type { Knex } from 'knex';

/** CDRs and 15-minute interval tables, derived from the event logs (rebuildable). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cdrs', (t) => {
    t.uuid('interaction_id').primary();
    t.text('channel');
    t.text('direction');
    t.text('caller_number');
    t.text('dialled_number');
    t.text('queue_id');
    t.text('campaign_id');
    t.text('agent_id');
    t.timestamp('arrived_at', { useTz: true }).notNullable();
    t.timestamp('ivr_ended_at', { useTz: true });
    t.timestamp('queued_at', { useTz: true });
    t.timestamp('offered_at', { useTz: true });
    t.timestamp('answered_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.timestamp('wrapup_ended_at', { useTz: true });
    t.integer('wait_ms');
    t.integer('talk_ms');
    t.integer('hold_ms');
    t.integer('wrapup_ms');
    t.text('outcome');
    t.text('hangup_side');
    t.text('hangup_cause');
    t.uuid('recording_id');
    t.specificType('flow_path', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['arrived_at']);
    t.index(['queue_id', 'arrived_at']);
    t.index(['agent_id', 'arrived_at']);
  });

  const metrics = (t: Knex.CreateTableBuilder): void => {
    t.timestamp('interval_start', { useTz: true }).notNullable();
    t.integer('offered').notNullable().defaultTo(0);
    t.integer('answered').notNullable().defaultTo(0);
    t.integer('answered_in_sl').notNullable().defaultTo(0);
    t.integer('abandoned').notNullable().defaultTo(0);
    t.integer('short_abandoned').notNullable().defaultTo(0);
    t.bigInteger('answer_wait_ms').notNullable().defaultTo(0);
    t.bigInteger('talk_ms').notNullable().defaultTo(0);
    t.bigInteger('hold_ms').notNullable().defaultTo(0);
    t.bigInteger('wrapup_ms').notNullable().defaultTo(0);
  };
  await knex.schema.createTable('interval_queue', (t) => {
    t.text('queue_id').notNullable();
    metrics(t);
    t.primary(['queue_id', 'interval_start']);
  });
  await knex.schema.createTable('interval_campaign', (t) => {
    t.text('campaign_id').notNullable();
    metrics(t);
    t.primary(['campaign_id', 'interval_start']);
  });
  await knex.schema.createTable('interval_agent', (t) => {
    t.text('agent_id').notNullable();
    metrics(t);
    t.bigInteger('ready_ms').notNullable().defaultTo(0);
    t.bigInteger('busy_ms').notNullable().defaultTo(0); // reserved + busy + wrap-up
    t.bigInteger('not_ready_ms').notNullable().defaultTo(0);
    t.jsonb('not_ready_by_reason').notNullable().defaultTo('{}');
    t.primary(['agent_id', 'interval_start']);
  });

  /** How far the incremental fill has read each log. */
  await knex.schema.createTable('reporting_cursor', (t) => {
    t.text('name').primary();
    t.bigInteger('last_id').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['reporting_cursor', 'interval_agent', 'interval_campaign', 'interval_queue', 'cdrs']) {
    await knex.schema.dropTableIfExists(table);
  }
}
