import type { Knex } from 'knex';

/**
 * Agents' SIP credentials for the FreeSWITCH directory (mod_xml_curl). Only the digest
 * HA1 — md5(user:realm:password) — is stored, never the password itself; `sip_realm` is
 * the realm it was computed for (the SIP domain agents register to).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('agents', (t) => {
    t.text('sip_ha1');
    t.text('sip_realm');
  });
  await knex.raw(`alter table agents add constraint agents_sip_ha1_format check (sip_ha1 is null or sip_ha1 ~ '^[0-9a-f]{32}$')`);
  await knex.raw('alter table agents add constraint agents_sip_ha1_needs_user check (sip_ha1 is null or (sip_user is not null and sip_realm is not null))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table agents drop constraint if exists agents_sip_ha1_needs_user');
  await knex.raw('alter table agents drop constraint if exists agents_sip_ha1_format');
  await knex.schema.alterTable('agents', (t) => {
    t.dropColumn('sip_realm');
    t.dropColumn('sip_ha1');
  });
}
