import type { Knex } from 'knex';

/**
 * Client-generated event ids: a batch retried after an ambiguous commit (the connection
 * dropped before the acknowledgement) cannot insert the same event twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interaction_events', (t) => {
    t.uuid('eid').notNullable().unique();
  });
  await knex.schema.alterTable('agent_state_events', (t) => {
    t.uuid('eid').notNullable().unique();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('interaction_events', (t) => t.dropColumn('eid'));
  await knex.schema.alterTable('agent_state_events', (t) => t.dropColumn('eid'));
}
