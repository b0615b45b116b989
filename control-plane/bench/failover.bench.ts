/**
 * bench:failover — how long the standby control plane needs to take over when the active
 * process is killed (SIGKILL), measured over several rounds against the PostgreSQL of
 * DATABASE_URL / TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 * Each round: kill the active, time until the standby reports `active`, start a fresh
 * standby. Uses its own schema, dropped at the end.
 *
 *   npm run bench:failover [-- --rounds 10 --poll-ms 250]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateLatest, openDatabase } from '../src/store/db.js';

const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} expects a positive number`);
  return v;
};
const rounds = arg('rounds', 10);
const pollMs = arg('poll-ms', 250);
const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/electorProcess.ts');
const schema = `bench_failover_${randomBytes(4).toString('hex')}`;

interface Proc {
  child: ChildProcess;
  role: string;
  activeAt: number | null;
}

const db = await openDatabase({ kind: 'postgres', url }, { schema, poolMax: 2 });
await migrateLatest(db, schema);

let n = 0;
function spawnNode(): Proc {
  n += 1;
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_DB_URL: url, BENCH_DB_SCHEMA: schema, BENCH_LOCK_NAME: schema, BENCH_INSTANCE_ID: `bench-${n}`, BENCH_POLL_MS: String(pollMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const p: Proc = { child, role: 'starting', activeAt: null };
  child.on('message', (m) => {
    const msg = m as { role: string; at: number };
    p.role = msg.role;
    if (msg.role === 'active') p.activeAt = msg.at;
  });
  return p;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const times: number[] = [];
let active = spawnNode();
await until(() => active.role === 'active', 20_000, 'the first active');
let standby = spawnNode();
try {
  await until(() => standby.role === 'standby', 20_000, 'the first standby');
  for (let r = 0; r < rounds; r++) {
    await new Promise((res) => setTimeout(res, 100 + Math.random() * pollMs)); // kill at a random point of the poll cycle
    const killedAt = Date.now();
    active.child.kill('SIGKILL');
    await until(() => standby.activeAt !== null, 10_000, 'the takeover');
    times.push((standby.activeAt as number) - killedAt);
    active = standby;
    standby = spawnNode();
    await until(() => standby.role === 'standby', 20_000, 'a new standby');
  }
} finally {
  for (const p of [active, standby]) p.child.kill('SIGKILL');
  await db.raw('drop schema if exists ?? cascade', [schema]);
  await db.destroy();
}

times.sort((a, b) => a - b);
const pct = (p: number): number => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] as number;
const mean = times.reduce((s, t) => s + t, 0) / times.length;
console.log(`standby takeover after SIGKILL of the active, ${rounds} rounds, lock poll ${pollMs} ms:`);
console.log(`  each (ms): ${times.join(', ')}`);
console.log(`  mean ${mean.toFixed(1)} ms, p50 ${pct(50)} ms, max ${times[times.length - 1]} ms`);
console.log(`rounds=${rounds} poll_ms=${pollMs} takeover_mean_ms=${mean.toFixed(1)} takeover_p50_ms=${pct(50)} takeover_max_ms=${times[times.length - 1]}`);
process.exit(0);
