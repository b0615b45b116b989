/**
 * A takeover with calls in the queue: a callback rebuilt from the log is still served (agent
 * first, then the customer); a caller adopted by the new instance keeps their place; a rebuilt
 * call nobody re-attached never costs an agent a RONA and is dropped once re-attachment ends.
 */
import { strict as assert } from 'node:assert';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { Acd } from '../../src/acd/Acd.js';
import { VoiceQueue, type VoiceOutcome } from '../../src/acd/VoiceQueue.js';
import { EventLog } from '../../src/store/EventLog.js';
import { AgentRepository } from '../../src/store/repositories/agents.js';
import { QueueRepository } from '../../src/store/repositories/queues.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { agent, queue } from './helpers.js';

describe('ACD takeover with calls waiting (simulator + real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  before(async () => {
    t = await createTestDb('acd_takeover');
    await new QueueRepository(t.db).upsert(queue({ id: 'q', name: 'Q' }));
    await new AgentRepository(t.db).upsert(agent({ id: 'ann', name: 'Ann', sipUser: 'ann' }));
  });
  after(async () => t?.drop());

  it('serves the rebuilt callback, keeps the adopted caller, drops the orphan without penalising agents', async () => {
    const start = Date.parse('2026-01-05T08:00:00Z');
    const log = new EventLog({ db: t.db, logger: silentLogger(), batchMs: 1 });
    const sim1 = new SimEngine({ seed: 1, startTime: start });
    await sim1.start();
    const acd1 = new Acd({ clock: sim1.clock, events: log, logger: silentLogger() });
    await acd1.rebuildFromLog(t.db);
    const voice1 = new VoiceQueue({ acd: acd1, engine: sim1, logger: silentLogger() });
    const cb = voice1.queueCallback({ queueId: 'q', number: '+15557654321' });
    const legs: string[] = [];
    sim1.on('call', (leg) => void voice1.enqueueVoice(leg, { queueId: 'q' }).catch(() => undefined));
    sim1.placeCall({ from: '+15550000001', to: '+18005550100', at: start + 1000 });
    sim1.placeCall({ from: '+15550000002', to: '+18005550100', at: start + 2000 });
    await sim1.clock.runFor(5000);
    const waiting = [...acd1.router.interactions()].map((i) => i.id);
    assert.equal(waiting.length, 3);
    legs.push(...waiting.filter((id) => id !== cb.interactionId));
    await log.flush();
    acd1.close();

    // The standby takes over, on the same switch (here a fresh simulator with the same time).
    const sim2 = new SimEngine({ seed: 2, startTime: start + 5000 });
    await sim2.start();
    sim2.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 1000 } });
    sim2.setTarget('+15557654321', { outcome: 'answer', ringTimeMs: 1000, talkTimeMs: 5000 });
    const acd2 = new Acd({ clock: sim2.clock, events: log, logger: silentLogger() });
    const rebuilt = await acd2.rebuildFromLog(t.db);
    assert.equal(rebuilt.interactions, 3);
    const voice2 = new VoiceQueue({ acd: acd2, engine: sim2, logger: silentLogger() });
    // Re-attach the first caller (a new leg stands for the re-attached channel).
    let adopted: Promise<VoiceOutcome> | null = null;
    sim2.on('call', (leg) => void (adopted = voice2.adopt(leg, legs[0]!)));
    sim2.placeCall({ from: '+15550000001', to: '+18005550100', talkTimeMs: 5000 });
    await sim2.clock.runFor(100);
    const connected: string[] = [];
    acd2.on('interaction.connected', (e) => connected.push(e.interactionId));
    acd2.login('ann');
    await sim2.clock.runFor(60_000);
    assert.equal(connected[0], cb.interactionId, 'the callback, first in the queue, is served first');
    assert.equal(connected[1], legs[0], 'then the adopted caller');
    assert.equal((await adopted!)?.outcome, 'answered');
    assert.equal(acd2.router.agent('ann').state, 'ready', 'the orphan offer cost no RONA');
    assert.deepEqual(voice2.dropUnadopted(), [legs[1]]);
    assert.equal([...acd2.router.interactions()].length, 0);
    acd2.close();
    await log.close();
    await sim1.stop();
    await sim2.stop();
  });
});
