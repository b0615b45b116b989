/**
 * Lead list import: a CSV stream → validated leads, every rejected row reported with its
 * row number, column and reason, the valid rows written in ONE transaction (a crash or a
 * fatal error leaves nothing behind; the list exists only once every row is in).
 *
 * Row numbers are file lines (header = 1), which are the spreadsheet rows for one-line records;
 * a record with a quoted line break is reported at the line it ends on.
 */
import { randomUUID } from 'node:crypto';
import { parse, type Info } from 'csv-parse';
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { getCountries } from 'libphonenumber-js';
import { IANAZone } from 'luxon';
import type { Db } from '../store/db.js';
import { CSV_ENCODINGS, REPLACEMENT_CHAR, decodeCsvBytes, describeCsvError, readInBatches } from './csvSource.js';
import { normaliseNumber } from './phone.js';
import { timeZoneForParts } from './timeZones.js';
import { describeIssues, ianaZone, type CampaignConfig } from './campaign.js';
import { CampaignNotFoundError, DialerValidationError } from './errors.js';

const COUNTRIES = new Set<string>(getCountries());

export const LeadImportOptionsSchema = z.object({
  campaignId: z.string().min(1),
  listName: z.string().trim().min(1).max(200),
  /** CSV header names for each lead field. Only `phone` is required. */
  columns: z.object({
    phone: z.string().min(1),
    timeZone: z.string().min(1).optional(),
    externalId: z.string().min(1).optional(),
    priority: z.string().min(1).optional(),
  }),
  /** Other columns kept on the lead (shown to the agent): all of them, none, or these. */
  extraColumns: z.union([z.enum(['all', 'none']), z.array(z.string().min(1))]).default('all'),
  /** Country for numbers written without +country code. */
  defaultCountry: z
    .string()
    .refine((c) => COUNTRIES.has(c), { message: 'expected a two-letter country code such as US or GB' })
    .optional(),
  /** Zone when neither a column nor the number tells; falls back to the campaign's defaultTimeZone. */
  defaultTimeZone: ianaZone.optional(),
  duplicates: z
    .object({
      /** `keep-first`: a number seen earlier in this file is rejected; `allow`: imported again. */
      inList: z.enum(['keep-first', 'allow']).default('keep-first'),
      /** `skip`: a number already in the campaign (any list) is rejected; `allow`: imported. */
      acrossCampaign: z.enum(['skip', 'allow']).default('skip'),
    })
    .default({ inList: 'keep-first', acrossCampaign: 'skip' }),
  encoding: z.enum(CSV_ENCODINGS).default('auto'),
  delimiter: z.string().length(1).default(','),
});
export type LeadImportOptionsInput = z.input<typeof LeadImportOptionsSchema>;
export type LeadImportOptions = z.output<typeof LeadImportOptionsSchema>;

export interface RowReject {
  /** Spreadsheet row (header = 1). */
  row: number;
  column?: string;
  reason: string;
}

export interface ParsedLead {
  row: number;
  phone: string;
  timeZone: string;
  externalId?: string;
  priority: number;
  data: Record<string, string>;
}

export interface LeadImportResult {
  listId: string;
  campaignId: string;
  rowsRead: number;
  imported: number;
  rejected: RowReject[];
}

export function parseLeadImportOptions(input: unknown): LeadImportOptions {
  const r = LeadImportOptionsSchema.safeParse(input);
  if (!r.success) throw new DialerValidationError(describeIssues(r.error));
  return r.data;
}

/**
 * Streams the CSV and yields each row as a lead or a reject. File-level problems (no
 * header, a mapped column missing from the header) throw DialerValidationError.
 */
export async function* readLeadRows(
  source: AsyncIterable<Uint8Array | string>,
  options: LeadImportOptions,
  fallbackZone: string | undefined,
): AsyncGenerator<Array<{ lead: ParsedLead } | { reject: RowReject }>> {
  const parser = parse({
    delimiter: options.delimiter,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    skip_records_with_error: true,
    relax_quotes: false,
  });
  const skipped: RowReject[] = [];
  parser.on('skip', (err: Error & { code?: string; lines?: number }) => {
    skipped.push({ row: err.lines ?? 0, reason: describeCsvError(err) });
  });
  // Feed the decoded text in the background; errors surface through the parser.
  void (async () => {
    try {
      for await (const text of decodeCsvBytes(source, options.encoding)) {
        if (!parser.write(text)) await new Promise<void>((r) => parser.once('drain', () => r()));
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();

  let header: string[] | undefined;
  let index: Record<string, number> = {};
  let extra: Array<[string, number]> = [];
  const seen = new Map<string, number>();

  try {
  for await (const records of readInBatches<{ record: string[]; info: Info }>(parser)) {
    const out: Array<{ lead: ParsedLead } | { reject: RowReject }> = [];
    for (const item of records) {
    while (skipped.length > 0) out.push({ reject: skipped.shift() as RowReject });
    const { record } = item;
    if (!header) {
      header = record.map((h) => h.replace(/^\uFEFF/, '').trim());
      if (header.some((h) => h.includes(REPLACEMENT_CHAR))) {
        throw new DialerValidationError([
          `row 1 (header): the file is not UTF-8 text; save it as UTF-8 (or UTF-16 with a BOM), or import with encoding latin1`,
        ]);
      }
      index = Object.fromEntries(header.map((h, i) => [h, i]));
      const missing = Object.entries(options.columns)
        .filter(([, col]) => col !== undefined && index[col] === undefined)
        .map(([field, col]) => `column "${col}" (mapped to ${field}) is not in the header; the header has: ${header?.join(', ')}`);
      if (missing.length > 0) throw new DialerValidationError(missing);
      const mapped = new Set(Object.values(options.columns));
      const wanted = options.extraColumns;
      extra = header
        .map((h, i): [string, number] => [h, i])
        .filter(([h]) => !mapped.has(h) && h !== '' && (wanted === 'all' || (Array.isArray(wanted) && wanted.includes(h))));
      continue;
    }
    // The line the record ends on: the spreadsheet row for ordinary one-line records.
    const row = item.info.lines;
    const cell = (col: string | undefined): string | undefined => (col === undefined ? undefined : record[index[col] as number]);

    const bad = header.findIndex((_, i) => (record[i] ?? '').includes(REPLACEMENT_CHAR));
    if (bad >= 0) {
      out.push({
        reject: {
          row,
          column: header[bad],
          reason: 'contains bytes that are not UTF-8 (the file looks like Latin-1/Windows-1252: save it as UTF-8 or import with encoding latin1)',
        },
      });
      continue;
    }
    const rawPhone = cell(options.columns.phone);
    if (rawPhone === undefined) {
      out.push({ reject: { row, column: options.columns.phone, reason: `missing: the row has ${record.length} of ${header.length} columns` } });
      continue;
    }
    const number = normaliseNumber(rawPhone, options.defaultCountry as CountryCode | undefined);
    if (!number.ok) {
      out.push({ reject: { row, column: options.columns.phone, reason: number.reason } });
      continue;
    }
    let timeZone: string | undefined;
    const tzCell = cell(options.columns.timeZone);
    if (tzCell) {
      if (!IANAZone.isValidZone(tzCell)) {
        out.push({ reject: { row, column: options.columns.timeZone, reason: `"${tzCell}" is not an IANA time zone such as America/Chicago` } });
        continue;
      }
      timeZone = tzCell;
    } else {
      timeZone = timeZoneForParts(number.country, number.callingCode, number.nationalNumber) ?? options.defaultTimeZone ?? fallbackZone;
    }
    if (!timeZone) {
      out.push({
        reject: {
          row,
          column: options.columns.phone,
          reason: `cannot tell the time zone of ${number.e164} from the number; add a time zone column or set a default time zone`,
        },
      });
      continue;
    }
    let priority = 0;
    const pCell = cell(options.columns.priority);
    if (pCell) {
      if (!/^-?\d{1,4}$/.test(pCell)) {
        out.push({ reject: { row, column: options.columns.priority, reason: `"${pCell}" is not a whole number from -9999 to 9999` } });
        continue;
      }
      priority = Number(pCell);
    }
    if (options.duplicates.inList === 'keep-first') {
      const first = seen.get(number.e164);
      if (first !== undefined) {
        out.push({ reject: { row, column: options.columns.phone, reason: `duplicate of row ${first} (${number.e164})` } });
        continue;
      }
      seen.set(number.e164, row);
    }
    const data: Record<string, string> = {};
    for (const [name, i] of extra) data[name] = record[i] ?? '';
    const externalId = cell(options.columns.externalId);
    out.push({ lead: { row, phone: number.e164, timeZone, externalId: externalId || undefined, priority, data } });
  }
    if (out.length > 0) yield out;
  }
  } finally {
    // Stops the feeding loop when the reader gives up early (a file-level error).
    if (!parser.destroyed) parser.destroy();
  }
  if (skipped.length > 0) yield skipped.splice(0).map((reject) => ({ reject }));
  if (!header) throw new DialerValidationError(['the file is empty: expected a header row and at least one lead']);
}

const BATCH = 5000;

/**
 * Imports a lead list into a campaign in one transaction. Numbers on the global or the
 * campaign's do-not-call list are rejected here too (and checked again at dial time).
 */
export async function importLeadList(db: Db, source: AsyncIterable<Uint8Array | string>, optionsInput: unknown, now: number): Promise<LeadImportResult> {
  const options = parseLeadImportOptions(optionsInput);
  const listId = randomUUID();
  const rejected: RowReject[] = [];
  let rowsRead = 0;
  let imported = 0;
  await db.transaction(async (trx) => {
    // Serialises imports into the same campaign, so the across-campaign duplicate rule holds.
    const campaign = await trx('dialer_campaigns').where({ id: options.campaignId }).forUpdate().first<{ config: CampaignConfig } | undefined>();
    if (!campaign) throw new CampaignNotFoundError(options.campaignId);
    await trx('dialer_lists').insert({ id: listId, campaign_id: options.campaignId, name: options.listName, rows_read: 0, imported: 0, rejected: 0 });

    let batch: ParsedLead[] = [];
    const flush = async (batch: ParsedLead[]): Promise<void> => {
      if (batch.length === 0) return;
      const phones = [...new Set(batch.map((l) => l.phone))];
      const dnc = (
        await trx.raw(`select phone, campaign_id from dialer_dnc where phone = any(?::text[]) and (campaign_id is null or campaign_id = ?)`, [
          phones,
          options.campaignId,
        ] as unknown as readonly string[])
      ).rows as Array<{ phone: string; campaign_id: string | null }>;
      const dncSet = new Map(dnc.map((d) => [d.phone, d.campaign_id === null ? 'global' : 'campaign']));
      let existing = new Set<string>();
      if (options.duplicates.acrossCampaign === 'skip') {
        const rows = (
          await trx.raw(`select phone from dialer_leads where campaign_id = ? and phone = any(?::text[]) and list_id <> ?`, [
            options.campaignId,
            phones,
            listId,
          ] as unknown as readonly string[])
        ).rows as Array<{ phone: string }>;
        existing = new Set(rows.map((r) => r.phone));
      }
      const keep: ParsedLead[] = [];
      for (const lead of batch) {
        const list = dncSet.get(lead.phone);
        if (list) rejected.push({ row: lead.row, column: options.columns.phone, reason: `${lead.phone} is on the ${list} do-not-call list` });
        else if (existing.has(lead.phone)) rejected.push({ row: lead.row, column: options.columns.phone, reason: `${lead.phone} is already a lead in this campaign` });
        else keep.push(lead);
      }
      if (keep.length > 0) {
        await trx.raw(
          `insert into dialer_leads (campaign_id, list_id, phone, time_zone, external_id, priority, data, next_attempt_at)
           select ?, ?, u.phone, u.tz, nullif(u.ext, ''), u.prio, u.data::jsonb, ?
           from unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::text[]) as u(phone, tz, ext, prio, data)`,
          [
            options.campaignId,
            listId,
            new Date(now),
            keep.map((l) => l.phone),
            keep.map((l) => l.timeZone),
            keep.map((l) => l.externalId ?? '') as string[],
            keep.map((l) => l.priority),
            keep.map((l) => JSON.stringify(l.data)),
          ] as unknown as readonly string[],
        );
      }
      imported += keep.length;
    };

    // Parsing the next batch overlaps with writing the previous one (one write at a time).
    let writing: Promise<void> = Promise.resolve();
    try {
      for await (const items of readLeadRows(source, options, campaign.config.defaultTimeZone)) {
        for (const item of items) {
          rowsRead++;
          if ('reject' in item) rejected.push(item.reject);
          else batch.push(item.lead);
        }
        if (batch.length >= BATCH) {
          await writing;
          writing = flush(batch);
          batch = [];
        }
      }
    } finally {
      // Never leave the transaction with a write still running.
      await writing.catch(() => undefined);
    }
    await writing;
    await flush(batch);
    rejected.sort((a, b) => a.row - b.row);
    await trx('dialer_lists')
      .where({ id: listId })
      .update({ rows_read: rowsRead, imported, rejected: rejected.length, rejects_sample: JSON.stringify(rejected.slice(0, 1000)) });
  });
  return { listId, campaignId: options.campaignId, rowsRead, imported, rejected };
}
