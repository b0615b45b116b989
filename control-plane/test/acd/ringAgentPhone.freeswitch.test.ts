/**
 * Ringing an agent for a caller on a FreeSWITCH cluster (two fake FreeSWITCH nodes speaking
 * real ESL, the real FreeSwitchEngine): the agent is called on the caller's node — two nodes
 * cannot bridge each other's legs — even when the other node is less loaded, and the caller's
 * X-Load-Call header goes on to the agent's INVITE (load tests join caller and agent by it).
 */
import { strict as assert } from 'node:assert';
import { FreeSwitchEngine } from '../../src/engine/freeswitch/FreeSwitchEngine.js';
import type { CallLeg } from '../../src/engine/port.js';
import { Acd } from '../../src/acd/Acd.js';
import { ringAgentPhone } from '../../src/acd/ringAgentPhone.js';
import { silentLogger } from '../../src/logger.js';
import { FakeFreeSwitch } from '../fixtures/fakeFreeswitch/FakeFreeSwitch.js';
import { agent, MemorySink, queue } from './helpers.js';

const PASSWORD = 'fake-secret-two-nodes';

describe('ringing an agent on a two-node FreeSWITCH cluster (fake switches, real engine)', function () {
  this.timeout(15_000);
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('calls the agent on the caller\'s node and passes the X-Load-Call header on', async () => {
    const nodeA = new FakeFreeSwitch({ password: PASSWORD, heartbeatMs: 100, coreUuid: '00000000-0000-4000-8000-00000000000a' });
    const nodeB = new FakeFreeSwitch({ password: PASSWORD, heartbeatMs: 100, coreUuid: '00000000-0000-4000-8000-00000000000b' });
    for (const n of [nodeA, nodeB]) {
      await n.start();
      stops.push(() => n.stop());
    }
    const engine = new FreeSwitchEngine({
      nodes: [
        { host: '127.0.0.1', port: nodeA.eslPort, id: 'fs-a' },
        { host: '127.0.0.1', port: nodeB.eslPort, id: 'fs-b' },
      ],
      password: PASSWORD,
      outboundSocket: { host: '127.0.0.1', port: 0 },
      logger: silentLogger(),
      commandTimeoutMs: 2000,
      startTimeoutMs: 3000,
    });
    await engine.start();
    stops.push(() => engine.stop());
    for (const n of [nodeA, nodeB]) n.setControlPlanes([{ host: '127.0.0.1', port: engine.outboundPort }]);

    // A load-test caller reaches node B; once B reports the session, A is the less loaded node.
    const arriving = new Promise<CallLeg>((resolve) => engine.once('call', resolve));
    const call = nodeB.placeCall({ from: '+15550020', did: '15550100', variables: { 'sip_h_X-Load-Call': '4242-17' } });
    const caller = await arriving;
    await caller.answer();
    const deadline = Date.now() + 3000;
    while ((engine.health().nodes.find((n) => n.id === 'fs-b')?.sessions ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error('node B never reported its session');
      await new Promise((r) => setTimeout(r, 20));
    }

    const acd = new Acd({ clock: engine.clock, events: new MemorySink(), logger: silentLogger() });
    acd.upsertQueue(queue({ id: 'q', name: 'Q' }));
    acd.upsertAgent(agent({ id: 'ann', name: 'Ann', sipUser: 'ann' }));
    acd.login('ann');
    const offered = acd.enqueue({ id: call.uuid, requirements: { queueId: 'q', channel: 'voice', skills: [], priority: 0, vip: false } });
    assert.ok(offered.accepted);
    assert.equal(acd.router.interaction(call.uuid)?.phase, 'offered');

    const agentLeg = await ringAgentPhone({
      acd,
      engine,
      log: silentLogger(),
      interactionId: call.uuid,
      agentId: 'ann',
      rings: new Map(),
      callerId: caller.callerId,
      timeoutMs: 5000,
      variables: { interaction_id: call.uuid },
      customer: caller,
      isDone: () => false,
      notReached: (why) => assert.fail(`agent not reached: ${why}`),
    });
    assert.ok(agentLeg, 'the agent answered');
    assert.ok(nodeB.channel(agentLeg.id), 'the agent was called on the caller\'s node');
    assert.equal(nodeA.channel(agentLeg.id), undefined);
    assert.equal(nodeB.channel(agentLeg.id)?.variables['sip_h_X-Load-Call'], '4242-17', 'the INVITE to the agent carries X-Load-Call');
    await caller.bridge(agentLeg);
    assert.equal(nodeB.channel(call.uuid)?.state, 'bridged');
    acd.close();
  });
});
