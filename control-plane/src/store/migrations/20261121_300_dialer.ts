import type { Knex } from 'knex';

/** Outbound dialer: campaigns, lead lists and leads, do-not-call numbers, and every dial attempt. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dialer_campaigns', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('state').notNullable().defaultTo('draft'); // draft | running | paused | stopped | finished
    t.jsonb('config').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('dialer_lists', (t) => {
    t.uuid('id').primary();
    t.text('campaign_id').notNullable().references('dialer_campaigns.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.integer('rows_read').notNullable();
    t.integer('imported').notNullable();
    t.integer('rejected').notNullable();
    /** The first rejected rows (row, column, reason), for people who come back later. */
    t.jsonb('rejects_sample').notNullable().defaultTo('[]');
    t.timestamp('imported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('dialer_leads', (t) => {
    t.bigIncrements('id').primary();
    t.text('campaign_id').notNullable().references('dialer_campaigns.id').onDelete('CASCADE');
    t.uuid('list_id').notNullable().references('dialer_lists.id').onDelete('CASCADE');
    t.text('phone').notNullable(); // E.164
    t.text('time_zone').notNullable(); // IANA
    t.text('external_id');
    t.integer('priority').notNullable().defaultTo(0);
    t.jsonb('data').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('pending'); // pending | dialling | done
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    /** Set by an agent's "call me back": only this agent takes the call. */
    t.text('callback_agent_id');
    t.text('last_outcome');
    t.text('done_reason');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['campaign_id', 'phone']);
  });
  await knex.raw(`create index dialer_leads_due on dialer_leads (campaign_id, next_attempt_at, priority) where status = 'pending'`);

  await knex.schema.createTable('dialer_dnc', (t) => {
    t.bigIncrements('id').primary();
    t.text('phone').notNullable();
    /** null: the global list; otherwise the campaign's own list. */
    t.text('campaign_id').references('dialer_campaigns.id').onDelete('CASCADE');
    t.text('source');
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`create unique index dialer_dnc_unique on dialer_dnc (phone, coalesce(campaign_id, ''))`);

  await knex.schema.createTable('dialer_attempts', (t) => {
    t.uuid('id').primary();
    t.text('campaign_id').notNullable().references('dialer_campaigns.id').onDelete('CASCADE');
    t.bigInteger('lead_id').notNullable().references('dialer_leads.id').onDelete('CASCADE');
    t.text('phone').notNullable();
    t.integer('attempt_no').notNullable();
    t.text('leg_id');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('answered_at', { useTz: true });
    t.timestamp('connected_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    /** busy | no-answer | machine | failed | abandoned | answered | dnc */
    t.text('outcome');
    t.text('amd_result');
    t.text('agent_id');
    t.text('recording_ref');
    t.text('disposition');
    t.timestamp('disposition_at', { useTz: true });
    t.timestamp('callback_at', { useTz: true });
    t.jsonb('data').notNullable().defaultTo('{}');
    t.index(['campaign_id', 'started_at']);
    t.index(['lead_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['dialer_attempts', 'dialer_dnc', 'dialer_leads', 'dialer_lists', 'dialer_campaigns']) {
    await knex.schema.dropTableIfExists(table);
  }
}
