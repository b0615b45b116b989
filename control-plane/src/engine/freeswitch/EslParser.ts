/**
 * ESL framing: bytes from the socket → frames (outer headers + optional body).
 *
 * A frame is a block of `Name: value` lines ended by an empty line, followed by
 * `Content-Length` bytes of body when that header is present. Chunks arrive cut
 * anywhere (several frames in one chunk, a frame split across chunks), so the parser
 * keeps what it has not consumed and never re-scans bytes it already searched: the
 * header search resumes where it stopped, and a body is assembled once all its bytes
 * are there (no concat per chunk while waiting for a large body).
 */

export interface EslFrame {
  /** Outer headers, values as sent (not URL-decoded). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, when the frame had a Content-Length. */
  readonly body: Buffer | null;
}

export class EslProtocolError extends Error {
  override readonly name = 'EslProtocolError';
}

export interface EslParserLimits {
  /** Largest header block accepted (bytes). */
  maxHeaderBytes: number;
  /** Largest body accepted (bytes). */
  maxBodyBytes: number;
}

const DEFAULT_LIMITS: EslParserLimits = { maxHeaderBytes: 1 << 20, maxBodyBytes: 64 << 20 };
const LF = 0x0a;

export class EslParser {
  readonly #onFrame: (frame: EslFrame) => void;
  readonly #limits: EslParserLimits;
  /** Unconsumed bytes: `#pieces` concatenated, starting at `#offset` of the first piece. */
  #pieces: Buffer[] = [];
  #pendingBytes = 0;
  #offset = 0;
  /** Header search resumes here (relative to the unconsumed start). */
  #scanFrom = 0;
  /** Set while waiting for a body. */
  #headers: Record<string, string> | null = null;
  #bodyLength = 0;
  #failed: EslProtocolError | null = null;

  constructor(onFrame: (frame: EslFrame) => void, limits: Partial<EslParserLimits> = {}) {
    this.#onFrame = onFrame;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes received but not yet part of a delivered frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes - this.#offset;
  }

  /** True between frames only: false while part of a frame (header or body) has arrived. */
  get atFrameBoundary(): boolean {
    return this.#headers === null && this.bufferedBytes === 0;
  }

  /** Feeds one chunk; delivers every frame it completes. Throws EslProtocolError on garbage. */
  push(chunk: Buffer): void {
    if (this.#failed) throw this.#failed;
    if (chunk.length === 0) return;
    this.#pieces.push(chunk);
    this.#pendingBytes += chunk.length;
    try {
      this.#drain();
    } catch (err) {
      if (err instanceof EslProtocolError) this.#failed = err;
      throw err;
    }
  }

  /** Forgets everything buffered (after a reconnect). */
  reset(): void {
    this.#pieces = [];
    this.#pendingBytes = 0;
    this.#offset = 0;
    this.#scanFrom = 0;
    this.#headers = null;
    this.#bodyLength = 0;
    this.#failed = null;
  }

  /** Makes the unconsumed bytes one contiguous buffer. */
  #flat(): Buffer {
    if (this.#pieces.length > 1) {
      const first = this.#pieces[0] as Buffer;
      const joined = Buffer.concat([first.subarray(this.#offset), ...this.#pieces.slice(1)]);
      this.#pieces = [joined];
      this.#pendingBytes = joined.length;
      this.#offset = 0;
    }
    return this.#pieces[0] as Buffer;
  }

  #consume(n: number): void {
    this.#offset += n;
    this.#scanFrom = 0;
    if (this.#offset >= this.#pendingBytes) {
      this.#pieces = [];
      this.#pendingBytes = 0;
      this.#offset = 0;
    }
  }

  #drain(): void {
    for (;;) {
      const available = this.#pendingBytes - this.#offset;
      if (this.#headers) {
        if (available < this.#bodyLength) return;
        const buf = this.#flat();
        const body = buf.subarray(this.#offset, this.#offset + this.#bodyLength);
        const headers = this.#headers;
        this.#headers = null;
        this.#consume(this.#bodyLength);
        this.#onFrame({ headers, body });
        continue;
      }
      if (available === 0) return;
      const buf = this.#flat();
      // FreeSWITCH may send stray blank lines between frames; skip them.
      while (this.#offset < this.#pendingBytes && buf[this.#offset] === LF) this.#consume(1);
      if (this.#pieces.length === 0) return;
      const start = this.#offset;
      const searchFrom = start + Math.max(0, this.#scanFrom - 1);
      const end = buf.indexOf('\n\n', searchFrom, 'latin1');
      if (end === -1) {
        this.#scanFrom = this.#pendingBytes - start;
        if (this.#scanFrom > this.#limits.maxHeaderBytes) {
          throw new EslProtocolError(`ESL header block longer than ${this.#limits.maxHeaderBytes} bytes`);
        }
        return;
      }
      const headers = parseHeaderBlock(buf.toString('utf8', start, end));
      this.#consume(end + 2 - start);
      const lengthText = headers['Content-Length'];
      if (lengthText !== undefined) {
        const length = Number(lengthText);
        if (!Number.isInteger(length) || length < 0) throw new EslProtocolError(`bad Content-Length ${JSON.stringify(lengthText)}`);
        if (length > this.#limits.maxBodyBytes) throw new EslProtocolError(`ESL body of ${length} bytes exceeds ${this.#limits.maxBodyBytes}`);
        if (length > 0) {
          this.#headers = headers;
          this.#bodyLength = length;
          continue;
        }
        this.#onFrame({ headers, body: Buffer.alloc(0) });
        continue;
      }
      this.#onFrame({ headers, body: null });
    }
  }
}

/** `Name: value` lines → object. Values are kept as sent; the first occurrence of a name wins. */
export function parseHeaderBlock(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = len;
    const colon = text.indexOf(':', pos);
    if (colon !== -1 && colon < eol) {
      const name = text.slice(pos, colon);
      let valueStart = colon + 1;
      if (text.charCodeAt(valueStart) === 0x20) valueStart++;
      let valueEnd = eol;
      if (text.charCodeAt(valueEnd - 1) === 0x0d) valueEnd--;
      if (!(name in headers)) headers[name] = text.slice(valueStart, valueEnd);
    }
    pos = eol + 1;
  }
  return headers;
}
