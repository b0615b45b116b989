import type { Knex } from 'knex';

/** Agents, queues, skills, interactions and the two append-only event logs. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('skills', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('queues', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('strategy').notNullable().defaultTo('longest-idle');
    /** Everything else a queue is configured with (SL threshold, wrap-up, escalation …). */
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('agents', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    /** SIP user the agent's phone registers as. */
    t.text('sip_user').unique();
    t.specificType('languages', 'text[]').notNullable().defaultTo('{}');
    /** Per-channel capacity, e.g. {"voice":1,"chat":3}. */
    t.jsonb('capacity').notNullable().defaultTo('{"voice":1}');
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('agent_skills', (t) => {
    t.text('agent_id').notNullable().references('agents.id').onDelete('CASCADE');
    t.text('skill_id').notNullable().references('skills.id').onDelete('CASCADE');
    t.integer('level').notNullable();
    t.primary(['agent_id', 'skill_id']);
  });
  await knex.raw('alter table agent_skills add constraint agent_skills_level_range check (level between 1 and 10)');

  await knex.schema.createTable('interactions', (t) => {
    t.uuid('id').primary();
    t.text('channel').notNullable(); // voice | chat | email | messenger
    t.text('direction').notNullable(); // inbound | outbound
    t.text('customer_ref');
    t.text('caller_number');
    t.text('dialled_number');
    t.text('queue_id');
    t.text('agent_id');
    t.integer('priority').notNullable().defaultTo(0);
    t.text('state').notNullable(); // arrived | ivr | queued | offered | connected | wrap-up | ended
    t.text('outcome'); // answered | abandoned | callback | voicemail | transferred | overflow | failed …
    t.text('hangup_side');
    t.jsonb('variables').notNullable().defaultTo('{}');
    t.text('flow_id');
    t.integer('flow_version');
    t.timestamp('arrived_at', { useTz: true }).notNullable();
    t.timestamp('queued_at', { useTz: true });
    t.timestamp('offered_at', { useTz: true });
    t.timestamp('answered_at', { useTz: true });
    t.timestamp('ended_at', { useTz: true });
    t.index(['queue_id', 'arrived_at']);
    t.index(['agent_id', 'arrived_at']);
    t.index(['customer_ref']);
  });

  /** The queue_log of this system: append-only, never updated. */
  await knex.schema.createTable('interaction_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('interaction_id').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('type').notNullable();
    t.text('queue_id');
    t.text('agent_id');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.index(['interaction_id', 'id']);
    t.index(['at']);
  });

  await knex.schema.createTable('agent_state_events', (t) => {
    t.bigIncrements('id').primary();
    t.text('agent_id').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('state').notNullable(); // logged-out | ready | not-ready | reserved | busy | wrap-up
    t.text('reason');
    t.uuid('interaction_id');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.index(['agent_id', 'id']);
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['agent_state_events', 'interaction_events', 'interactions', 'agent_skills', 'agents', 'queues', 'skills']) {
    await knex.schema.dropTableIfExists(table);
  }
}
