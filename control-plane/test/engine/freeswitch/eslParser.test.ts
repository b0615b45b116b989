/**
 * ESL framing against the real traces, with the chunk boundaries FreeSWITCH produced:
 * several frames per chunk and frames split across chunks.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EslParser, EslProtocolError, type EslFrame } from '../../../src/engine/freeswitch/EslParser.js';
import { EslEvent, eventOfFrame } from '../../../src/engine/freeswitch/EslEvent.js';
import { toFsEvent } from '../../../src/engine/freeswitch/fsEvents.js';
import { readTrace } from '../../../src/engine/freeswitch/eslTrace.js';
import { tracePath } from './fakeEslPeer.js';

/** The README's table: frames / chunks; chunks with several frames; chunks ending mid-frame. */
const TABLE: Array<[string, number, number, number, number]> = [
  ['outbound-socket-inbound-call.jsonl', 32, 24, 3, 1],
  ['outbound-socket-caller-abandons.jsonl', 17, 10, 3, 0],
  ['outbound-socket-originated-call.jsonl', 16, 9, 1, 0],
  ['inbound-esl-originate-to-socket.jsonl', 9, 7, 2, 0],
  ['inbound-esl-originate.jsonl', 38, 33, 6, 2],
  ['inbound-esl-eavesdrop.jsonl', 27, 20, 6, 0],
  ['inbound-esl-avmd.jsonl', 25, 21, 4, 0],
  ['inbound-esl-json-heartbeat.jsonl', 9, 7, 2, 0],
  ['inbound-esl-load-all-events.jsonl.gz', 2645, 526, 377, 54],
];

function fsChunks(name: string): Buffer[] {
  return readTrace(tracePath(name)).filter((c) => c.dir === 'fs>cp').map((c) => c.bytes);
}

function frameKey(f: EslFrame): string {
  return JSON.stringify([f.headers, f.body?.toString('base64') ?? null]);
}

function parseAll(chunks: Buffer[]): EslFrame[] {
  const frames: EslFrame[] = [];
  const p = new EslParser((f) => frames.push(f));
  for (const c of chunks) p.push(c);
  assert.ok(p.atFrameBoundary, 'nothing left over at the end of the trace');
  return frames;
}

describe('ESL framing on recorded traces', () => {
  for (const [name, frames, chunks, several, split] of TABLE) {
    it(`${name}: ${frames} frames in ${chunks} chunks (${several} with several frames, ${split} ending mid-frame)`, () => {
      const input = fsChunks(name);
      assert.equal(input.length, chunks);
      let total = 0;
      let multi = 0;
      let midFrame = 0;
      let inChunk = 0;
      const p = new EslParser(() => {
        total++;
        inChunk++;
      });
      for (const c of input) {
        inChunk = 0;
        p.push(c);
        if (inChunk > 1) multi++;
        if (!p.atFrameBoundary) midFrame++;
      }
      assert.equal(total, frames);
      assert.equal(multi, several);
      assert.equal(midFrame, split);
      assert.equal(p.bufferedBytes, 0);
    });
  }

  it('gives the same frames however the bytes are cut (property)', () => {
    const input = Buffer.concat(fsChunks('inbound-esl-originate.jsonl'));
    const reference = parseAll([input]).map(frameKey);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 60 }), (cuts) => {
        const sorted = [...cuts].sort((a, b) => a - b);
        const pieces: Buffer[] = [];
        let at = 0;
        for (const cut of sorted) {
          pieces.push(input.subarray(at, cut));
          at = cut;
        }
        pieces.push(input.subarray(at));
        assert.deepEqual(parseAll(pieces).map(frameKey), reference);
      }),
      { numRuns: 60 },
    );
  });

  it('byte by byte gives the same frames as the recorded chunks', () => {
    const input = fsChunks('outbound-socket-inbound-call.jsonl');
    const whole = Buffer.concat(input);
    const bytes: Buffer[] = [];
    for (let i = 0; i < whole.length; i++) bytes.push(whole.subarray(i, i + 1));
    assert.deepEqual(parseAll(bytes).map(frameKey), parseAll(input).map(frameKey));
  });

  it('reads the connect reply, command replies, api bodies, events and the disconnect notice', () => {
    const frames = parseAll(fsChunks('outbound-socket-caller-abandons.jsonl'));
    const first = frames[0]!;
    assert.equal(first.headers['Content-Type'], 'command/reply');
    assert.equal(first.headers['Reply-Text'], '%2BOK%0A');
    assert.equal(first.headers['Unique-ID'], 'f99ae720-0e78-4e56-a986-7ce6632d1602');
    const last = frames[frames.length - 1]!;
    assert.equal(last.headers['Content-Type'], 'text/disconnect-notice');
    assert.equal(last.headers['Content-Disposition'], 'linger');
    const events = frames.map(eventOfFrame).filter((e): e is EslEvent => e !== null).map(toFsEvent);
    assert.deepEqual(events.slice(0, 5).map((e) => e.type), ['CHANNEL_EXECUTE', 'CHANNEL_ANSWER', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_EXECUTE', 'CHANNEL_HANGUP']);
    const hangup = events.find((e) => e.type === 'CHANNEL_HANGUP');
    assert.ok(hangup && hangup.type === 'CHANNEL_HANGUP');
    assert.equal(hangup.cause, 'NORMAL_CLEARING');
    const playback = events.find((e) => e.type === 'CHANNEL_EXECUTE_COMPLETE' && e.application === 'playback');
    assert.ok(playback && playback.type === 'CHANNEL_EXECUTE_COMPLETE');
    assert.equal(playback.response, 'PLAYBACK ERROR');
    assert.equal(playback.applicationUuid, 'cap-2');
    assert.equal(playback.event.get('Application-Data'), 'local_stream://moh');
  });

  it('decodes BACKGROUND_JOB bodies (plain and JSON) and HEARTBEAT figures', () => {
    const plain = parseAll(fsChunks('inbound-esl-originate.jsonl')).map(eventOfFrame).filter((e): e is EslEvent => e !== null).map(toFsEvent);
    const jobs = plain.filter((e) => e.type === 'BACKGROUND_JOB').map((e) => (e.type === 'BACKGROUND_JOB' ? [e.ok, e.result] : []));
    assert.deepEqual(jobs, [
      [true, '+OK trace-leg-a\n'],
      [false, '-ERR USER_BUSY\n'],
      [false, '-ERR NORMAL_TEMPORARY_FAILURE\n'],
    ]);
    const json = parseAll(fsChunks('inbound-esl-json-heartbeat.jsonl')).map(eventOfFrame).filter((e): e is EslEvent => e !== null).map(toFsEvent);
    const beat = json.find((e) => e.type === 'HEARTBEAT');
    assert.ok(beat && beat.type === 'HEARTBEAT');
    assert.deepEqual([beat.sessions, beat.maxSessions, beat.idleCpu, beat.coreUuid], [0, 4000, 98.266667, '92a5a26f-26b3-41f9-b1e7-fbcff1fe6ada']);
    const job = json.find((e) => e.type === 'BACKGROUND_JOB');
    assert.ok(job && job.type === 'BACKGROUND_JOB');
    assert.match(job.result, /^UP 0 years/);
  });

  it('lazy header lookup agrees with a full parse on every event of the load trace', () => {
    const chunks = fsChunks('inbound-esl-load-all-events.jsonl.gz');
    const lazy = parseAll(chunks).map(eventOfFrame).filter((e): e is EslEvent => e !== null);
    const full = parseAll(chunks).map(eventOfFrame).filter((e): e is EslEvent => e !== null).map((e) => e.headers());
    assert.equal(lazy.length, 2640);
    const names = ['Event-Name', 'Unique-ID', 'Hangup-Cause', 'Caller-Caller-ID-Number', 'Caller-Caller-ID-Name', 'variable_sip_from_user', 'Other-Leg-Unique-ID', 'Channel-Name', 'No-Such-Header'];
    lazy.forEach((e, i) => {
      for (const name of names) assert.equal(e.get(name), full[i]![name], `event ${i} header ${name}`);
    });
    assert.equal(full[0]!['FreeSWITCH-IPv6'], 'fd00::2');
  });

  it('refuses garbage instead of buffering forever', () => {
    const p = new EslParser(() => undefined, { maxHeaderBytes: 1024 });
    assert.throws(() => p.push(Buffer.alloc(2048, 0x41)), (err: unknown) => err instanceof EslProtocolError && /header block longer than 1024 bytes/.test(err.message));
    const q = new EslParser(() => undefined);
    assert.throws(() => q.push(Buffer.from('Content-Type: api/response\nContent-Length: -3\n\n')), /bad Content-Length "-3"/);
  });

  it('keeps a literal % that is not percent-encoding (modesl throws URIError here)', () => {
    const e = EslEvent.fromPlain('Event-Name: CUSTOM\nReply-Text: -ERR 100% busy\n');
    assert.equal(e.get('Reply-Text'), '-ERR 100% busy');
  });
});
