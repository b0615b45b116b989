/** Acd.reserve / withdraw / updateDetails and Router.queueAgents: the ACD side of the outbound dialer. */
import { strict as assert } from 'node:assert';
import { Acd, AcdError } from '../../src/acd/Acd.js';
import { requirementsSchema } from '../../src/acd/AcdTypes.js';
import { silentLogger } from '../../src/logger.js';
import { agent, ManualClock, MemorySink, queue } from './helpers.js';

const req = (r: Parameters<typeof requirementsSchema.parse>[0]) => requirementsSchema.parse(r);

function make(): { acd: Acd; clock: ManualClock; sink: MemorySink } {
  const clock = new ManualClock();
  const sink = new MemorySink();
  const acd = new Acd({ clock, events: sink, logger: silentLogger() });
  acd.upsertQueue(queue({ id: 'sales', name: 'Sales', settings: { skills: [{ skillId: 'sales', minLevel: 3 }], wrapUp: { mode: 'auto', seconds: 10, maxExtensionSec: 0 } } }));
  acd.upsertAgent(agent({ id: 'ann', name: 'Ann', skills: { sales: 5 } }));
  acd.upsertAgent(agent({ id: 'bob', name: 'Bob', skills: { sales: 2 } }));
  acd.upsertAgent(agent({ id: 'cid', name: 'Cid', skills: { sales: 4 } }));
  return { acd, clock, sink };
}

describe('Acd outbound reservations', () => {
  it('a reserved agent is "reserved" in the agent-state log, is not offered inbound calls, and is rung by nobody', () => {
    const { acd, clock, sink } = make();
    acd.login('ann');
    const offers: string[] = [];
    acd.on('offer', (o) => offers.push(o.interactionId));
    const id = acd.reserve({ agentId: 'ann', requirements: req({ queueId: 'sales', priority: 100 }), variables: { campaign_id: 'c1' } });
    assert.equal(acd.router.agent('ann').state, 'reserved');
    assert.equal(sink.agentStates.at(-1)?.state, 'reserved');
    assert.deepEqual(offers, [], 'a reservation rings nobody');
    assert.deepEqual(sink.types(id), ['queued', 'offered']);
    assert.equal(sink.rows.get(id)?.direction, 'outbound');
    const inbound = acd.enqueue({ requirements: req({ queueId: 'sales' }) });
    assert.equal(acd.router.interaction(inbound.interactionId)?.phase, 'waiting');
    clock.advance(600_000);
    assert.equal(acd.router.agent('ann').state, 'reserved', 'no RONA on a reservation, however long the outbound call rings');
    acd.withdraw(id, 'reservation-released');
    assert.equal(acd.router.interaction(inbound.interactionId)?.phase, 'offered', 'given back, ann is offered the waiting caller');
    assert.deepEqual(sink.types(id), ['queued', 'offered', 'offer.rejected', 'ended'], 'the offer is withdrawn, then the interaction ends');
    assert.equal(sink.rows.get(id)?.outcome, 'reservation-released');
    assert.equal(acd.queueRealtime('sales').today.offered, 0, 'a withdrawn reservation is not in the queue statistics');
  });

  it('refuses an agent who is not ready or does not serve the queue, with the reason', () => {
    const { acd } = make();
    acd.login('ann', false);
    acd.login('bob');
    assert.throws(
      () => acd.reserve({ agentId: 'ann', requirements: req({ queueId: 'sales' }) }),
      (e: unknown) => e instanceof AcdError && e.code === 'conflict' && e.message === 'agent ann cannot be reserved for queue sales: the agent is not-ready or does not serve the queue',
    );
    assert.throws(() => acd.reserve({ agentId: 'bob', requirements: req({ queueId: 'sales' }) }), /agent bob cannot be reserved for queue sales/);
    assert.throws(() => acd.reserve({ agentId: 'zed', requirements: req({ queueId: 'sales' }) }), /agent zed does not exist/);
    assert.throws(() => acd.reserve({ agentId: 'bob', requirements: req({ queueId: 'nope' }) }), /queue nope does not exist/);
    assert.equal(acd.router.interactions().next().done, true, 'nothing left behind by a refused reservation');
  });

  it('reserve → accept → complete: connected, then wrap-up per the queue, details filled in after the reservation', () => {
    const { acd, clock, sink } = make();
    acd.login('cid');
    const ended: string[] = [];
    acd.on('interaction.ended', (e) => ended.push(`${e.interactionId}:${e.outcome}`));
    const id = acd.reserve({ agentId: 'cid', requirements: req({ queueId: 'sales', priority: 100 }), countInQueueStats: false });
    acd.updateDetails(id, { variables: { campaign_id: 'c1', attempt_id: 'att-9' }, dialledNumber: '+12125550100' });
    clock.advance(8000);
    acd.accept(id, 'cid');
    assert.equal(acd.router.agent('cid').state, 'busy');
    clock.advance(30_000);
    acd.complete(id, 'customer-hung-up');
    assert.equal(acd.router.agent('cid').state, 'wrap-up');
    assert.deepEqual(ended, [`${id}:answered`]);
    assert.equal(acd.queueRealtime('sales').today.answered, 0, 'left out of the queue statistics (countInQueueStats: false)');
    assert.equal(acd.agentRealtime('cid').handledToday, 1, 'but it is the agent’s work');
    assert.deepEqual(sink.rows.get(id)?.variables, { campaign_id: 'c1', attempt_id: 'att-9' });
    assert.deepEqual(sink.types(id), ['queued', 'offered', 'answered', 'ended']);
    clock.advance(10_000);
    assert.equal(acd.router.agent('cid').state, 'ready');
    assert.ok(acd.stateSince('cid') === clock.now());
  });

  it('withdraw takes a waiting or offered interaction out without a queue exit; refuses a connected one', () => {
    const { acd } = make();
    acd.login('ann');
    const exits: string[] = [];
    acd.on('exit', (e) => exits.push(e.interactionId));
    const a = acd.enqueue({ requirements: req({ queueId: 'sales' }) });
    const b = acd.enqueue({ requirements: req({ queueId: 'sales' }) });
    acd.withdraw(b.interactionId, 'no-agent');
    assert.equal(acd.router.waitingCount('sales'), 0);
    acd.accept(a.interactionId, 'ann');
    assert.throws(() => acd.withdraw(a.interactionId, 'no-agent'), /is connected; complete it instead/);
    acd.withdraw('unknown', 'no-agent');
    assert.deepEqual(exits, []);
  });

  it('Router.queueAgents lists the logged-in agents who meet the queue’s skills', () => {
    const { acd } = make();
    acd.login('ann');
    acd.login('bob');
    assert.deepEqual(acd.router.queueAgents('sales').map((a) => a.id), ['ann'], 'bob is below the minimum level, cid is logged out');
    acd.login('cid', false);
    assert.deepEqual(acd.router.queueAgents('sales').map((a) => a.id).sort(), ['ann', 'cid']);
    assert.equal(acd.router.servesQueue('bob', 'sales'), false);
    assert.equal(acd.router.servesQueue('cid', 'sales'), true);
  });
});
