/**
 * mod_xml_curl directory over the real database: an agent given SIP access through the
 * API can register at once (the directory answers with the digest a1-hash, never the
 * password); a removed agent gets "not found", which FreeSWITCH turns into a 403.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { silentLogger } from '../../../src/logger.js';
import {
  agentDirectoryLookup,
  clearAgentSipCredentials,
  createDirectoryRouter,
  setAgentSipCredentials,
  sipA1Hash,
} from '../../../src/engine/freeswitch/directory.js';
import { createTestDb, type TestDb } from '../../helpers/db.js';

describe('FreeSWITCH directory (mod_xml_curl)', function () {
  this.timeout(20000);
  let t: TestDb;
  let server: Server;
  let url: string;

  before(async () => {
    t = await createTestDb('dir');
    const app = express();
    app.use('/freeswitch/directory', createDirectoryRouter({ lookup: agentDirectoryLookup(t.db), logger: silentLogger(), basicAuth: { user: 'fs', password: 'dir-secret' } }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/freeswitch/directory`;
  });
  after(async () => {
    server?.close();
    await t?.drop();
  });

  /** What mod_xml_curl posts for a REGISTER (trimmed to the fields that matter). */
  async function lookup(user: string, domain = 'cc.example.com', auth = 'fs:dir-secret'): Promise<{ status: number; xml: string }> {
    const body = new URLSearchParams({ hostname: 'fs1', section: 'directory', tag_name: 'domain', key_name: 'name', key_value: domain, action: 'sip_auth', user, domain, sip_auth_method: 'REGISTER' });
    const res = await fetch(url, { method: 'POST', body, headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } });
    return { status: res.status, xml: await res.text() };
  }

  it('serves an agent created through the API with its a1-hash, and refuses it once removed', async () => {
    await t.db('agents').insert({ id: 'agent-7', name: 'Ana <Support> & Co' });
    assert.match((await lookup('1007')).xml, /<result status="not found"\/>/);

    await setAgentSipCredentials(t.db, 'agent-7', { user: '1007', realm: 'cc.example.com', password: 'correct horse battery' });
    const { status, xml } = await lookup('1007');
    assert.equal(status, 200);
    assert.equal(XMLValidator.validate(xml), true);
    assert.ok(!xml.includes('correct horse battery'), 'the password never appears');
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml) as {
      document: { section: { '@_name': string; domain: { '@_name': string; groups: { group: { users: { user: { '@_id': string; params: { param: { '@_name': string; '@_value': string } }; variables: { variable: Array<{ '@_name': string; '@_value': string }> } } } } } } } };
    };
    const user = doc.document.section.domain.groups.group.users.user;
    assert.equal(doc.document.section['@_name'], 'directory');
    assert.equal(doc.document.section.domain['@_name'], 'cc.example.com');
    assert.equal(user['@_id'], '1007');
    assert.deepEqual(user.params.param, { '@_name': 'a1-hash', '@_value': sipA1Hash('1007', 'cc.example.com', 'correct horse battery') });
    assert.equal(sipA1Hash('1007', 'cc.example.com', 'correct horse battery').length, 32);
    const vars = Object.fromEntries(user.variables.variable.map((v) => [v['@_name'], v['@_value']]));
    assert.equal(vars.user_context, 'agents');
    assert.equal(vars.switchboard_agent_id, 'agent-7');
    assert.equal(vars.effective_caller_id_name, 'Ana <Support> & Co');

    // Another realm is another account.
    assert.match((await lookup('1007', 'other.example.com')).xml, /not found/);

    await clearAgentSipCredentials(t.db, 'agent-7');
    assert.match((await lookup('1007')).xml, /not found/);
    await setAgentSipCredentials(t.db, 'agent-7', { user: '1007', realm: 'cc.example.com', password: 'another secret' });
    await t.db('agents').where({ id: 'agent-7' }).delete();
    assert.match((await lookup('1007')).xml, /not found/);
  });

  it('needs the xml_curl credentials', async () => {
    const res = await lookup('1007', 'cc.example.com', 'fs:wrong');
    assert.equal(res.status, 401);
  });

  it('answers not found for malformed user names instead of querying with them', async () => {
    assert.match((await lookup("1007' or '1'='1")).xml, /not found/);
  });

  it('rejects bad credentials input with a message naming the field, writing nothing', async () => {
    await t.db('agents').insert({ id: 'agent-8', name: 'Bo' });
    await assert.rejects(setAgentSipCredentials(t.db, 'agent-8', { user: '1008', realm: 'cc.example.com', password: 'short' }), /SIP password must be at least 8 characters/);
    await assert.rejects(setAgentSipCredentials(t.db, 'agent-8', { user: 'bad user', realm: 'cc.example.com', password: 'long enough' }), /SIP user must be 1–64 letters/);
    await assert.rejects(setAgentSipCredentials(t.db, 'nobody', { user: '1009', realm: 'cc.example.com', password: 'long enough' }), /agent nobody does not exist/);
    const row = (await t.db('agents').where({ id: 'agent-8' }).first()) as { sip_user: string | null; sip_ha1: string | null };
    assert.equal(row.sip_user, null);
    assert.equal(row.sip_ha1, null);
    await assert.rejects(t.db('agents').where({ id: 'agent-8' }).update({ sip_ha1: 'plain-password' }), /agents_sip_ha1_format/);
  });
});
