/**
 * Do-not-call import: a CSV with a phone column (or a plain file, one number per line),
 * normalised to E.164 like leads; every rejected row reported; all numbers added in one
 * transaction. Numbers already on the list are counted, not duplicated.
 */
import { parse, type Info } from 'csv-parse';
import { z } from 'zod';
import { getCountries, type CountryCode } from 'libphonenumber-js';
import { CSV_ENCODINGS, REPLACEMENT_CHAR, decodeCsvBytes, describeCsvError } from './csvSource.js';
import { normaliseNumber } from './phone.js';
import { describeIssues } from './campaign.js';
import { DialerValidationError } from './errors.js';
import type { RowReject } from './leadImport.js';

const COUNTRIES = new Set<string>(getCountries());

export const DncImportOptionsSchema = z.object({
  /** Header of the phone column; omit for a file with one number per line and no header. */
  column: z.string().min(1).optional(),
  defaultCountry: z
    .string()
    .refine((c) => COUNTRIES.has(c), { message: 'expected a two-letter country code such as US or GB' })
    .optional(),
  encoding: z.enum(CSV_ENCODINGS).default('auto'),
});
export type DncImportOptions = z.output<typeof DncImportOptionsSchema>;

export interface DncParseResult {
  phones: string[];
  rejected: RowReject[];
  rowsRead: number;
}

export async function readDncNumbers(source: AsyncIterable<Uint8Array | string>, input: unknown): Promise<DncParseResult> {
  const r = DncImportOptionsSchema.safeParse(input ?? {});
  if (!r.success) throw new DialerValidationError(describeIssues(r.error));
  const options = r.data;
  const parser = parse({ relax_column_count: true, skip_empty_lines: true, trim: true, info: true, skip_records_with_error: true });
  const rejected: RowReject[] = [];
  parser.on('skip', (err: Error & { code?: string; lines?: number }) => rejected.push({ row: err.lines ?? 0, reason: describeCsvError(err) }));
  void (async () => {
    try {
      for await (const text of decodeCsvBytes(source, options.encoding)) {
        if (!parser.write(text)) await new Promise<void>((res) => parser.once('drain', () => res()));
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  const phones = new Set<string>();
  let col = options.column === undefined ? 0 : -1;
  let rowsRead = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
    if (col < 0) {
      const header = record.map((h) => h.replace(/^\uFEFF/, ''));
      col = header.indexOf(options.column as string);
      if (col < 0) throw new DialerValidationError([`column "${options.column}" is not in the header; the header has: ${header.join(', ')}`]);
      continue;
    }
    rowsRead++;
    const raw = record[col];
    const name = options.column ?? 'phone';
    if (raw === undefined) {
      rejected.push({ row: info.lines, column: name, reason: 'missing' });
      continue;
    }
    if (raw.includes(REPLACEMENT_CHAR)) {
      rejected.push({ row: info.lines, column: name, reason: 'contains bytes that are not UTF-8' });
      continue;
    }
    const n = normaliseNumber(raw, options.defaultCountry as CountryCode | undefined);
    if (!n.ok) rejected.push({ row: info.lines, column: name, reason: n.reason });
    else phones.add(n.e164);
  }
  if (col < 0) throw new DialerValidationError(['the file is empty: expected a header row']);
  rejected.sort((a, b) => a.row - b.row);
  return { phones: [...phones], rejected, rowsRead };
}
