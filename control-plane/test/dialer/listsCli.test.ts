import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runListsCommand } from '../../src/cli/lists.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { campaignConfig } from './fixtures.js';

describe('switchboard lists (CLI, real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  let dir: string;
  let out: string[];
  let err: string[];
  const run = (...argv: string[]) => runListsCommand(argv, { db: t.db, stdout: (l) => out.push(l), stderr: (l) => err.push(l), now: () => Date.parse('2026-01-05T15:00:00Z') });

  before(async () => {
    t = await createTestDb('dialer_cli');
    dir = mkdtempSync(join(tmpdir(), 'dialer-cli-'));
    await t.db('dialer_campaigns').insert({ id: 'cli1', name: 'cli', state: 'draft', config: JSON.stringify(campaignConfig()) });
  });
  after(async () => {
    await t.drop();
  });
  beforeEach(() => {
    out = [];
    err = [];
  });

  it('imports a file and prints each rejected row with its reason', async () => {
    const file = join(dir, 'leads.csv');
    writeFileSync(file, 'Name;Mobile\nAnn;(212) 555-0142\nBob;555\n');
    assert.equal(await run('import', '--campaign', 'cli1', '--file', file, '--phone-column', 'Mobile', '--country', 'US', '--delimiter', ';'), 0);
    assert.match(out[0] as string, /^imported 1 of 2 rows into campaign cli1 \(list [0-9a-f-]{36}\); 1 rejected$/);
    assert.deepEqual(out.slice(1), ['  row 3, column Mobile: "555" is not a valid US number (wrong length or unassigned prefix)']);
  });

  it('adds numbers to the global DNC list', async () => {
    const file = join(dir, 'dnc.txt');
    writeFileSync(file, '+12125550199\n+12125550199\nnope\n');
    assert.equal(await run('dnc', '--file', file), 0);
    assert.deepEqual(out, ['added 1 numbers to the global do-not-call list (0 already on it); 1 rows rejected', '  row 3, column phone: "nope" is not a phone number (unexpected characters)']);
  });

  it('explains usage and input errors with exit codes', async () => {
    assert.equal(await run('import', '--file', join(dir, 'leads.csv')), 2);
    assert.match(err[0] as string, /^--campaign and --phone-column are required/);
    err = [];
    assert.equal(await run('import', '--campaign', 'cli1', '--file', join(dir, 'missing.csv'), '--phone-column', 'x'), 1);
    assert.deepEqual(err, [`--file: ${join(dir, 'missing.csv')} does not exist`]);
    err = [];
    assert.equal(await run('import', '--campaign', 'nope', '--file', join(dir, 'leads.csv'), '--phone-column', 'Mobile'), 1);
    assert.deepEqual(err, ['campaign nope does not exist']);
    err = [];
    assert.equal(await run('import', '--campaign', 'cli1', '--file', join(dir, 'leads.csv'), '--phone-column', 'Phone', '--delimiter', ';'), 1);
    assert.deepEqual(err, ['column "Phone" (mapped to phone) is not in the header; the header has: Name, Mobile']);
    err = [];
    assert.equal(await run('export'), 2);
    assert.match(err[0] as string, /^unknown lists command "export"/);
  });
});
