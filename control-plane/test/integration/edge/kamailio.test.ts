/**
 * The SIP edge for real: Debian's Kamailio running docker/kamailio/kamailio.cfg in front
 * of SIPp processes standing in for FreeSWITCH nodes on 127.0.0.x. A Node UA plays the
 * trunk (127.0.0.1), unknown hosts and scanners.
 */
import { strict as assert } from 'node:assert';
import { Edge, hasCommand, NODE_503, sleep } from './harness.js';
import { SipUserAgent, type CallResult } from './sipClient.js';

const PING_INTERVAL_S = 1;
const FR_TIMER_MS = 1000;

function countByNode(results: CallResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 200 ? (r.node ?? '?') : `status ${r.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function placeCalls(ua: SipUserAgent, edge: Edge, n: number): Promise<CallResult[]> {
  const results: CallResult[] = [];
  for (let i = 0; i < n; i++) results.push(await ua.call(edge.host, edge.port));
  return results;
}

describe('SIP edge: Kamailio in front of FreeSWITCH nodes', function () {
  this.timeout(30_000);

  before(function () {
    for (const cmd of ['kamailio', 'sipp', 'kamcmd']) {
      if (!hasCommand(cmd)) throw new Error(`${cmd} is not installed: run scripts/test-env.sh (Debian packages kamailio, sip-tester)`);
    }
  });

  describe('dispatching and failover', function () {
    let edge: Edge;
    let trunk: SipUserAgent;

    before(async function () {
      edge = await Edge.start({
        nodes: [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }, { ip: '127.0.0.4' }],
        trunks: ['127.0.0.1'],
        pingIntervalS: PING_INTERVAL_S,
        frTimerMs: FR_TIMER_MS,
      });
      trunk = await SipUserAgent.bind('127.0.0.1');
    });

    after(async function () {
      trunk?.close();
      await edge?.stop();
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(edge.log().slice(-3000));
    });

    it('spreads calls evenly over the healthy nodes', async function () {
      const results = await placeCalls(trunk, edge, 9);
      assert.deepEqual(countByNode(results), { '127.0.0.2': 3, '127.0.0.3': 3, '127.0.0.4': 3 });
    });

    it('takes a stopped node out of rotation by OPTIONS probing alone, within the probing interval', async function () {
      const dead = edge.nodes[1]!;
      await dead.kill();
      const killedAt = Date.now();
      // No call is placed meanwhile: only the probes can notice.
      await edge.waitForNodeState(dead, 'I', PING_INTERVAL_S * 1000 + FR_TIMER_MS + 1500);
      const sinceKill = Date.now() - killedAt;
      console.log(`      probes marked the node down ${sinceKill} ms after the kill (interval ${PING_INTERVAL_S} s + reply timeout ${FR_TIMER_MS} ms)`);
      assert.ok(sinceKill <= PING_INTERVAL_S * 1000 + FR_TIMER_MS + 1500, `took ${sinceKill} ms`);

      const after = await placeCalls(trunk, edge, 6);
      assert.deepEqual(countByNode(after), { '127.0.0.2': 3, '127.0.0.4': 3 });
      // No call waited for the dead node's timeout.
      assert.ok(after.every((r) => r.setupMs < FR_TIMER_MS * 0.8), `setup times ${after.map((r) => Math.round(r.setupMs)).join(',')} ms`);
    });

    it('lets a restarted node rejoin after a good probe', async function () {
      const node = edge.nodes[1]!;
      await node.start();
      const rejoinMs = await edge.waitForNodeState(node, 'A', PING_INTERVAL_S * 1000 + 1500);
      console.log(`      restarted node active again ${rejoinMs} ms after it answered its first OPTIONS`);
      const results = await placeCalls(trunk, edge, 6);
      assert.deepEqual(countByNode(results), { '127.0.0.2': 2, '127.0.0.3': 2, '127.0.0.4': 2 });
    });

    it('loses no call sent to a node that died before the probes noticed: it is retried on the next node', async function () {
      const dead = edge.nodes[2]!;
      await dead.kill();
      const during = await placeCalls(trunk, edge, 3);
      assert.deepEqual(
        during.map((r) => r.status),
        [200, 200, 200],
      );
      assert.ok(during.every((r) => r.node !== dead.ip));
      const retried = during.filter((r) => r.setupMs >= FR_TIMER_MS * 0.8);
      console.log(`      call setup times ${during.map((r) => Math.round(r.setupMs)).join(', ')} ms (${retried.length} waited for the dead node's timeout)`);
      assert.ok(retried.length <= 1, 'after one timeout the node is marked down at once');
      assert.equal((edge.dispatcherFlags().get(dead.uri) ?? '')[0], 'I');
      await dead.start();
      await edge.waitForNodeState(dead, 'A', PING_INTERVAL_S * 1000 + 1500);
    });

    it('answers 503 when no node is up', async function () {
      for (const n of edge.nodes) await n.kill();
      for (const n of edge.nodes) await edge.waitForNodeState(n, 'I', PING_INTERVAL_S * 1000 + FR_TIMER_MS + 1500);
      const r = await trunk.call(edge.host, edge.port);
      assert.equal(r.status, 503);
      for (const n of edge.nodes) await n.start();
    });
  });

  describe('a node that refuses calls with 5xx', function () {
    let edge: Edge;
    let trunk: SipUserAgent;

    before(async function () {
      edge = await Edge.start({
        nodes: [{ ip: '127.0.0.5', scenario: NODE_503 }, { ip: '127.0.0.6' }],
        trunks: ['127.0.0.1'],
        pingIntervalS: PING_INTERVAL_S,
        frTimerMs: FR_TIMER_MS,
      });
      trunk = await SipUserAgent.bind('127.0.0.1');
    });

    after(async function () {
      trunk?.close();
      await edge?.stop();
    });

    it('retries every call on the next node', async function () {
      const results = await placeCalls(trunk, edge, 4);
      assert.deepEqual(countByNode(results), { '127.0.0.6': 4 });
    });
  });

  describe('protection', function () {
    let edge: Edge;
    let trunk: SipUserAgent;
    const PIKE_REQS = 10;

    before(async function () {
      edge = await Edge.start({
        nodes: [{ ip: '127.0.0.7' }],
        trunks: ['127.0.0.1'],
        pingIntervalS: PING_INTERVAL_S,
        frTimerMs: FR_TIMER_MS,
        pikeReqs: PIKE_REQS,
        pikeWindowS: 2,
      });
      trunk = await SipUserAgent.bind('127.0.0.1');
    });

    after(async function () {
      trunk?.close();
      await edge?.stop();
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(edge.log().slice(-3000));
    });

    it('refuses calls from a host that is not a listed trunk with 403', async function () {
      const stranger = await SipUserAgent.bind('127.0.0.20');
      try {
        const r = await stranger.call(edge.host, edge.port);
        assert.equal(r.status, 403);
      } finally {
        stranger.close();
      }
      assert.equal((await trunk.call(edge.host, edge.port)).status, 200);
    });

    it('drops INVITEs from scanners without a reply and bans their address', async function () {
      const scanner = await SipUserAgent.bind('127.0.0.21');
      try {
        const r = await scanner.call(edge.host, edge.port, { userAgent: 'friendly-scanner', timeoutMs: 700 });
        assert.equal(r.status, 0, 'a scanner gets no reply at all');
        const again = await scanner.call(edge.host, edge.port, { userAgent: 'Mozilla/5.0', timeoutMs: 700 });
        assert.equal(again.status, 0, 'a banned address stays ignored whatever it claims to be');
        assert.equal(await scanner.options(edge.host, edge.port, 500), 0);
      } finally {
        scanner.close();
      }
      const other = await SipUserAgent.bind('127.0.0.22');
      try {
        assert.equal(await other.options(edge.host, edge.port, 500), 200, 'other hosts are not affected');
      } finally {
        other.close();
      }
    });

    it('refuses a sipvicious INVITE even from a trunk address, without banning the trunk', async function () {
      const r = await trunk.call(edge.host, edge.port, { userAgent: 'sipvicious', timeoutMs: 700 });
      assert.equal(r.status, 0);
      assert.equal((await trunk.call(edge.host, edge.port)).status, 200);
    });

    it('bans a flooding host (pike) while the trunk keeps calling', async function () {
      const flooder = await SipUserAgent.bind('127.0.0.23');
      try {
        const replies = await Promise.all(Array.from({ length: 60 }, () => flooder.options(edge.host, edge.port, 800)));
        const answered = replies.filter((s) => s === 200).length;
        console.log(`      flood of 60 OPTIONS: ${answered} answered before the ban (limit ${PIKE_REQS} per 2 s)`);
        assert.ok(answered < 60, 'the flood was cut off');
        await sleep(100);
        assert.equal(await flooder.options(edge.host, edge.port, 500), 0, 'the flooder stays banned');
      } finally {
        flooder.close();
      }
      assert.equal((await trunk.call(edge.host, edge.port)).status, 200);
    });
  });
});
