/**
 * Fault test: two control-plane processes (fixtures/controlPlaneNode.ts) against the real
 * PostgreSQL; this test plays the media side and the callers. Under a steady stream of
 * arrivals and answers, the active is killed with SIGKILL. The standby must take over in
 * under 5 s, and afterwards every interaction has its events exactly once (the dead
 * process's uncommitted events are re-created from the live channel list), and the callers
 * still waiting are in the same order.
 */
import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitingFromLog } from '../../src/ha/waitingFromLog.js';
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/db.js';
import type { FromNode, LiveChannel, ToNode } from './fixtures/controlPlaneNode.js';

const NODE_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/controlPlaneNode.ts');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Node {
  id: string;
  child: ChildProcess;
  messages: FromNode[];
  appended: Map<string, { interactionId: string; eventType: string }>;
}

describe('ha fault: the active control plane is killed under load', function () {
  this.timeout(45_000);
  let tdb: TestDb;
  const nodes: Node[] = [];

  // The media side: live calls in arrival order, and what to send to the active.
  const channels = new Map<string, LiveChannel>();
  let active: Node | null = null;
  const parked: ToNode[] = [];
  /** Callers waiting (in arrival order) when the new active listed the channels. */
  let waitingAtListing: string[] = [];
  const deliver = (m: ToNode): void => {
    if (active) active.child.send(m);
    else parked.push(m); // the dialplan parks the call and retries the socket
  };

  function startNode(id: string): Node {
    const child = fork(NODE_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, NODE_DB_URL: TEST_DATABASE_URL, NODE_DB_SCHEMA: tdb.schema, NODE_INSTANCE_ID: id, NODE_LOCK_NAME: tdb.schema },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const node: Node = { id, child, messages: [], appended: new Map() };
    child.on('message', (raw) => {
      const m = raw as FromNode;
      if (m.type === 'appended') {
        node.appended.set(m.eid, { interactionId: m.interactionId, eventType: m.eventType });
        return;
      }
      node.messages.push(m);
      if (m.type === 'list-channels') waitingAtListing = [...channels.values()].filter((c) => c.state === 'waiting').map((c) => c.interactionId);
      if (m.type === 'list-channels') child.send({ type: 'channels', channels: [...channels.values()] } satisfies ToNode);
      if (m.type === 'active') {
        active = node;
        for (const p of parked.splice(0)) child.send(p);
      }
    });
    nodes.push(node);
    return node;
  }

  async function waitMessage<T extends FromNode['type']>(node: Node, type: T, timeoutMs: number): Promise<Extract<FromNode, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = node.messages.find((m) => m.type === type);
      if (found) return found as Extract<FromNode, { type: T }>;
      if (Date.now() > deadline) throw new Error(`${node.id} sent no '${type}' within ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  before(async function () {
    tdb = await createTestDb('hafo');
  });

  after(async function () {
    for (const n of nodes) if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await tdb?.drop();
  });

  it('takes over in under 5 s with no event lost or duplicated and waiting callers in the same order', async function () {
    const a = startNode('cp-a');
    await waitMessage(a, 'active', 15_000);
    const b = startNode('cp-b');
    await waitMessage(b, 'standby', 15_000);

    // Load: a call arrives every 4 ms; every third tick the longest-waiting caller is answered.
    let seq = 0;
    let lastAt = 0;
    let agent = 0;
    const tick = (): void => {
      seq += 1;
      const arrivedAt = Math.max(Date.now(), lastAt + 1);
      lastAt = arrivedAt;
      const interactionId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
      channels.set(interactionId, { interactionId, queueId: 'support', arrivedAt, state: 'waiting' });
      deliver({ type: 'arrive', interactionId, queueId: 'support', arrivedAt });
      if (seq % 3 === 0) {
        const oldest = [...channels.values()].find((c) => c.state === 'waiting');
        if (oldest) {
          agent += 1;
          oldest.state = 'talking';
          oldest.agentId = `agent-${agent}`;
          oldest.answeredAt = Math.max(Date.now(), lastAt);
          deliver({ type: 'answer', interactionId: oldest.interactionId, queueId: 'support', agentId: oldest.agentId, at: oldest.answeredAt });
        }
      }
    };
    const load = setInterval(tick, 4);
    await sleep(800);

    // Kill the active mid-stream, without warning.
    const killedAt = Date.now();
    const beforeKill = seq;
    active = null;
    a.child.kill('SIGKILL');
    const takeover = await waitMessage(b, 'active', 10_000);
    const takeoverMs = takeover.rebuiltAt - killedAt;
    const detectMs = takeover.becameActiveAt - killedAt;
    await sleep(600);
    clearInterval(load);

    b.child.send({ type: 'flush' } satisfies ToNode);
    await waitMessage(b, 'flushed', 10_000);

    // What the database holds now.
    const rows = (await tdb.db('interaction_events').select('eid', 'interaction_id', 'type', 'at', 'queue_id', 'id', 'data').orderBy('id')) as Array<{
      eid: string;
      interaction_id: string;
      type: string;
      at: Date;
      queue_id: string | null;
      id: string;
      data: Record<string, unknown>;
    }>;
    const eids = new Set(rows.map((r) => r.eid));
    const duplicates = rows.length - eids.size;
    const count = new Map<string, number>();
    for (const r of rows) count.set(`${r.interaction_id}|${r.type}`, (count.get(`${r.interaction_id}|${r.type}`) ?? 0) + 1);

    const world = [...channels.values()];
    const missing: string[] = [];
    const doubled: string[] = [];
    for (const c of world) {
      const expected: Record<string, number> = { arrived: 1, queued: 1, answered: c.state === 'talking' ? 1 : 0 };
      for (const [type, n] of Object.entries(expected)) {
        const got = count.get(`${c.interactionId}|${type}`) ?? 0;
        if (got < n) missing.push(`${c.interactionId} ${type}`);
        if (got > n) doubled.push(`${c.interactionId} ${type} ×${got}`);
      }
    }
    const interactionRows = Number((await tdb.db('interactions').count({ n: '*' }))[0]!.n);
    const inFlightAtKill = [...a.appended.keys()].filter((eid) => !eids.has(eid)).length;
    const recoveredRows = rows.filter((r) => r.data?.recovered === true).length;
    const bNotCommitted = [...b.appended.keys()].filter((eid) => !eids.has(eid)).length;

    const worldWaitingAtSnapshot = takeover.waiting;
    const finalWaiting =
      waitingFromLog(rows.map((r) => ({ interactionId: r.interaction_id, type: r.type, at: r.at.getTime(), queueId: r.queue_id, id: Number(r.id) }))).get('support') ?? [];
    const worldWaiting = world.filter((c) => c.state === 'waiting').map((c) => c.interactionId);

    console.log(
      `      calls: ${world.length} (${beforeKill} before the kill), events in log: ${rows.length}\n` +
        `      takeover: lock ${detectMs} ms after SIGKILL, active with state rebuilt ${takeoverMs} ms after SIGKILL (previous: ${takeover.previous})\n` +
        `      events lost: ${missing.length}, duplicated: ${doubled.length + duplicates}; ` +
        `events the killed process had appended but not committed: ${inFlightAtKill}, interactions re-attached from the live channel list: ${recoveredRows}\n` +
        `      waiting at takeover: ${worldWaitingAtSnapshot.length}, waiting at the end: ${worldWaiting.length}`,
    );

    assert.ok(takeoverMs < 5000, `takeover took ${takeoverMs} ms`);
    assert.equal(takeover.previous, 'cp-a');
    assert.deepEqual(missing, [], 'no event lost');
    assert.deepEqual(doubled, [], 'no event duplicated');
    assert.equal(duplicates, 0);
    assert.equal(bNotCommitted, 0);
    assert.equal(interactionRows, world.length, 'one interaction row per call');
    assert.deepEqual(worldWaitingAtSnapshot, waitingAtListing, 'the new active rebuilt the waiting callers in their order');
    assert.ok(worldWaitingAtSnapshot.length > 0, 'callers were waiting when the active died');
    assert.deepEqual(finalWaiting, worldWaiting, 'every waiting caller is still waiting, in the same order');
  });
});
