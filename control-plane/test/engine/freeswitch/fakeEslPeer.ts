/**
 * A fake FreeSWITCH that replays recorded ESL traces over real TCP sockets.
 *
 * A trace becomes a script: the chunks FreeSWITCH sent first (auth/request, or nothing
 * for an outbound socket), then for each command the controller sent, the chunks
 * FreeSWITCH sent back until the next command — byte-exact, chunk boundaries as
 * recorded. When the adapter sends a command, the peer replays the next step whose
 * recorded command has the same key (`execute playback`, `api uuid_kill`, `bgapi
 * originate` …). Commands the recording does not have (a `set` the adapter adds) get a
 * minimal synthesised reply and are listed in `synthesised`; anything else is listed in
 * `unexpected` and answered with -ERR, so a test can assert exactly what was sent.
 *
 * Rewrites are same-length byte substitutions (ids), so every Content-Length and chunk
 * boundary stays exact.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readTrace, type TraceChunk } from '../../../src/engine/freeswitch/eslTrace.js';

export const TRACE_DIR = fileURLToPath(new URL('../../fixtures/fs-traces/', import.meta.url));

export function tracePath(name: string): string {
  return `${TRACE_DIR}${name}`;
}

export interface Step {
  /** The command as recorded. */
  recorded: string;
  /** FreeSWITCH's chunks after it. */
  reply: Buffer[];
}

export interface Script {
  greeting: Buffer[];
  steps: Step[];
}

export function scriptOf(name: string): Script {
  const chunks: TraceChunk[] = readTrace(tracePath(name));
  const greeting: Buffer[] = [];
  const steps: Step[] = [];
  for (const c of chunks) {
    if (c.dir === 'cp>fs') steps.push({ recorded: c.bytes.toString('utf8'), reply: [] });
    else if (steps.length === 0) greeting.push(c.bytes);
    else (steps[steps.length - 1] as Step).reply.push(c.bytes);
  }
  return { greeting, steps };
}

/** `execute <app>` for sendmsg, `api <cmd>` / `bgapi <cmd>`, else the first word. */
export function commandKey(command: string): string {
  const text = command.trim();
  if (text.startsWith('sendmsg')) {
    const app = /execute-app-name: (\S+)/.exec(text)?.[1] ?? '?';
    return `execute ${app}`;
  }
  const words = text.split(/\s+/);
  if (words[0] === 'api' || words[0] === 'bgapi') return `${words[0]} ${words[1] ?? ''}`;
  return words[0] ?? '';
}

export interface PeerOptions {
  /** Same-length substitutions applied to everything the peer sends. */
  rewrite?: Array<[string, string]>;
  /** Received key → recorded key it stands for (e.g. `api uuid_bridge` → `execute bridge`). */
  aliases?: Record<string, string>;
  /** Called for each command received (after it is answered). */
  onCommand?: (command: string, key: string) => void;
  /** Return true to drop the connection instead of answering this command. */
  dropOn?: (command: string, key: string) => boolean;
}

function rewriteChunks(chunks: Buffer[], pairs: Array<[string, string]>): Buffer[] {
  if (pairs.length === 0) return chunks;
  let all = Buffer.concat(chunks).toString('latin1');
  for (const [from, to] of pairs) {
    if (from.length !== to.length) throw new Error(`rewrite ${from} → ${to} changes the length`);
    all = all.split(from).join(to);
  }
  const out: Buffer[] = [];
  let at = 0;
  const bytes = Buffer.from(all, 'latin1');
  for (const c of chunks) {
    out.push(bytes.subarray(at, at + c.length));
    at += c.length;
  }
  return out;
}

/** Replays one script on one socket. */
export class PeerSession {
  readonly received: string[] = [];
  readonly synthesised: string[] = [];
  readonly unexpected: string[] = [];
  readonly #socket: Socket;
  readonly #steps: Step[];
  readonly #o: PeerOptions;
  #buffer = '';
  /** Unique-ID of the channel (outbound sockets), for synthesised events. */
  #uuid = '';

  constructor(socket: Socket, script: Script, options: PeerOptions) {
    this.#socket = socket;
    this.#steps = [...script.steps];
    this.#o = options;
    socket.on('data', (d: Buffer) => this.#onData(d));
    socket.on('error', () => undefined);
    for (const c of this.#rw(script.greeting)) socket.write(c);
    const first = script.steps[0];
    if (first) {
      const m = /Unique-ID: (\S+)/.exec(Buffer.concat(first.reply).toString('utf8'));
      if (m) this.#uuid = m[1] as string;
    }
  }

  get remainingSteps(): string[] {
    return this.#steps.map((s) => commandKey(s.recorded));
  }

  close(): void {
    this.#socket.destroy();
  }

  #rw(chunks: Buffer[], extra: Array<[string, string]> = []): Buffer[] {
    return rewriteChunks(chunks, [...(this.#o.rewrite ?? []), ...extra]);
  }

  #onData(d: Buffer): void {
    this.#buffer += d.toString('utf8');
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end === -1) return;
      const command = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      this.#answer(command);
    }
  }

  #answer(command: string): void {
    this.received.push(command);
    const key = commandKey(command);
    if (this.#o.dropOn?.(command, key)) {
      this.#socket.destroy();
      return;
    }
    const wanted = this.#o.aliases?.[key] ?? key;
    const next = this.#steps[0];
    if (next && commandKey(next.recorded) === wanted) {
      this.#steps.shift();
      const extra: Array<[string, string]> = [];
      const ours = /Event-UUID: (\S+)/.exec(command)?.[1];
      const theirs = /Event-UUID: (\S+)/.exec(next.recorded)?.[1];
      if (ours && theirs && ours !== theirs) extra.push([`Application-UUID: ${theirs}\n`, `Application-UUID: ${ours}\n`]);
      for (const c of this.#rw(next.reply, extra)) this.#socket.write(c);
    } else if (key === 'execute set' || key === 'api uuid_setvar' || key === 'api uuid_break') {
      this.synthesised.push(command);
      this.#synthesise(command, key);
    } else {
      this.unexpected.push(command);
      this.#socket.write(key.startsWith('api') ? apiResponse('-ERR unexpected command\n') : 'Content-Type: command/reply\nReply-Text: -ERR unexpected command\n\n');
    }
    this.#o.onCommand?.(command, key);
  }

  #synthesise(command: string, key: string): void {
    if (key.startsWith('api')) {
      this.#socket.write(apiResponse('+OK\n'));
      return;
    }
    const eventUuid = /Event-UUID: (\S+)/.exec(command)?.[1] ?? '';
    const app = /execute-app-name: (\S+)/.exec(command)?.[1] ?? '';
    const data = encodeURIComponent(/execute-app-arg: (.*)/.exec(command)?.[1] ?? '');
    const body = `Event-Name: CHANNEL_EXECUTE_COMPLETE\nUnique-ID: ${this.#uuid}\nApplication: ${app}\nApplication-Data: ${data}\nApplication-Response: _none_\nApplication-UUID: ${eventUuid}\n\n`;
    this.#socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
    this.#socket.write(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`);
  }
}

export function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

/** A fake FreeSWITCH event socket (the engine connects to it); each connection replays `script()`. */
export class FakeInboundPeer {
  readonly sessions: PeerSession[] = [];
  #server: Server | null = null;
  #port = 0;

  constructor(
    readonly script: () => Script,
    readonly options: PeerOptions = {},
  ) {}

  get port(): number {
    return this.#port;
  }

  async listen(port = 0): Promise<number> {
    const server = createServer((socket) => {
      this.sessions.push(new PeerSession(socket, this.script(), this.options));
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    const addr = server.address();
    this.#port = addr && typeof addr === 'object' ? addr.port : port;
    return this.#port;
  }

  /** Stops listening and drops every connection (FreeSWITCH gone). */
  async close(): Promise<void> {
    for (const s of this.sessions) s.close();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** FreeSWITCH calling the control plane's outbound socket server with a recorded call. */
export async function dialOutbound(port: number, script: Script, options: PeerOptions = {}): Promise<PeerSession> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return new PeerSession(socket, script, options);
}

/** Waits until `predicate` holds (polling), or fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Event-UUIDs of the same length as the recorded `cap-N`, so rewrites keep byte counts. */
export function fixedWidthIds(prefix = 'x'): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(3, '0')}`.slice(-5);
}
