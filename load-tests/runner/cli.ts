/**
 * npm run load -- --profile <name|file.yaml> [--find-max] [--compare] [--out <dir>]
 *                 [--duration <s>] [--base-port <port>]
 * Prints progress, then the report location; the last line is key=value for machines.
 * Exit status: 0 pass, 1 fail, 2 bad input (profile, address, comparison unavailable).
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { TargetAddressError } from './addresses.js';
import { loadEnv } from './config.js';
import { ComparisonUnavailableError, DEFAULT_REPORTS_DIR, compare, findMax, reportDirName, runProfile, type ProfileOutcome } from './load.js';
import { ProfileError, loadProfile, type Profile } from './profile.js';

function kv(o: ProfileOutcome, prefix = ''): string {
  const s = o.report.summary;
  const f: Record<string, string | number | null> = {
    verdict: s.verdict,
    calls: s.totals.callsOriginated,
    failed_legs_pct: s.totals.failedPercent,
    achieved_cps: s.totals.achievedCps,
    p99_setup_ms: s.setupMs.p99,
    p99_time_to_agent_ms: s.timeToAgentMs.p99,
  };
  if (o.report.findMax) f.max_passing_cps = o.report.findMax.maxPassingRate;
  return Object.entries(f)
    .map(([k, v]) => `${prefix}${k}=${v ?? 'na'}`)
    .join(' ');
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string' },
      'find-max': { type: 'boolean', default: false },
      compare: { type: 'boolean', default: false },
      out: { type: 'string' },
      duration: { type: 'string' },
      'base-port': { type: 'string' },
    },
    strict: true,
  });
  const env = loadEnv();
  if (!values.profile) {
    console.error('usage: npm run load -- --profile <name|file.yaml> [--find-max] [--compare] [--out <dir>] [--duration <s>] [--base-port <port>]');
    return 2;
  }
  let profile: Profile;
  try {
    profile = await loadProfile(values.profile);
    if (values.duration !== undefined) {
      const d = Number(values.duration);
      if (!(d >= 1 && d <= 3600)) throw new ProfileError('--duration', [`"${values.duration}" is not a number of seconds from 1 to 3600`]);
      profile = { ...profile, durationSeconds: d, findMax: { ...profile.findMax, trialSeconds: d } };
    }
    if (values['base-port'] !== undefined) {
      const p = Number(values['base-port']);
      if (!Number.isInteger(p) || p < 1024 || p > 60000) throw new ProfileError('--base-port', [`"${values['base-port']}" is not a port from 1024 to 60000`]);
      profile = { ...profile, network: { ...profile.network, basePort: p } };
    }
  } catch (err) {
    if (err instanceof ProfileError) {
      console.error(`bad profile:\n${err.message}`);
      return 2;
    }
    throw err;
  }
  let trunkPassword: string | undefined;
  if (profile.trunk) {
    trunkPassword = process.env[profile.trunk.passwordEnv];
    if (trunkPassword === undefined) {
      if (profile.target.kind === 'sip') {
        console.error(`trunk.passwordEnv: set the environment variable ${profile.trunk.passwordEnv} to the trunk password`);
        return 2;
      }
      trunkPassword = 'selftest-only';
    }
  }
  const outDir = path.resolve(values.out ?? path.join(env.LOAD_REPORTS_DIR ?? DEFAULT_REPORTS_DIR, reportDirName()));
  const ctx = { outDir, trunkPassword, log: (l: string) => console.log(l) };
  try {
    if (values.compare) {
      const c = await compare(profile, ctx, values['find-max']);
      console.log(`static bridge: ${c.staticBridge.files.md}`);
      console.log(`switchboard:   ${c.switchboard.files.md}`);
      console.log(`ratio switchboard/static (${c.figure}): ${c.throughputRatio ?? 'n/a'}; p99 setup ratio: ${c.p99SetupRatio ?? 'n/a'}`);
      console.log(`${kv(c.staticBridge, 'static_')} ${kv(c.switchboard, 'switchboard_')} throughput_ratio=${c.throughputRatio ?? 'na'} p99_setup_ratio=${c.p99SetupRatio ?? 'na'} report=${outDir}`);
      return c.switchboard.report.summary.verdict === 'pass' ? 0 : 1;
    }
    const o = values['find-max'] ? await findMax(profile, ctx) : await runProfile(profile, ctx);
    const s = o.report.summary;
    for (const c of s.criteria) console.log(`${c.pass ? 'pass' : 'FAIL'}  ${c.name}: ${c.observed} (limit ${c.limit})`);
    if (o.report.findMax) console.log(`highest passing rate: ${o.report.findMax.maxPassingRate ?? 'none'} calls/s`);
    console.log(`verdict: ${s.verdict.toUpperCase()}`);
    console.log(`report: ${o.files.html} (and report.md, summary.json, raw CSVs in ${o.dir})`);
    console.log(`${kv(o)} report=${o.dir}`);
    return s.verdict === 'pass' ? 0 : 1;
  } catch (err) {
    if (err instanceof ComparisonUnavailableError || err instanceof TargetAddressError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]));
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(2);
    },
  );
}
