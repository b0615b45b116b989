/**
 * One trial: plan the SIPp processes a profile asks for, run them bounded in count and
 * time, and hand their output to the analysis. Answering processes start first; callers
 * stop taking new calls at the end of the duration and are killed at the deadline.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TargetAddressError, assertAllowedAddress } from './addresses.js';
import type { Profile } from './profile.js';
import { SCENARIOS } from './scenarios.js';
import { SippProcess, describeCommand, type SippResult, type SippSpec } from './sipp.js';

export interface TrialOptions {
  /** Directory for this trial's files. */
  dir: string;
  /** Shared media directory (see prepareMedia). */
  mediaDir: string;
  /** Constant total rate (find-max trials); otherwise the profile's ramp. */
  constantRate?: number;
  durationSeconds?: number;
  /** Send callers here instead of target.host:port (comparison mode). */
  targetOverride?: { host: string; port: number; service?: string };
  /** The trunk password (read from the env variable the profile names). */
  trunkPassword?: string;
  log?: (line: string) => void;
}

export interface TrialRun {
  startedAt: number;
  endedAt: number;
  durationSeconds: number;
  results: SippResult[];
  commands: string[];
  metricsBefore?: string;
  metricsAfter?: string;
  metricsError?: string;
}

export function graceSeconds(profile: Profile): number {
  // Longest scripted wait in a scenario (machine greeting + beep, ~8 s) plus the call length.
  return Math.ceil(profile.callLengthMs / 1000) + 12;
}

/** The SIPp processes for a trial: answering side first, then callers. */
export function planTrial(profile: Profile, opts: Pick<TrialOptions, 'constantRate' | 'durationSeconds' | 'targetOverride' | 'trunkPassword'>): {
  uas: SippSpec[];
  uac: SippSpec[];
} {
  const net = profile.network;
  const duration = opts.durationSeconds ?? profile.durationSeconds;
  const timeoutSeconds = Math.ceil(duration + graceSeconds(profile) + 5);
  let nextPort = net.basePort;
  let slot = 0;
  const ports = () => {
    const sipPort = nextPort;
    nextPort += 2;
    const mediaPort = net.basePort + 2000 + 10 * slot++;
    if (mediaPort > 65000) throw new Error('network.basePort is too high: the media ports would pass 65000');
    return { sipPort, mediaPort };
  };
  const creds = profile.trunk && opts.trunkPassword !== undefined ? { username: profile.trunk.username, password: opts.trunkPassword } : undefined;
  const totalWeight = profile.mix.reduce((s, m) => s + m.weight, 0);
  const uas: SippSpec[] = [];
  const uac: SippSpec[] = [];
  const common = { callLengthMs: profile.callLengthMs, timeoutSeconds, namespace: net.namespace };

  if (profile.target.kind === 'sip') {
    profile.endpoints.forEach((e, i) => {
      uas.push({ ...common, label: `uas-${i + 1}-${e.scenario}`, scenario: e.scenario, localHost: net.peerHost, sipPort: e.port, mediaPort: ports().mediaPort });
    });
  }

  profile.mix.forEach((m, i) => {
    const info = SCENARIOS[m.scenario]!;
    const share = m.weight / totalWeight;
    const rate = opts.constantRate !== undefined
      ? { start: opts.constantRate, step: 0, stepSeconds: profile.rate.stepSeconds, max: opts.constantRate }
      : profile.rate;
    const spec: SippSpec = {
      ...common,
      label: `uac-${i + 1}-${m.scenario}`,
      scenario: m.scenario,
      localHost: m.localHost ?? net.localHost,
      ...ports(),
      service: m.service,
      rate: { ...rate, periodMs: Math.max(1, Math.round(1000 / share)) },
      maxCalls: Math.max(1, Math.ceil(profile.maxCalls * share)),
      // Room for every call the rate can have in flight: scripted waits (up to ~10 s) + talk.
      maxConcurrent: Math.ceil(rate.max * share * (profile.callLengthMs / 1000 + 12)) + 10,
    };
    if (m.scenario === 'trunk-register' && creds) spec.auth = creds;
    if (profile.target.kind === 'selftest') {
      const peerScenario = m.peer ?? info.selftestPeer!;
      const peers: SippSpec[] = [];
      for (let p = 0; p < (info.peers ?? 1); p++) {
        const peer: SippSpec = {
          ...common,
          label: `peer-${i + 1}${info.peers === 2 ? String.fromCharCode(97 + p) : ''}-${peerScenario}`,
          scenario: peerScenario,
          localHost: net.peerHost,
          ...ports(),
        };
        if (peerScenario === 'registrar') {
          peer.vars = { reg_user: creds?.username ?? 'load', reg_password: creds?.password ?? 'load' };
        }
        peers.push(peer);
      }
      uas.push(...peers);
      spec.remote = `${peers[0]!.localHost}:${peers[0]!.sipPort}`;
      if (info.peers === 2) {
        spec.vars = {
          ringall_a_host: peers[0]!.localHost,
          ringall_a_port: String(peers[0]!.sipPort),
          ringall_b_host: peers[1]!.localHost,
          ringall_b_port: String(peers[1]!.sipPort),
        };
      }
    } else {
      const t = opts.targetOverride ?? profile.target;
      spec.remote = `${t.host}:${t.port}`;
      if (opts.targetOverride?.service) spec.service = opts.targetOverride.service;
    }
    uac.push(spec);
  });

  for (const s of [...uas, ...uac]) {
    assertAllowedAddress(`${s.label}: local address`, s.localHost, net.namespace);
    if (s.remote) assertAllowedAddress(`${s.label}: target address`, s.remote.slice(0, s.remote.lastIndexOf(':')), net.namespace);
  }
  return { uas, uac };
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function assertNamespaceExists(namespace: string): Promise<void> {
  const { execFile } = await import('node:child_process');
  const list = await new Promise<string>((resolve) => execFile('ip', ['netns', 'list'], (err, out) => resolve(err ? '' : out)));
  if (!list.split('\n').some((l) => l.split(/\s/)[0] === namespace)) {
    throw new TargetAddressError(`network.namespace: no network namespace "${namespace}" exists (see \`ip netns list\`); create it and its link to the switch first`);
  }
}

export async function runTrial(profile: Profile, opts: TrialOptions): Promise<TrialRun> {
  const log = opts.log ?? (() => {});
  const plan = planTrial(profile, opts);
  if (profile.network.namespace) await assertNamespaceExists(profile.network.namespace);
  const duration = opts.durationSeconds ?? profile.durationSeconds;
  await mkdir(opts.dir, { recursive: true });
  const commands = [...plan.uas, ...plan.uac].map(describeCommand);
  await writeFile(path.join(opts.dir, 'commands.txt'), commands.join('\n') + '\n');

  const run: Partial<TrialRun> = { commands };
  const metricsUrl = profile.target.kind === 'sip' ? profile.target.metricsUrl : undefined;
  if (metricsUrl) {
    try {
      run.metricsBefore = await scrape(metricsUrl);
      await writeFile(path.join(opts.dir, 'metrics-before.txt'), run.metricsBefore);
    } catch (err) {
      run.metricsError = `before the run: ${(err as Error).message}`;
    }
  }

  const uas = plan.uas.map((s) => new SippProcess(s, opts.dir, opts.mediaDir));
  const uac = plan.uac.map((s) => new SippProcess(s, opts.dir, opts.mediaDir));
  const startedAt = Date.now();
  const grace = graceSeconds(profile);
  try {
    for (const p of uas) await p.start();
    await sleep(uas.length > 0 ? 300 : 0);
    const early = uas.filter((p) => !p.running);
    if (early.length > 0) {
      const results = await Promise.all(early.map((p) => p.wait(Date.now() + 2000)));
      throw new Error(
        `answering SIPp process(es) stopped at start: ${results.map((r) => `${r.spec.label} (exit ${r.exitCode}): ${r.stderr.split('\n').slice(-2).join(' ')}`).join('; ')}`,
      );
    }
    log(`trial ${path.basename(opts.dir)}: ${uac.length} caller process(es), ${uas.length} answering, ${duration} s`);
    const uacStart = Date.now();
    for (const p of uac) await p.start();
    const stopTimer = setTimeout(() => uac.forEach((p) => p.stopGracefully()), duration * 1000);
    const uacResults = await Promise.all(uac.map((p) => p.wait(uacStart + (duration + grace) * 1000)));
    clearTimeout(stopTimer);
    uas.forEach((p) => p.stopGracefully());
    const uasResults = await Promise.all(uas.map((p) => p.wait(Date.now() + 3000)));
    run.results = [...uasResults, ...uacResults];
  } finally {
    [...uas, ...uac].forEach((p) => p.kill());
  }
  run.startedAt = startedAt;
  run.endedAt = Date.now();
  run.durationSeconds = duration;
  if (metricsUrl) {
    try {
      run.metricsAfter = await scrape(metricsUrl);
      await writeFile(path.join(opts.dir, 'metrics-after.txt'), run.metricsAfter);
    } catch (err) {
      run.metricsError = `${run.metricsError ? `${run.metricsError}; ` : ''}after the run: ${(err as Error).message}`;
    }
  }
  return run as TrialRun;
}
