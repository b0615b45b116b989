/**
 * Runs the real Kamailio (our docker/kamailio/kamailio.cfg) and SIPp stand-ins for the
 * FreeSWITCH nodes as child processes on loopback addresses, each with its own ports and
 * files under a temporary directory. Everything started here is killed by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SipUserAgent } from './sipClient.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../../../..');
export const KAMAILIO_CFG = join(REPO_ROOT, 'docker/kamailio/kamailio.cfg');
export const NODE_UAS = join(here, 'sipp/node-uas.xml');
export const NODE_503 = join(here, 'sipp/node-503.xml');

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A UDP port free on every given address (tried at random in a high range). */
export async function freeUdpPort(addresses: string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (const address of addresses) {
      ok = await new Promise<boolean>((res) => {
        const s = createSocket('udp4');
        s.once('error', () => res(false));
        s.bind(port, address, () => s.close(() => res(true)));
      });
      if (!ok) break;
    }
    if (ok) return port;
  }
  throw new Error('no free UDP port found');
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export class StandInNode {
  #child: ChildProcess | null = null;
  constructor(
    readonly ip: string,
    readonly port: number,
    readonly scenario: string,
    readonly workDir: string,
  ) {}

  get uri(): string {
    return `sip:${this.ip}:${this.port}`;
  }

  async start(): Promise<void> {
    const log = openSync(join(this.workDir, `sipp-${this.ip}.log`), 'a');
    this.#child = spawn(
      'sipp',
      ['-sf', this.scenario, '-i', this.ip, '-p', String(this.port), '-bind_local', '-aa', '-nostdin', '-t', 'u1', '-max_socket', '64'],
      { cwd: this.workDir, detached: true, stdio: ['ignore', 'ignore', log] },
    );
    closeSync(log);
    // Up when it answers an OPTIONS (auto-answered with -aa).
    const ua = await SipUserAgent.bind('127.0.0.1');
    try {
      await waitFor(`SIPp node ${this.ip}:${this.port}`, 5000, async () => (await ua.options(this.ip, this.port, 200)) === 200);
    } finally {
      ua.close();
    }
  }

  /** Simulates a crash: SIGKILL, no goodbye. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    killGroup(child, 'SIGKILL');
    await exited(child);
    this.#child = null;
  }
}

export interface EdgeOptions {
  nodes: Array<{ ip: string; scenario?: string }>;
  trunks: string[];
  pingIntervalS: number;
  frTimerMs: number;
  pikeReqs?: number;
  pikeWindowS?: number;
}

export class Edge {
  readonly dir: string;
  readonly nodes: StandInNode[];
  readonly host = '127.0.0.1';
  port = 0;
  #kamailio: ChildProcess | null = null;
  #ctl: string;

  constructor(readonly options: EdgeOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'switchboard-edge-'));
    this.#ctl = `unix:${join(this.dir, 'kamailio_ctl')}`;
    this.nodes = [];
  }

  static async start(options: EdgeOptions): Promise<Edge> {
    const edge = new Edge(options);
    try {
      await edge.#start();
    } catch (err) {
      await edge.stop();
      throw new Error(`${(err as Error).message}\n--- kamailio log ---\n${edge.log().slice(-4000)}`);
    }
    return edge;
  }

  async #start(): Promise<void> {
    const nodePort = await freeUdpPort(this.options.nodes.map((n) => n.ip));
    this.port = await freeUdpPort([this.host]);
    for (const n of this.options.nodes) {
      this.nodes.push(new StandInNode(n.ip, nodePort, n.scenario ?? NODE_UAS, this.dir));
    }
    writeFileSync(join(this.dir, 'dispatcher.list'), this.nodes.map((n) => `1 ${n.uri}\n`).join(''));
    writeFileSync(join(this.dir, 'address.list'), this.options.trunks.map((ip) => `1 ${ip} 32\n`).join(''));
    mkdirSync(join(this.dir, 'run'));
    for (const node of this.nodes) await node.start();

    const defines = [
      `LISTEN=udp:${this.host}:${this.port}`,
      `DISPATCHER_LIST="${join(this.dir, 'dispatcher.list')}"`,
      `ADDRESS_LIST="${join(this.dir, 'address.list')}"`,
      `CTL_SOCKET="${this.#ctl}"`,
      `DS_PING_INTERVAL=${this.options.pingIntervalS}`,
      `FR_TIMER=${this.options.frTimerMs}`,
      `PIKE_REQS=${this.options.pikeReqs ?? 30}`,
      `PIKE_WINDOW=${this.options.pikeWindowS ?? 2}`,
      'WORKERS=2',
    ];
    const log = openSync(join(this.dir, 'kamailio.log'), 'a');
    this.#kamailio = spawn(
      'kamailio',
      ['-f', KAMAILIO_CFG, '-DD', '-E', '-m', '64', '-M', '8', '-Y', join(this.dir, 'run'), '-P', join(this.dir, 'kamailio.pid'), ...defines.flatMap((d) => ['-A', d])],
      { cwd: this.dir, detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const ua = await SipUserAgent.bind(this.options.trunks[0] ?? '127.0.0.1');
    try {
      await waitFor('kamailio to answer OPTIONS', 5000, async () => {
        if (this.#kamailio?.exitCode !== null) throw new Error(`kamailio exited with code ${this.#kamailio?.exitCode}`);
        return (await ua.options(this.host, this.port, 200)) === 200;
      });
    } finally {
      ua.close();
    }
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'kamailio.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Dispatcher state per node URI, read over Kamailio's control socket (A = active, I = inactive). */
  dispatcherFlags(): Map<string, string> {
    const out = spawnSync('kamcmd', ['-s', this.#ctl, 'dispatcher.list'], { encoding: 'utf8', timeout: 3000 });
    const flags = new Map<string, string>();
    let uri: string | null = null;
    for (const line of out.stdout.split('\n')) {
      const u = /URI: (\S+)/.exec(line);
      if (u) uri = u[1]!;
      const f = /FLAGS: (\S+)/.exec(line);
      if (f && uri) {
        flags.set(uri, f[1]!);
        uri = null;
      }
    }
    return flags;
  }

  async waitForNodeState(node: StandInNode, state: 'A' | 'I', timeoutMs: number): Promise<number> {
    const started = Date.now();
    await waitFor(`node ${node.uri} to become ${state}`, timeoutMs, async () => (this.dispatcherFlags().get(node.uri) ?? '').startsWith(state));
    return Date.now() - started;
  }

  async stop(): Promise<void> {
    if (this.#kamailio) {
      killGroup(this.#kamailio, 'SIGTERM');
      const done = exited(this.#kamailio);
      const timer = setTimeout(() => this.#kamailio && killGroup(this.#kamailio, 'SIGKILL'), 2000);
      await done;
      clearTimeout(timer);
    }
    for (const node of this.nodes) await node.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
