import type { Knex } from 'knex';

/**
 * Who holds the active role (high availability). The advisory lock decides; this row
 * records the holder so a new active can fence the previous one's sessions, and its
 * `epoch` grows by one at every change of holder (a fencing token).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ha_leadership', (t) => {
    t.text('lock_name').primary();
    t.text('instance_id').notNullable();
    t.bigInteger('epoch').notNullable();
    t.timestamp('acquired_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('ha_leadership');
}
