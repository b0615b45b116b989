import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { importLeadList } from '../../src/dialer/leadImport.js';
import { DialerValidationError, CampaignNotFoundError } from '../../src/dialer/errors.js';
import { PgDialerStore } from '../../src/dialer/PgDialerStore.js';
import { campaignConfig } from './fixtures.js';

const NOW = Date.parse('2026-01-05T14:00:00Z');

function bytes(text: string | Buffer, chunk = 64 * 1024): AsyncIterable<Buffer> {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}

describe('lead list CSV import (real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  let seq = 0;
  let campaignId: string;

  before(async () => {
    t = await createTestDb('dialer_import');
  });
  after(async () => {
    await t.drop();
  });
  beforeEach(async () => {
    campaignId = `c${++seq}`;
    await t.db('dialer_campaigns').insert({ id: campaignId, name: 'test', state: 'draft', config: JSON.stringify(campaignConfig()) });
  });

  const leads = (id = campaignId) => t.db('dialer_leads').where({ campaign_id: id }).orderBy('id').select('phone', 'time_zone', 'external_id', 'priority', 'data');

  it('maps columns, normalises to E.164, finds the time zone and keeps the other columns', async () => {
    const csv = 'Customer,Tel,Ref,Zone\nAnn,(212) 555-0142,R1,\nBob,+1 415 555 0199,R2,America/Denver\nCéline,+33 6 12 34 56 78,R3,\n';
    const r = await importLeadList(t.db, bytes(csv), { campaignId, listName: 'January', columns: { phone: 'Tel', externalId: 'Ref', timeZone: 'Zone' }, defaultCountry: 'US' }, NOW);
    assert.deepEqual(r.rejected, []);
    assert.equal(r.imported, 3);
    assert.deepEqual(await leads(), [
      { phone: '+12125550142', time_zone: 'America/New_York', external_id: 'R1', priority: 0, data: { Customer: 'Ann' } },
      { phone: '+14155550199', time_zone: 'America/Denver', external_id: 'R2', priority: 0, data: { Customer: 'Bob' } },
      { phone: '+33612345678', time_zone: 'Europe/Paris', external_id: 'R3', priority: 0, data: { Customer: 'Céline' } },
    ]);
    const list = await t.db('dialer_lists').where({ id: r.listId }).first();
    assert.deepEqual([list.rows_read, list.imported, list.rejected], [3, 3, 0]);
  });

  it('reports every bad row with its row number, column and reason, and imports the good ones', async () => {
    const csv = [
      'name,phone,tz,prio',
      'ok,+12125550101,,1', // row 2
      'letters,call me maybe,,', // row 3
      'short,+1 212 555,,', // row 4
      'zone,+12125550102,Mars/Base,', // row 5
      'prio,+12125550103,,high', // row 6
      'dup,+1 (212) 555-0101,,', // row 7: same as row 2
      'tollfree,+18005550100,,', // row 8: no zone from the number
      'missing', // row 9: too few columns
      'ok2,+13125550104,,', // row 10
    ].join('\n');
    const r = await importLeadList(t.db, bytes(csv), { campaignId, listName: 'bad rows', columns: { phone: 'phone', timeZone: 'tz', priority: 'prio' } }, NOW);
    assert.equal(r.imported, 2);
    assert.equal(r.rowsRead, 9);
    assert.deepEqual(r.rejected, [
      { row: 3, column: 'phone', reason: '"call me maybe" is not a phone number (unexpected characters)' },
      { row: 4, column: 'phone', reason: '"+1 212 555" is not a valid +1 number (wrong length or unassigned prefix)' },
      { row: 5, column: 'tz', reason: '"Mars/Base" is not an IANA time zone such as America/Chicago' },
      { row: 6, column: 'prio', reason: '"high" is not a whole number from -9999 to 9999' },
      { row: 7, column: 'phone', reason: 'duplicate of row 2 (+12125550101)' },
      { row: 8, column: 'phone', reason: 'cannot tell the time zone of +18005550100 from the number; add a time zone column or set a default time zone' },
      { row: 9, column: 'phone', reason: 'missing: the row has 1 of 4 columns' },
    ]);
    assert.deepEqual((await leads()).map((l) => l.phone), ['+12125550101', '+13125550104']);
  });

  it('fails the whole file when a mapped column is missing, and writes nothing', async () => {
    await assert.rejects(
      importLeadList(t.db, bytes('name,telephone\nx,+12125550101\n'), { campaignId, listName: 'x', columns: { phone: 'phone', externalId: 'id' } }, NOW),
      (err: unknown) =>
        err instanceof DialerValidationError &&
        err.message === 'column "phone" (mapped to phone) is not in the header; the header has: name, telephone; column "id" (mapped to externalId) is not in the header; the header has: name, telephone',
    );
    assert.equal((await leads()).length, 0);
    assert.equal((await t.db('dialer_lists').where({ campaign_id: campaignId })).length, 0);
  });

  it('reads UTF-16 (Excel "Unicode text") with a BOM, and with none', async () => {
    const text = 'name\tphone\nZoë\t+12125550111\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const r1 = await importLeadList(t.db, bytes(le, 7), { campaignId, listName: 'utf16', columns: { phone: 'phone' }, delimiter: '\t' }, NOW);
    assert.deepEqual([r1.imported, r1.rejected], [1, []]);
    const noBom = Buffer.from('name,phone\nAnn,+13125550112\n', 'utf16le');
    const r2 = await importLeadList(t.db, bytes(noBom), { campaignId, listName: 'utf16 no bom', columns: { phone: 'phone' } }, NOW);
    assert.deepEqual([r2.imported, r2.rejected], [1, []]);
    assert.deepEqual((await leads()).map((l) => l.data.name), ['Zoë', 'Ann']);
  });

  it('rejects rows with Latin-1 bytes in UTF-8 mode, saying how to fix it, and reads them with encoding latin1', async () => {
    const latin1 = Buffer.from('name,phone\nJosé,+12125550121\nAnn,+12125550122\n', 'latin1');
    const r = await importLeadList(t.db, bytes(latin1), { campaignId, listName: 'latin1 as utf8', columns: { phone: 'phone' } }, NOW);
    assert.equal(r.imported, 1);
    assert.deepEqual(r.rejected, [
      { row: 2, column: 'name', reason: 'contains bytes that are not UTF-8 (the file looks like Latin-1/Windows-1252: save it as UTF-8 or import with encoding latin1)' },
    ]);
    const c2 = `${campaignId}-b`;
    await t.db('dialer_campaigns').insert({ id: c2, name: 'b', state: 'draft', config: JSON.stringify(campaignConfig()) });
    const ok = await importLeadList(t.db, bytes(latin1), { campaignId: c2, listName: 'latin1', columns: { phone: 'phone' }, encoding: 'latin1' }, NOW);
    assert.equal(ok.imported, 2);
    assert.equal((await leads(c2))[0]?.data.name, 'José');
  });

  it('reports broken CSV quoting, including rows a never-closed quote swallowed', async () => {
    const csv = 'name,phone\n"Ann",+12125550131\n"Bob"x,+12125550132\nCy,+12125550133\n';
    const r = await importLeadList(t.db, bytes(csv), { campaignId, listName: 'quotes', columns: { phone: 'phone' } }, NOW);
    assert.equal(r.imported, 1);
    assert.equal(r.rejected.length, 2);
    assert.match(r.rejected[0]?.reason ?? '', /^not valid CSV, row skipped: Invalid Closing Quote: got "x" at line 3/);
    assert.equal(r.rejected[0]?.row, 3);
    assert.equal(
      r.rejected[1]?.reason,
      'a quote is never closed (quoted fields may span lines), so the file from the bad quote to its end (line 4) could not be read as rows; fix the quoting and import again',
    );
  });

  it('skips numbers already in the campaign and numbers on a do-not-call list', async () => {
    const store = new PgDialerStore(t.db);
    await importLeadList(t.db, bytes('phone\n+12125550141\n'), { campaignId, listName: 'first', columns: { phone: 'phone' } }, NOW);
    await store.addDnc(null, ['+12125550142'], 'test');
    await store.addDnc(campaignId, ['+12125550143'], 'test');
    const r = await importLeadList(t.db, bytes('phone\n+12125550141\n+12125550142\n+12125550143\n+12125550144\n'), { campaignId, listName: 'second', columns: { phone: 'phone' } }, NOW);
    assert.deepEqual(r.rejected, [
      { row: 2, column: 'phone', reason: '+12125550141 is already a lead in this campaign' },
      { row: 3, column: 'phone', reason: '+12125550142 is on the global do-not-call list' },
      { row: 4, column: 'phone', reason: '+12125550143 is on the campaign do-not-call list' },
    ]);
    assert.equal(r.imported, 1);
  });

  it('is all or nothing: a stream that breaks half-way leaves no list and no leads', async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from('phone\n');
      // 12,000 rows: past the first 5,000-row write, so a batch is already in the database.
      for (let chunk = 0; chunk < 12; chunk++) {
        let text = '';
        for (let i = 0; i < 1000; i++) text += `+1212555${String((chunk * 1000 + i) % 10_000).padStart(4, '0')}\n`;
        yield Buffer.from(text);
      }
      throw new Error('connection reset by peer');
    }
    await assert.rejects(importLeadList(t.db, broken(), { campaignId, listName: 'broken', columns: { phone: 'phone' }, duplicates: { inList: 'allow' } }, NOW), /connection reset/);
    assert.equal((await leads()).length, 0);
    assert.equal((await t.db('dialer_lists').where({ campaign_id: campaignId })).length, 0);
  });

  it('names the campaign that does not exist, and bad options by field', async () => {
    await assert.rejects(importLeadList(t.db, bytes('phone\n'), { campaignId: 'nope', listName: 'x', columns: { phone: 'phone' } }, NOW), CampaignNotFoundError);
    await assert.rejects(
      importLeadList(t.db, bytes('phone\n'), { campaignId, listName: 'x', columns: {}, defaultCountry: 'USA' }, NOW),
      (err: unknown) => err instanceof DialerValidationError && err.problems.includes('defaultCountry: expected a two-letter country code such as US or GB') && err.problems.some((p) => p.startsWith('columns.phone:')),
    );
  });

  it('imports 100,000 rows in well under 10 seconds', async () => {
    const areas = ['212', '312', '415', '303', '602', '617'];
    const lines = ['first,last,phone'];
    for (let i = 0; i < 100_000; i++) lines.push(`F${i},L${i},+1${areas[i % areas.length]}${String(2000000 + i).padStart(7, '0')}`);
    const t0 = performance.now();
    const r = await importLeadList(t.db, bytes(lines.join('\n') + '\n'), { campaignId, listName: 'big', columns: { phone: 'phone' } }, NOW);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(r.rejected.length, 0, JSON.stringify(r.rejected.slice(0, 3)));
    assert.equal(r.imported, 100_000);
    const counted = await t.db('dialer_leads').where({ campaign_id: campaignId }).count<Array<{ n: string }>>({ n: '*' });
    assert.equal(Number(counted[0]?.n), 100_000);
    assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
  });
});
