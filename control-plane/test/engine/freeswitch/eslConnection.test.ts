/**
 * The inbound connection's guarantees against a scripted server: replies stay matched
 * to their commands even after a timeout, the password is checked, reconnect delays are
 * capped and jittered.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { SystemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/logger.js';
import { EngineUnavailableError, MediaTimeoutError } from '../../../src/engine/errors.js';
import { EslAuthError, EslConnection } from '../../../src/engine/freeswitch/EslConnection.js';
import { EslChannel } from '../../../src/engine/freeswitch/EslChannel.js';
import { apiFrame, okReply } from './frames.js';

/** A tiny ESL server: asks for auth, accepts `lab-secret`, answers api commands via `answer`. */
async function server(answer: (command: string, socket: Socket) => void): Promise<{ port: number; server: Server }> {
  const srv = createServer((socket) => {
    let buf = '';
    socket.write('Content-Type: auth/request\n\n');
    socket.on('data', (d) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n\n'); i !== -1; i = buf.indexOf('\n\n')) {
        const cmd = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (cmd.startsWith('auth ')) socket.write(okReply(cmd === 'auth lab-secret' ? '+OK accepted' : '-ERR invalid'));
        else if (cmd.startsWith('event ')) socket.write(okReply('+OK event listener enabled plain'));
        else if (cmd === 'exit') socket.end(okReply('+OK bye'));
        else answer(cmd, socket);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  return { port: addr && typeof addr === 'object' ? addr.port : 0, server: srv };
}

function connection(port: number, password = 'lab-secret'): EslConnection {
  return new EslConnection({ host: '127.0.0.1', port, password, clock: new SystemClock(), logger: silentLogger(), events: ['HEARTBEAT'], commandTimeoutMs: 3000, reconnect: { initialMs: 20, maxMs: 50 } });
}

describe('ESL inbound connection', () => {
  it('a timed-out command keeps its place: its late reply is dropped, the next command gets its own', async () => {
    let pendingSlow: Socket | null = null;
    const { port, server: srv } = await server((cmd, socket) => {
      if (cmd === 'api slow') pendingSlow = socket;
      else if (cmd === 'api fast') {
        socket.write(apiFrame('slow result\n'));
        socket.write(apiFrame('fast result\n'));
      }
    });
    const conn = connection(port);
    await conn.start();
    await assert.rejects(conn.api('slow', 100), (err: unknown) => err instanceof MediaTimeoutError && err.message === 'api slow timed out after 100 ms');
    assert.ok(pendingSlow);
    assert.equal(await conn.api('fast'), 'fast result\n');
    await conn.stop();
    srv.close();
  });

  it('a wrong password fails start with a message naming the node', async () => {
    const { port, server: srv } = await server(() => undefined);
    const conn = connection(port, 'wrong');
    await assert.rejects(conn.start(), (err: unknown) => err instanceof EslAuthError && /refused the ESL password \(invalid\)/.test(err.message));
    await conn.stop();
    srv.close();
  });

  it('commands while disconnected fail at once with EngineUnavailableError', async () => {
    const conn = connection(1);
    await assert.rejects(conn.api('status'), (err: unknown) => err instanceof EngineUnavailableError && /is not connected \(command status not sent\)/.test(err.message));
  });

  it('reconnect delays double up to the cap, with jitter in [50 %, 100 %)', () => {
    const low = new EslConnection({ host: 'h', port: 1, password: 'p', clock: new SystemClock(), logger: silentLogger(), events: [], reconnect: { initialMs: 100, maxMs: 1000 }, random: () => 0 });
    const high = new EslConnection({ host: 'h', port: 1, password: 'p', clock: new SystemClock(), logger: silentLogger(), events: [], reconnect: { initialMs: 100, maxMs: 1000 }, random: () => 0.999 });
    assert.deepEqual([0, 1, 2, 3, 4, 10, 50].map((n) => low.nextDelay(n)), [50, 100, 200, 400, 500, 500, 500]);
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => high.nextDelay(n)), [100, 200, 400, 800, 1000, 1000]);
  });

  it('stops writing when the socket buffer is full instead of growing it without bound', async () => {
    // A peer that never reads: the kernel buffers fill, then Node's write buffer grows.
    const srv = createServer((socket) => socket.pause());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const addr = srv.address();
    const socket = connect(addr && typeof addr === 'object' ? addr.port : 0, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const channel = new EslChannel(socket, { onEvent: () => undefined, onNotice: () => undefined, onClose: () => undefined }, { clock: new SystemClock(), commandTimeoutMs: 50, writeHighWaterBytes: 64 * 1024 });
    const big = `api echo ${'x'.repeat(60 * 1024)}`;
    const results = await Promise.allSettled(Array.from({ length: 400 }, () => channel.send(big, 'api echo')));
    const refused = results.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : null)).filter((e): e is EngineUnavailableError => e instanceof EngineUnavailableError);
    assert.ok(refused.length > 0, 'some commands were refused');
    assert.match(refused[0]!.message, /api echo: ESL write buffer is full \(\d+ bytes waiting\)/);
    assert.ok(socket.writableLength < 64 * 1024 + 2 * big.length, `write buffer stayed bounded (${socket.writableLength})`);
    channel.close();
    srv.close();
  });
});
