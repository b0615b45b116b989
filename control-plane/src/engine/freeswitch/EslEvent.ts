/**
 * One FreeSWITCH event. A real event carries 100–250 headers (3–12 KB) and a handler
 * reads five of them, so plain events are parsed lazily: `get(name)` finds the line,
 * URL-decodes that one value and caches it; `headers()` parses everything when asked.
 */
import type { EslFrame } from './EslParser.js';

export class EslEvent {
  /** Header text (event-plain given as a string), or null. */
  #text: string | null;
  /** Header bytes (event-plain as received) and where the header block ends, or null. */
  readonly #buf: Buffer | null;
  readonly #end: number;
  #json: Record<string, string> | null;
  #cache: Map<string, string | undefined> | null = null;
  #all: Record<string, string> | null = null;
  /** The event's own body (e.g. a BACKGROUND_JOB result), '' when none. */
  readonly body: string;

  private constructor(text: string | null, json: Record<string, string> | null, body: string, buf: Buffer | null = null, end = 0) {
    this.#text = text;
    this.#json = json;
    this.body = body;
    this.#buf = buf;
    this.#end = end;
  }

  /**
   * From the raw bytes of a `text/event-plain` body, without turning the 3–12 KB header
   * block into a string: `get` searches the bytes (plain header values are
   * percent-encoded ASCII) and decodes only the value it finds. The event's own body,
   * which may hold raw UTF-8, is decoded as UTF-8.
   */
  static fromPlainBuffer(buf: Buffer): EslEvent {
    const split = buf.indexOf('\n\n', 0, 'latin1');
    const end = split === -1 ? buf.length : split;
    let body = '';
    if (split !== -1) {
      const lengthAt = findLineInBuffer(buf, end, 'Content-Length');
      if (lengthAt !== undefined) {
        const n = Number(lengthAt);
        if (Number.isInteger(n) && n > 0) body = buf.toString('utf8', split + 2, Math.min(buf.length, split + 2 + n));
      }
    }
    return new EslEvent(null, null, body, buf, end);
  }

  static fromPlain(content: string): EslEvent {
    const split = content.indexOf('\n\n');
    const headText = split === -1 ? content : content.slice(0, split);
    let body = '';
    if (split !== -1) {
      const lengthAt = findLine(headText, 'Content-Length');
      if (lengthAt !== undefined) {
        const n = Number(lengthAt);
        const rest = content.slice(split + 2);
        // Content-Length counts bytes; the body is almost always ASCII, so compare in bytes only when needed.
        body = Buffer.byteLength(rest) === n ? rest : Buffer.from(rest).subarray(0, n).toString('utf8');
      }
    }
    return new EslEvent(headText, null, body);
  }

  static fromJson(content: string): EslEvent {
    const parsed: unknown = JSON.parse(content);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('ESL JSON event is not an object');
    const json: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof v === 'string') json[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') json[k] = String(v);
    }
    const body = json._body ?? '';
    delete json._body;
    return new EslEvent(null, json, body);
  }

  /** Builds an event from already-decoded headers (tests, synthetic events). */
  static fromHeaders(headers: Record<string, string>, body = ''): EslEvent {
    return new EslEvent(null, { ...headers }, body);
  }

  get name(): string {
    return this.get('Event-Name') ?? '';
  }

  /** The decoded value of the first header with this name. */
  get(name: string): string | undefined {
    if (this.#json) return this.#json[name];
    if (this.#all) return this.#all[name];
    let cache = this.#cache;
    if (cache === null) {
      cache = new Map();
      this.#cache = cache;
    } else if (cache.has(name)) {
      return cache.get(name);
    }
    const raw = this.#buf ? findLineInBuffer(this.#buf, this.#end, name) : findLine(this.#text as string, name);
    const value = raw === undefined ? undefined : decodeValue(raw);
    cache.set(name, value);
    return value;
  }

  /** Every header, decoded. */
  headers(): Readonly<Record<string, string>> {
    if (this.#json) return this.#json;
    if (!this.#all) {
      const all: Record<string, string> = {};
      if (this.#text === null && this.#buf) this.#text = this.#buf.toString('latin1', 0, this.#end);
      const text = this.#text as string;
      for (const line of text.split('\n')) {
        const colon = line.indexOf(': ');
        if (colon <= 0) continue;
        const key = line.slice(0, colon);
        if (!(key in all)) all[key] = decodeValue(line.slice(colon + 2));
      }
      this.#all = all;
    }
    return this.#all;
  }

  /** Channel variables (`variable_*` headers) without the prefix. */
  variables(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.headers())) {
      if (k.startsWith('variable_')) out[k.slice(9)] = v;
    }
    return out;
  }
}

const needles = new Map<string, Buffer>();

/** The raw value of header `name` in the first `end` bytes of `buf`, searched natively. */
function findLineInBuffer(buf: Buffer, end: number, name: string): string | undefined {
  let needle = needles.get(name);
  if (!needle) {
    needle = Buffer.from(`\n${name}: `, 'latin1');
    if (needles.size < 4096) needles.set(name, needle);
  }
  let start: number;
  if (buf.length >= needle.length - 1 && buf.compare(needle, 1, needle.length, 0, needle.length - 1) === 0) {
    start = needle.length - 1;
  } else {
    const at = buf.indexOf(needle);
    if (at === -1 || at >= end) return undefined;
    start = at + needle.length;
  }
  let eol = buf.indexOf(0x0a, start);
  if (eol === -1 || eol > end) eol = end;
  return buf.toString('latin1', start, eol);
}

/** The raw value of header `name` in a header block, without parsing the block. */
function findLine(text: string, name: string): string | undefined {
  const needle = name + ': ';
  let at: number;
  if (text.startsWith(needle)) at = 0;
  else {
    const found = text.indexOf('\n' + needle);
    if (found === -1) return undefined;
    at = found + 1;
  }
  const start = at + needle.length;
  const eol = text.indexOf('\n', start);
  return text.slice(start, eol === -1 ? text.length : eol);
}

/** Decodes a URL-encoded header value; a value that is not valid percent-encoding is kept as is. */
export function decodeValue(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The event carried by a frame (`text/event-plain` or `text/event-json`), or null. */
export function eventOfFrame(frame: EslFrame): EslEvent | null {
  const type = frame.headers['Content-Type'];
  if (!frame.body) return null;
  if (type === 'text/event-plain') return EslEvent.fromPlainBuffer(frame.body);
  if (type === 'text/event-json') return EslEvent.fromJson(frame.body.toString('utf8'));
  return null;
}
