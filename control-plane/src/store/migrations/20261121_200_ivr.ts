import type { Knex } from 'knex';

/** IVR: flow versions (never changed once written), the active version per flow, DID routes, CSAT answers. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ivr_flows', (t) => {
    t.text('id').primary();
    t.integer('active_version').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('ivr_flow_versions', (t) => {
    t.text('flow_id').notNullable();
    t.integer('version').notNullable();
    /** The YAML as deployed, so a version can be reviewed and re-validated later. */
    t.text('source').notNullable();
    t.jsonb('definition').notNullable();
    t.text('checksum').notNullable();
    t.text('file');
    t.text('deployed_by');
    t.timestamp('deployed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['flow_id', 'version']);
  });
  await knex.raw('alter table ivr_flow_versions add constraint ivr_flow_versions_positive check (version > 0)');
  await knex.schema.createTable('ivr_did_routes', (t) => {
    t.text('did').primary();
    t.text('flow_id').notNullable().references('ivr_flows.id');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('ivr_survey_answers', (t) => {
    t.bigIncrements('id').primary();
    t.text('interaction_id').notNullable();
    t.text('agent_id');
    t.text('flow_id').notNullable();
    t.integer('flow_version').notNullable();
    t.text('question').notNullable();
    t.smallint('score').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['interaction_id']);
    t.index(['agent_id', 'at']);
  });
  await knex.raw('alter table ivr_survey_answers add constraint ivr_survey_answers_score check (score between 1 and 5)');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['ivr_survey_answers', 'ivr_did_routes', 'ivr_flow_versions', 'ivr_flows']) {
    await knex.schema.dropTableIfExists(table);
  }
}
