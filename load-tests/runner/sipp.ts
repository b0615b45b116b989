/**
 * One SIPp process: its command line, its own directory (scenario copy, media link, the
 * CSVs and logs it writes) and a hard deadline. Every process is bounded three ways:
 * by call count (-m), by SIPp's own global timeout (-timeout), and by the runner, which
 * asks for a graceful stop (SIGUSR1: no new calls, finish the current ones) and kills
 * (SIGKILL) whatever is still running at the deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { loadEnv } from './config.js';
import { scenarioFile, SCENARIOS } from './scenarios.js';

export interface SippSpec {
  /** Directory name inside the trial directory, e.g. `uac-1-caller-ivr`. */
  label: string;
  scenario: string;
  localHost: string;
  sipPort: number;
  mediaPort: number;
  /** host:port to call (uac only). */
  remote?: string;
  service?: string;
  /** Calls per second for this process and its ramp (uac only). */
  rate?: { start: number; step: number; stepSeconds: number; max: number; periodMs: number };
  maxCalls?: number;
  /** -l: most simultaneous calls (uac only); SIPp's default (3 × -d × rate) would throttle long scripts. */
  maxConcurrent?: number;
  callLengthMs: number;
  /** SIPp's own global timeout, seconds. */
  timeoutSeconds: number;
  /** -set variables (declared as Global in the scenario). */
  vars?: Record<string, string>;
  /** -au / -ap digest credentials. */
  auth?: { username: string; password: string };
  namespace?: string;
}

export interface SippResult {
  spec: SippSpec;
  dir: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  stderr: string;
  files: { stat: string; rtt?: string; counts?: string; logs: string; errors: string };
}

export const SIPP_BIN = loadEnv().LOAD_SIPP_BIN;

export function sippArgs(spec: SippSpec): string[] {
  const info = SCENARIOS[spec.scenario];
  if (!info) throw new Error(`unknown scenario ${spec.scenario}`);
  const args: string[] = [];
  if (info.role === 'uac') {
    if (!spec.remote) throw new Error(`${spec.label}: an originating scenario needs a remote address`);
    args.push(spec.remote);
  }
  args.push('-sf', 'scenario.xml', '-i', spec.localHost, '-p', String(spec.sipPort), '-mi', spec.localHost, '-mp', String(spec.mediaPort));
  args.push('-nostdin', '-timeout', `${spec.timeoutSeconds}s`, '-d', String(spec.callLengthMs));
  args.push('-trace_stat', '-stf', 'stat.csv', '-fd', '1', '-trace_counts');
  args.push('-trace_err', '-error_file', 'errors.log', '-trace_logs', '-log_file', 'logs.log');
  if (info.role === 'uac') {
    args.push('-trace_rtt', '-rtt_freq', '1');
    if (spec.service) args.push('-s', spec.service);
    const r = spec.rate;
    if (r) {
      args.push('-r', String(r.start), '-rp', `${r.periodMs}`);
      if (r.step > 0) {
        args.push('-rate_increase', String(r.step), '-rate_interval', `${r.stepSeconds}s`, '-rate_max', String(r.max), '-no_rate_quit');
      }
    }
    if (spec.maxCalls !== undefined) args.push('-m', String(spec.maxCalls));
    if (spec.maxConcurrent !== undefined) args.push('-l', String(spec.maxConcurrent));
  }
  for (const [k, v] of Object.entries(spec.vars ?? {})) args.push('-set', k, v);
  if (spec.auth) args.push('-au', spec.auth.username, '-ap', spec.auth.password);
  return args;
}

/** Command line for the report, with the password masked. */
export function describeCommand(spec: SippSpec): string {
  const args = sippArgs(spec);
  const i = args.indexOf('-ap');
  if (i >= 0) args[i + 1] = '******';
  return [SIPP_BIN, ...args].join(' ');
}

export class SippProcess {
  readonly dir: string;
  #child: ChildProcess | undefined;
  #done: Promise<SippResult> | undefined;
  #killed = false;
  #stderr = '';

  constructor(readonly spec: SippSpec, trialDir: string, readonly mediaDir: string) {
    this.dir = path.join(trialDir, spec.label);
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await copyFile(scenarioFile(this.spec.scenario), path.join(this.dir, 'scenario.xml'));
    await symlink(this.mediaDir, path.join(this.dir, 'media'));
    const args = sippArgs(this.spec);
    const [cmd, argv] = this.spec.namespace ? ['ip', ['netns', 'exec', this.spec.namespace, SIPP_BIN, ...args]] : [SIPP_BIN, args];
    const child = spawn(cmd, argv, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    child.stderr?.on('data', (d: Buffer) => {
      if (this.#stderr.length < 20_000) this.#stderr += d.toString();
    });
    this.#done = new Promise((resolve) => {
      const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
        void this.#collect(exitCode, signal).then(resolve);
      };
      child.once('error', (err) => {
        this.#stderr += `\ncannot start ${cmd}: ${err.message}`;
        finish(null, null);
      });
      child.once('exit', finish);
    });
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** No new calls; the current ones finish. */
  stopGracefully(): void {
    if (this.running) this.#child?.kill('SIGUSR1');
  }

  kill(): void {
    if (this.running) {
      this.#killed = true;
      this.#child?.kill('SIGKILL');
    }
  }

  /** Resolves when the process has exited; kills it at `deadline` (ms since epoch). */
  async wait(deadline: number): Promise<SippResult> {
    if (!this.#done) throw new Error(`${this.spec.label} was not started`);
    const timer = setTimeout(() => this.kill(), Math.max(0, deadline - Date.now()));
    try {
      return await this.#done;
    } finally {
      clearTimeout(timer);
    }
  }

  async #collect(exitCode: number | null, signal: NodeJS.Signals | null): Promise<SippResult> {
    const names = await readdir(this.dir);
    const find = (suffix: string) => {
      const f = names.find((n) => n.startsWith('scenario_') && n.endsWith(suffix));
      return f ? path.join(this.dir, f) : undefined;
    };
    return {
      spec: this.spec,
      dir: this.dir,
      exitCode,
      signal,
      killed: this.#killed,
      stderr: this.#stderr.trim(),
      files: {
        stat: path.join(this.dir, 'stat.csv'),
        rtt: find('_rtt.csv'),
        counts: find('_counts.csv'),
        logs: path.join(this.dir, 'logs.log'),
        errors: path.join(this.dir, 'errors.log'),
      },
    };
  }
}
