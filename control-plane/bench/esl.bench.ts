/**
 * ESL throughput: replays the recorded load trace (2,640 real events, 17.5 MB, chunk
 * boundaries as FreeSWITCH sent them) at maximum speed through
 * parse → typed event → dispatch, and the same chunks through modesl's parser for
 * comparison. Last line: `events_per_s=<n> mb_per_s=<x>` (ours).
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EslParser } from '../src/engine/freeswitch/EslParser.js';
import { eventOfFrame } from '../src/engine/freeswitch/EslEvent.js';
import { toFsEvent, type FsEvent } from '../src/engine/freeswitch/fsEvents.js';
import { readTrace } from '../src/engine/freeswitch/eslTrace.js';

const tracePath = fileURLToPath(new URL('../test/fixtures/fs-traces/inbound-esl-load-all-events.jsonl.gz', import.meta.url));
const chunks = readTrace(tracePath).filter((c) => c.dir === 'fs>cp').map((c) => c.bytes);
const bytesPerPass = chunks.reduce((n, c) => n + c.length, 0);
const minMs = Number(process.env.BENCH_MS ?? 3000);

/** Dispatch the way the engine does: by event type, then by channel. */
function makeDispatcher(): { dispatch(e: FsEvent): void; checksum(): number } {
  const perChannel = new Map<string, number>();
  let hangups = 0;
  return {
    dispatch(e) {
      if (e.uuid) perChannel.set(e.uuid, (perChannel.get(e.uuid) ?? 0) + 1);
      if (e.type === 'CHANNEL_HANGUP_COMPLETE' && e.cause) hangups++;
    },
    checksum: () => perChannel.size * 1000 + hangups,
  };
}

/** Ours with every header of every event decoded (what modesl does), for a like-for-like figure. */
function runOursFull(): { events: number; bytes: number; ms: number } {
  let events = 0;
  let bytes = 0;
  let headerCount = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    const parser = new EslParser((frame) => {
      const ev = eventOfFrame(frame);
      if (!ev) return;
      events++;
      headerCount += Object.keys(ev.headers()).length;
    });
    for (const c of chunks) parser.push(c);
    bytes += bytesPerPass;
  }
  if (headerCount === 0) throw new Error('no headers decoded');
  return { events, bytes, ms: performance.now() - t0 };
}

function runOurs(): { events: number; bytes: number; ms: number; checksum: number } {
  let events = 0;
  let bytes = 0;
  const d = makeDispatcher();
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    const parser = new EslParser((frame) => {
      const ev = eventOfFrame(frame);
      if (!ev) return;
      events++;
      d.dispatch(toFsEvent(ev));
    });
    for (const c of chunks) parser.push(c);
    bytes += bytesPerPass;
  }
  return { events, bytes, ms: performance.now() - t0, checksum: d.checksum() };
}

interface ModeslParser extends EventEmitter {
  on(event: string, fn: (...args: unknown[]) => void): this;
}

function runModesl(): { events: number; bytes: number; ms: number } | null {
  let Parser: new (socket: EventEmitter) => ModeslParser;
  try {
    Parser = createRequire(import.meta.url)('modesl/lib/esl/Parser.js') as typeof Parser;
  } catch {
    return null;
  }
  let events = 0;
  let bytes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    const socket = new EventEmitter();
    const parser = new Parser(socket);
    parser.on('esl::event', () => {
      events++;
    });
    for (const c of chunks) socket.emit('data', c);
    bytes += bytesPerPass;
  }
  return { events, bytes, ms: performance.now() - t0 };
}

function report(label: string, r: { events: number; bytes: number; ms: number }): { eps: number; mbps: number } {
  const eps = Math.round((r.events / r.ms) * 1000);
  const mbps = Math.round((r.bytes / 1e6 / (r.ms / 1000)) * 10) / 10;
  console.log(`${label.padEnd(34)} ${String(eps).padStart(8)} events/s  ${String(mbps).padStart(6)} MB/s  (${r.events} events in ${Math.round(r.ms)} ms)`);
  return { eps, mbps };
}

console.log(`trace: ${chunks.length} chunks, ${(bytesPerPass / 1e6).toFixed(1)} MB per pass; each run ≥ ${minMs} ms`);
const warm = runOurs();
void warm;
const modesl = runModesl();
if (modesl) report('modesl 1.2.1 Parser (full decode)', modesl);
report('switchboard EslParser, all headers', runOursFull());
const ours = runOurs();
const figures = report('switchboard EslParser → FsEvent', ours);
console.log(`events_per_s=${figures.eps} mb_per_s=${figures.mbps}`);
