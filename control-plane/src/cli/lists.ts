/**
 * `switchboard lists import` and `switchboard lists dnc` — import a lead list into a campaign
 * or numbers into a do-not-call list from a CSV file, streamed, and print every rejected row
 * (row, column, reason). The CLI entry (cli/index.ts) calls `runListsCommand(argv, deps)`
 * with the arguments after `lists`; it returns the process exit code.
 *
 *   switchboard lists import --campaign <id> --file leads.csv --phone-column Phone
 *       [--name "March"] [--tz-column TZ] [--id-column Ref] [--priority-column Prio]
 *       [--country US] [--default-tz America/Chicago] [--encoding auto|utf8|utf16le|utf16be|latin1]
 *       [--delimiter ";"] [--duplicates-in-list keep-first|allow] [--duplicates-across skip|allow] [--json]
 *   switchboard lists dnc --file dnc.csv [--campaign <id>] [--column phone] [--country US] [--json]
 *
 * Exit codes: 0 imported (rejected rows are listed but are not a failure), 1 bad input
 * (nothing imported), 2 usage error.
 */
import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { Db } from '../store/db.js';
import { importLeadList, type RowReject } from '../dialer/leadImport.js';
import { readDncNumbers } from '../dialer/dncImport.js';
import { PgDialerStore } from '../dialer/PgDialerStore.js';
import { DialerError, DialerValidationError } from '../dialer/errors.js';

export interface ListsCommandDeps {
  db: Db;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  now?: () => number;
}

const USAGE = `usage:
  switchboard lists import --campaign <id> --file <leads.csv> --phone-column <header> [--name <list name>]
      [--tz-column <header>] [--id-column <header>] [--priority-column <header>] [--country <CC>]
      [--default-tz <IANA zone>] [--encoding auto|utf8|utf16le|utf16be|latin1] [--delimiter <char>]
      [--duplicates-in-list keep-first|allow] [--duplicates-across skip|allow] [--json]
  switchboard lists dnc --file <numbers.csv> [--campaign <id>] [--column <header>] [--country <CC>] [--json]`;

function printRejects(rejected: RowReject[], out: (line: string) => void): void {
  for (const r of rejected) out(`  row ${r.row}${r.column ? `, column ${r.column}` : ''}: ${r.reason}`);
}

export async function runListsCommand(argv: string[], deps: ListsCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      strict: true,
      options: {
        campaign: { type: 'string' },
        file: { type: 'string' },
        name: { type: 'string' },
        'phone-column': { type: 'string' },
        'tz-column': { type: 'string' },
        'id-column': { type: 'string' },
        'priority-column': { type: 'string' },
        column: { type: 'string' },
        country: { type: 'string' },
        'default-tz': { type: 'string' },
        encoding: { type: 'string' },
        delimiter: { type: 'string' },
        'duplicates-in-list': { type: 'string' },
        'duplicates-across': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    deps.stderr(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const o = parsed.values;
  if (sub !== 'import' && sub !== 'dnc') {
    deps.stderr(`unknown lists command ${JSON.stringify(sub ?? '')}\n${USAGE}`);
    return 2;
  }
  if (!o.file) {
    deps.stderr(`--file is required\n${USAGE}`);
    return 2;
  }
  if (!existsSync(o.file)) {
    deps.stderr(`--file: ${o.file} does not exist`);
    return 1;
  }
  const source = createReadStream(o.file);
  try {
    if (sub === 'import') {
      if (!o.campaign || !o['phone-column']) {
        deps.stderr(`--campaign and --phone-column are required\n${USAGE}`);
        return 2;
      }
      const columns: Record<string, string> = { phone: o['phone-column'] };
      if (o['tz-column']) columns.timeZone = o['tz-column'];
      if (o['id-column']) columns.externalId = o['id-column'];
      if (o['priority-column']) columns.priority = o['priority-column'];
      const result = await importLeadList(
        deps.db,
        source,
        {
          campaignId: o.campaign,
          listName: o.name ?? basename(o.file),
          columns,
          ...(o.country ? { defaultCountry: o.country } : {}),
          ...(o['default-tz'] ? { defaultTimeZone: o['default-tz'] } : {}),
          ...(o.encoding ? { encoding: o.encoding } : {}),
          ...(o.delimiter ? { delimiter: o.delimiter } : {}),
          duplicates: {
            ...(o['duplicates-in-list'] ? { inList: o['duplicates-in-list'] } : {}),
            ...(o['duplicates-across'] ? { acrossCampaign: o['duplicates-across'] } : {}),
          },
        },
        (deps.now ?? Date.now)(),
      );
      if (o.json) deps.stdout(JSON.stringify(result));
      else {
        deps.stdout(`imported ${result.imported} of ${result.rowsRead} rows into campaign ${result.campaignId} (list ${result.listId}); ${result.rejected.length} rejected`);
        printRejects(result.rejected, deps.stdout);
      }
      return 0;
    }
    const parsedDnc = await readDncNumbers(source, {
      ...(o.column ? { column: o.column } : {}),
      ...(o.country ? { defaultCountry: o.country } : {}),
      ...(o.encoding ? { encoding: o.encoding } : {}),
    });
    const store = new PgDialerStore(deps.db);
    if (o.campaign) {
      const exists = await deps.db('dialer_campaigns').where({ id: o.campaign }).first('id');
      if (!exists) {
        deps.stderr(`--campaign: campaign ${o.campaign} does not exist`);
        return 1;
      }
    }
    const added = await store.addDnc(o.campaign ?? null, parsedDnc.phones, `cli:${basename(o.file)}`);
    const result = { list: o.campaign ? `campaign ${o.campaign}` : 'global', rowsRead: parsedDnc.rowsRead, added, alreadyListed: parsedDnc.phones.length - added, rejected: parsedDnc.rejected };
    if (o.json) deps.stdout(JSON.stringify(result));
    else {
      deps.stdout(`added ${added} numbers to the ${result.list} do-not-call list (${result.alreadyListed} already on it); ${result.rejected.length} rows rejected`);
      printRejects(result.rejected, deps.stdout);
    }
    return 0;
  } catch (err) {
    if (err instanceof DialerValidationError) {
      for (const p of err.problems) deps.stderr(p);
      return 1;
    }
    if (err instanceof DialerError) {
      deps.stderr(err.message);
      return 1;
    }
    throw err;
  } finally {
    source.destroy();
  }
}
