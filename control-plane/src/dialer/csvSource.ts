/**
 * Bytes → text for CSV imports, streamed. Handles the files people actually export:
 * UTF-8 with or without BOM, UTF-16 (Excel "Unicode text", with a BOM or recognisable by
 * its zero bytes) and Latin-1/Windows-1252 when asked. Bytes that are not valid UTF-8 are
 * kept as U+FFFD so the row they are in is rejected with a reason, instead of importing
 * mangled names or failing the whole file.
 */
export const CSV_ENCODINGS = ['auto', 'utf8', 'utf16le', 'utf16be', 'latin1'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

export const REPLACEMENT_CHAR = '\uFFFD';

function sniff(head: Uint8Array): { label: string; skip: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { label: 'utf-8', skip: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { label: 'utf-16le', skip: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { label: 'utf-16be', skip: 2 };
  // No BOM: ASCII text in UTF-16 has a zero byte in every other position.
  let zeroEven = 0;
  let zeroOdd = 0;
  const n = Math.min(head.length, 256);
  for (let i = 0; i < n; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) zeroEven++;
    else zeroOdd++;
  }
  if (n >= 4 && zeroOdd > n / 4 && zeroEven === 0) return { label: 'utf-16le', skip: 0 };
  if (n >= 4 && zeroEven > n / 4 && zeroOdd === 0) return { label: 'utf-16be', skip: 0 };
  return { label: 'utf-8', skip: 0 };
}

const LABELS: Record<Exclude<CsvEncoding, 'auto'>, string> = { utf8: 'utf-8', utf16le: 'utf-16le', utf16be: 'utf-16be', latin1: 'windows-1252' };

/** Decodes a byte stream chunk by chunk (multi-byte characters split across chunks are fine). */
export async function* decodeCsvBytes(source: AsyncIterable<Uint8Array | string>, encoding: CsvEncoding = 'auto'): AsyncGenerator<string> {
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      yield chunk;
      continue;
    }
    let bytes = chunk;
    if (!decoder) {
      if (encoding === 'auto') {
        const { label, skip } = sniff(bytes);
        decoder = new TextDecoder(label, { fatal: false, ignoreBOM: true });
        bytes = bytes.subarray(skip);
      } else {
        decoder = new TextDecoder(LABELS[encoding], { fatal: false, ignoreBOM: false });
      }
    }
    const text = decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  if (decoder) {
    const rest = decoder.decode();
    if (rest) yield rest;
  }
}

/**
 * Records from a readable object stream in batches (everything buffered at each wake-up):
 * one await per batch instead of one per record, which matters at 100,000 rows.
 */
export async function* readInBatches<T>(stream: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }): AsyncGenerator<T[]> {
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('readable', notify);
  stream.once('end', () => {
    done = true;
    notify();
  });
  stream.once('error', (err: unknown) => {
    failure = err;
    notify();
  });
  stream.once('close', () => {
    done = true;
    notify();
  });
  for (;;) {
    if (failure) throw failure;
    const batch: T[] = [];
    let item: T | null;
    while ((item = stream.read() as T | null) !== null) batch.push(item);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (failure) throw failure;
    if (done) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** A csv-parse error on one record, as a person should read it. */
export function describeCsvError(err: Error & { code?: string; lines?: number }): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    return `a quote is never closed (quoted fields may span lines), so the file from the bad quote to its end (line ${err.lines ?? '?'}) could not be read as rows; fix the quoting and import again`;
  }
  return `not valid CSV, row skipped: ${err.message}`;
}
