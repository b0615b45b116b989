/**
 * Fault test on the production path: two real control-plane processes (control-plane/src/
 * main.ts, HA_ENABLED=true, FreeSWITCH engine) drive a fake FreeSWITCH that speaks real ESL
 * (fixtures/fakeFreeswitch: inbound ESL, outbound sockets, the dialplan's socket_resume and
 * re-attach loop). One agent talks to the first caller, four more callers wait. The active is
 * killed with SIGKILL. The standby must take over, pull the waiting callers back (same
 * channels, same order, nobody hung up or sent to the fallback), leave the conversation
 * bridged, and complete it when it ends, after which the agent serves the next caller.
 * Every interaction's events are in the log once.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateLatest, openDatabase, type Db } from '../../src/store/db.js';
import { AgentRepository } from '../../src/store/repositories/agents.js';
import { QueueRepository } from '../../src/store/repositories/queues.js';
import { agent, queue } from '../acd/helpers.js';
import { TEST_DATABASE_URL } from '../helpers/db.js';
import { FakeFreeSwitch, type ChannelSnapshot } from '../fixtures/fakeFreeswitch/FakeFreeSwitch.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const ESL_PASSWORD = 'fake-esl-secret-0123';
const ADMIN_KEY = 'sb_admin_failover_test_key_0123456789';
const DID = '+18005550199';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function dbUrl(name: string): string {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | null | false> | T | undefined | null | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(20);
  }
}

interface Cp {
  id: string;
  child: ChildProcess;
  http: string;
  socketPort: number;
  output: string[];
}

interface Status {
  waiting: Array<{ interactionId: string; queueId: string }>;
  agents: Array<{ id: string; state: string; interactionId: string | null }>;
}

describe('ha fault on FreeSWITCH: the active control plane is killed with callers waiting and a call in progress', function () {
  this.timeout(90_000);
  const dbName = `sb_hafs_${process.pid}_${Date.now() % 100000}`;
  let admin: pg.Client;
  let db: Db;
  let fs: FakeFreeSwitch;
  let flowsDir: string;
  const cps: Cp[] = [];

  function startCp(id: string, httpPort: number, socketPort: number, eslPort: number): Cp {
    const output: string[] = [];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        HOST: '127.0.0.1',
        PORT: String(httpPort),
        DATABASE_URL: dbUrl(dbName),
        MEDIA_ENGINE: 'freeswitch',
        FREESWITCH_ESL_URL: `esl://127.0.0.1:${eslPort}`,
        FREESWITCH_ESL_PASSWORD: ESL_PASSWORD,
        FREESWITCH_OUTBOUND_HOST: '127.0.0.1',
        FREESWITCH_OUTBOUND_PORT: String(socketPort),
        HA_ENABLED: 'true',
        HA_INSTANCE_ID: id,
        HA_LOCK_NAME: dbName,
        HA_POLL_MS: '100',
        IVR_FLOWS_DIR: flowsDir,
        IVR_WATCH: 'false',
        SWITCHBOARD_ADMIN_KEY: ADMIN_KEY,
        STATUS_PAGE_PUBLIC: 'true',
        ACD_REATTACH_WINDOW_MS: '8000',
        LOG_LEVEL: process.env.HAFS_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const cp: Cp = { id, child, http: `http://127.0.0.1:${httpPort}`, socketPort, output };
    cps.push(cp);
    return cp;
  }

  /** The HA role /readyz reports (`checks.role.detail` starts with it). */
  async function readyz(cp: Cp): Promise<{ ready: boolean; role: string }> {
    const res = await fetch(`${cp.http}/readyz`);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail: string }> };
    return { ready: body.status === 'ready', role: body.checks.role?.detail.split(' ')[0] ?? '' };
  }

  async function status(cp: Cp): Promise<Status> {
    const res = await fetch(`${cp.http}/api/status`);
    assert.equal(res.status, 200);
    return (await res.json()) as Status;
  }

  async function api(cp: Cp, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${cp.http}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  const socketsTo = (c: ChannelSnapshot | undefined, port: number): number => (c?.socketSessions ?? []).filter((s) => s.port === port).length;

  before(async function () {
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    db = await openDatabase({ kind: 'postgres', url: dbUrl(dbName) }, { poolMax: 2 });
    await migrateLatest(db);
    await new QueueRepository(db).upsert(queue({ id: 'support', name: 'Support' }));
    await new AgentRepository(db).upsert(agent({ id: 'ann', name: 'Ann', sipUser: 'ann' }));
    flowsDir = mkdtempSync(join(tmpdir(), 'switchboard-hafs-flows-'));
    writeFileSync(
      join(flowsDir, 'support.yaml'),
      ['id: support-line', 'description: straight to the support queue', `dids: ["${DID}"]`, 'entry: wait', 'nodes:', '  wait:', '    kind: queue', '    queue: support', ''].join('\n'),
    );
  });

  afterEach(function () {
    // What the control planes said, when the test failed.
    if (this.currentTest?.state === 'failed') for (const cp of cps) console.log(`--- ${cp.id} (exit ${cp.child.exitCode}, ${cp.child.signalCode}) ---\n${cp.output.join('').slice(-4000)}`);
  });

  after(async function () {
    for (const cp of cps) if (cp.child.exitCode === null && cp.child.signalCode === null) cp.child.kill('SIGKILL');
    await fs?.stop();
    await db?.destroy();
    if (admin) {
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [dbName]).catch(() => undefined);
      await admin.query(`drop database if exists ${dbName}`).catch(() => undefined);
      await admin.end();
    }
    if (flowsDir) rmSync(flowsDir, { recursive: true, force: true });
  });

  it('takes over, re-attaches the waiting callers in their order, keeps the conversation, loses and doubles nothing', async function () {
    const [httpA, httpB, sockA, sockB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    fs = new FakeFreeSwitch({
      password: ESL_PASSWORD,
      controlPlanes: [
        { host: '127.0.0.1', port: sockA },
        { host: '127.0.0.1', port: sockB },
      ],
      retryDelayMs: 300,
      retryRounds: 30,
      heartbeatMs: 500,
    });
    const { eslPort } = await fs.start();
    fs.setUser('ann', { answerAfterMs: 100 });

    const a = startCp('cp-a', httpA, sockA, eslPort);
    await until('cp-a active', 30_000, async () => (await readyz(a)).role === 'active');
    const b = startCp('cp-b', httpB, sockB, eslPort);
    await until('cp-b standby', 30_000, async () => (await readyz(b)).role === 'standby');
    const login = await api(a, 'POST', '/agents/ann/login', {});
    assert.ok(login.ok, `login: ${login.status} ${await login.text()}`);

    // The first caller reaches Ann; four more wait, in this order.
    const first = fs.placeCall({ from: '+15550001000', did: DID });
    await until('Ann bridged to the first caller', 15_000, () => fs.channel(first.uuid)?.state === 'bridged');
    const waiters: string[] = [];
    for (let n = 1; n <= 4; n++) {
      waiters.push(fs.placeCall({ from: `+1555000100${n}`, did: DID }).uuid);
      await sleep(60);
    }
    const before = await until('four callers waiting at cp-a', 10_000, async () => {
      const s = await status(a);
      return s.waiting.length === 4 ? s : null;
    });
    assert.deepEqual(before.waiting.map((w) => w.interactionId), waiters, 'interaction ids are the channel uuids, in arrival order');
    const agentLeg = fs.channel(first.uuid)!.bridgedWith!;

    // Kill the active without warning.
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await until('cp-b active', 10_000, async () => (await readyz(b)).role === 'active');
    const activeMs = Date.now() - killedAt;
    await until('the waiting callers re-attached to cp-b', 15_000, () => waiters.every((u) => socketsTo(fs.channel(u), sockB) > 0));
    const after = await until('cp-b shows the four callers waiting', 10_000, async () => {
      const s = await status(b);
      return s.waiting.length === 4 ? s : null;
    });
    const reattachedMs = Date.now() - killedAt;
    assert.deepEqual(after.waiting.map((w) => w.interactionId), waiters, 'same callers, same order');
    for (const u of waiters) {
      const c = fs.channel(u)!;
      assert.equal(c.endedCause, null, `${u} is still on the line`);
      assert.equal(c.fallback, null, `${u} never reached the fallback`);
      assert.equal(socketsTo(c, sockA), 1, `${u} was driven by cp-a once`);
    }
    // The conversation went on without any control plane.
    assert.equal(fs.channel(first.uuid)?.state, 'bridged');
    assert.equal(fs.channel(first.uuid)?.bridgedWith, agentLeg);
    assert.equal(after.agents.find((x) => x.id === 'ann')?.state, 'busy');

    // The first caller hangs up: cp-b completes the call, Ann wraps up and gets the next caller.
    await fs.hangup(first.uuid);
    await until('Ann bridged to the second caller', 30_000, () => fs.channel(waiters[0]!)?.state === 'bridged');
    const later = await status(b);
    assert.deepEqual(later.waiting.map((w) => w.interactionId), waiters.slice(1));

    // The log: for every call the IVR's 'queued' (data.flowId) and the ACD's 'queued'
    // (data.channel) once each — a re-run flow or a second enqueue after the takeover would
    // add one — and the first call's 'ended' once.
    const rows = (await db('interaction_events').select('interaction_id', 'type', 'eid', 'data')) as Array<{ interaction_id: string; type: string; eid: string; data: Record<string, unknown> | null }>;
    const count = (id: string, type: string, by: (d: Record<string, unknown>) => boolean = () => true): number =>
      rows.filter((r) => r.interaction_id === id && r.type === type && by(r.data ?? {})).length;
    const lost: string[] = [];
    const doubled: string[] = [];
    const expect = (id: string, what: string, n: number): void => {
      if (n === 0) lost.push(`${id} ${what}`);
      if (n > 1) doubled.push(`${id} ${what} ×${n}`);
    };
    for (const id of [first.uuid, ...waiters]) {
      expect(id, 'queued (IVR)', count(id, 'queued', (d) => 'flowId' in d));
      expect(id, 'queued (ACD)', count(id, 'queued', (d) => 'channel' in d));
    }
    expect(first.uuid, 'ended', count(first.uuid, 'ended'));
    const duplicateEids = rows.length - new Set(rows.map((r) => r.eid)).size;
    const abandoned = rows.filter((r) => r.type === 'abandoned').length;
    const pulled = waiters.filter((u) => fs.channel(u)?.transfers.includes('reattach XML switchboard-fallback')).length;
    console.log(
      `      cp-b active ${activeMs} ms after SIGKILL; 4 waiting callers re-attached in order ${reattachedMs} ms after SIGKILL ` +
        `(${pulled} pulled back by uuid_transfer, ${4 - pulled} by the dialplan's retry); ` +
        `events lost: ${lost.length}, duplicated: ${doubled.length + duplicateEids}, abandoned: ${abandoned}`,
    );
    assert.ok(activeMs < 5000, `takeover took ${activeMs} ms`);
    assert.deepEqual(lost, []);
    assert.deepEqual(doubled, []);
    assert.equal(duplicateEids, 0);
    assert.equal(abandoned, 0, 'nobody counted as abandoned');
    assert.deepEqual(fs.unknownCommands, [], 'the control plane used only commands FreeSWITCH has');

    // What an operator's Prometheus sees on the new active.
    const metrics = await (await fetch(`${b.http}/metrics`)).text();
    const value = (line: RegExp): number => Number(line.exec(metrics)?.[1] ?? NaN);
    assert.equal(value(/^switchboard_reattach_calls_total\{outcome="reclaimed"\} (\d+)$/m), 4);
    assert.equal(value(/^switchboard_reattach_calls_total\{outcome="conversation_followed"\} (\d+)$/m), 1);
    assert.equal(value(/^switchboard_ha_takeovers_total (\d+)$/m), 1);
    assert.ok(value(/^switchboard_routing_decision_seconds_count (\d+)$/m) >= 1, 'routing decisions are timed');
    assert.ok(value(/^switchboard_esl_events_total\{node="127\.0\.0\.1:\d+",event="CHANNEL_EXECUTE_COMPLETE"\} (\d+)$/m) > 0, 'ESL events are counted per node');
  });
});
