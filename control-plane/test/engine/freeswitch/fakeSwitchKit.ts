/**
 * What the fake-FreeSWITCH suites share: the password, bounded waits, a port nothing
 * listens on, a hand-written control plane that keeps every raw frame, and a kit that starts
 * fakes and real FreeSwitchEngines and stops them after each test.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { silentLogger } from '../../../src/logger.js';
import { EslEvent } from '../../../src/engine/freeswitch/EslEvent.js';
import { EslParser, type EslFrame } from '../../../src/engine/freeswitch/EslParser.js';
import { FreeSwitchEngine } from '../../../src/engine/freeswitch/FreeSwitchEngine.js';
import type { FsCallLeg } from '../../../src/engine/freeswitch/FsCallLeg.js';
import { FakeFreeSwitch, type ChannelSnapshot, type FakeFreeSwitchOptions } from '../../fixtures/fakeFreeswitch/FakeFreeSwitch.js';

export const PASSWORD = 'fake-secret';

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port nothing listens on (bound, then released). */
export async function refusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A control plane written by hand: accepts the switch's socket, sends connect / myevents /
 * linger and keeps every frame, so a test can read the raw replies and then kill it.
 */
export class ManualControlPlane {
  readonly frames: EslFrame[] = [];
  socket: Socket | null = null;
  #server: Server | null = null;
  #waiters = new Set<() => void>();

  async listen(): Promise<number> {
    const server = createServer((socket) => {
      this.socket = socket;
      socket.on('error', () => undefined);
      const parser = new EslParser((f) => {
        this.frames.push(f);
        for (const w of [...this.#waiters]) w();
      });
      socket.on('data', (c: Buffer) => parser.push(c));
      socket.write('connect\n\nmyevents\n\nlinger\n\n');
      for (const w of [...this.#waiters]) w();
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  send(text: string): void {
    this.socket?.write(text.endsWith('\n\n') ? text : `${text}\n\n`);
  }

  /** The first frame (in arrival order) that matches. */
  async frame(match: (f: EslFrame) => boolean, ms = 3000): Promise<EslFrame> {
    const find = (): EslFrame | undefined => this.frames.find(match);
    const found = find();
    if (found) return found;
    return withTimeout(
      new Promise<EslFrame>((resolve) => {
        const w = (): void => {
          const f = find();
          if (f) {
            this.#waiters.delete(w);
            resolve(f);
          }
        };
        this.#waiters.add(w);
      }),
      ms,
      'manual control plane frame',
    );
  }

  /** The process dies: the listener goes away and the socket is reset. */
  async crash(): Promise<void> {
    this.socket?.destroy();
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function eventOf(f: EslFrame): EslEvent | null {
  return f.headers['Content-Type'] === 'text/event-plain' && f.body ? EslEvent.fromPlainBuffer(f.body) : null;
}

/** Fakes and engines for one suite, stopped after each test (call inside `describe`). */
export function fakeSwitchKit() {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function fakeSwitch(options: FakeFreeSwitchOptions = {}): Promise<FakeFreeSwitch> {
    const fake = new FakeFreeSwitch({ password: PASSWORD, heartbeatMs: 100, promptMs: 20, retryDelayMs: 200, ...options });
    await fake.start();
    cleanups.push(() => fake.stop());
    return fake;
  }

  async function engineFor(fake: { eslPort: number }): Promise<FreeSwitchEngine> {
    const engine = new FreeSwitchEngine({
      nodes: [{ host: '127.0.0.1', port: fake.eslPort }],
      password: PASSWORD,
      outboundSocket: { host: '127.0.0.1', port: 0 },
      logger: silentLogger(),
      commandTimeoutMs: 2000,
      socketWaitMs: 3000,
      nodeDownGraceMs: 500,
      startTimeoutMs: 3000,
      reconnect: { initialMs: 50, maxMs: 200 },
    });
    await engine.start();
    cleanups.push(() => engine.stop());
    return engine;
  }

  /** The control plane process dies: every call socket is reset, nothing listens any more. */
  async function crash(engine: FreeSwitchEngine): Promise<void> {
    for (const leg of engine.legs()) leg.lose('CONTROL_PLANE_CRASHED');
    await engine.stop();
  }

  function nextCall(engine: FreeSwitchEngine, ms = 3000): Promise<FsCallLeg> {
    return withTimeout(new Promise<FsCallLeg>((resolve) => engine.once('call', (leg) => resolve(leg as FsCallLeg))), ms, 'call on the engine');
  }

  const cp = (engine: FreeSwitchEngine): { host: string; port: number } => ({ host: '127.0.0.1', port: engine.outboundPort });
  const byId = (uuid: string) => (chs: ChannelSnapshot[]) => chs.find((c) => c.uuid === uuid);

  return { cleanups, fakeSwitch, engineFor, crash, nextCall, cp, byId };
}
