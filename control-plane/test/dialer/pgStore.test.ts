import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { importLeadList } from '../../src/dialer/leadImport.js';
import { PgDialerStore } from '../../src/dialer/PgDialerStore.js';
import { WebhookOutbox } from '../../src/api/webhooks/WebhookOutbox.js';
import { CampaignRunner } from '../../src/dialer/CampaignRunner.js';
import type { DialerAgentPool } from '../../src/dialer/agentPool.js';
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { silentLogger } from '../../src/logger.js';
import type { Campaign } from '../../src/dialer/campaign.js';
import { campaignConfig } from './fixtures.js';

// Monday 15:00 UTC: 10:00 in New York, 07:00 in Los Angeles.
const NOW = Date.parse('2026-01-05T15:00:00Z');

describe('PgDialerStore (real PostgreSQL)', function () {
  this.timeout(30_000);
  let t: TestDb;
  let store: PgDialerStore;
  const campaign: Campaign = { id: 'pg1', state: 'running', config: campaignConfig(), createdAt: NOW, updatedAt: NOW };

  before(async () => {
    t = await createTestDb('dialer_store');
    store = new PgDialerStore(t.db);
    await t.db('dialer_campaigns').insert({ id: campaign.id, name: 'pg', state: 'running', config: JSON.stringify(campaign.config) });
    await importLeadList(t.db, Readable.from(['phone\n+12125550100\n+14155550100\n+12125550101\n']), { campaignId: campaign.id, listName: 'l', columns: { phone: 'phone' } }, NOW - 60_000);
  });
  after(async () => {
    await t.drop();
  });

  it('claims only leads inside their calling window and moves the others to their next opening', async () => {
    const claimed = await store.claimDueLeads(campaign, NOW, 10);
    assert.deepEqual(claimed.map((l) => l.phone).sort(), ['+12125550100', '+12125550101']);
    const la = await t.db('dialer_leads').where({ phone: '+14155550100' }).first();
    assert.equal(la.status, 'pending');
    // 09:00 in Los Angeles is 17:00 UTC.
    assert.equal(new Date(la.next_attempt_at).toISOString(), '2026-01-05T17:00:00.000Z');
    // Claimed leads are not handed out twice.
    assert.deepEqual(await store.claimDueLeads(campaign, NOW, 10), []);
    for (const l of claimed) await store.releaseLead(l.id);
  });

  it('checks the do-not-call lists at dial time, including numbers added after the import', async () => {
    assert.equal(await store.isOnDnc(campaign.id, '+12125550100'), false);
    assert.equal(await store.addDnc(campaign.id, ['+12125550100', '+12125550100'], 'test'), 1);
    assert.equal(await store.isOnDnc(campaign.id, '+12125550100'), true);
    assert.equal(await store.isOnDnc('other', '+12125550100'), false);
    await store.addDnc(null, ['+12125550101'], 'test');
    assert.equal(await store.isOnDnc('other', '+12125550101'), true);
    assert.equal(await store.removeDnc(campaign.id, '+12125550100'), true);
  });

  it('stores an attempt with times, outcome, agent and recording, reschedules the lead in the same transaction, and applies the disposition', async () => {
    const [lead] = await store.claimDueLeads(campaign, NOW, 1);
    assert.ok(lead);
    const id = '11111111-1111-4111-8111-111111111111';
    await store.startAttempt({ id, campaignId: campaign.id, leadId: lead.id, phone: lead.phone, attemptNo: 1, startedAt: NOW, legId: 'leg-1' });
    await store.finishAttempt({
      id,
      leadId: lead.id,
      outcome: 'answered',
      endedAt: NOW + 130_000,
      answeredAt: NOW + 8000,
      connectedAt: NOW + 8400,
      agentId: 'a1',
      recordingRef: 'rec/2026/01/05/leg-1.wav',
      plan: { kind: 'done', reason: 'disposition' },
    });
    let a = await store.getAttempt(id);
    assert.deepEqual(
      [a?.outcome, a?.agentId, a?.recordingRef, a?.connectedAt, a?.endedAt, a?.leadAttempts, a?.timeZone],
      ['answered', 'a1', 'rec/2026/01/05/leg-1.wav', NOW + 8400, NOW + 130_000, 1, 'America/New_York'],
    );
    const callbackAt = NOW + 24 * 3600_000;
    await store.setDisposition({ attemptId: id, code: 'callback', at: NOW + 140_000, callbackAt, plan: { kind: 'callback', at: callbackAt, agentId: 'a1' }, addToDnc: false });
    a = await store.getAttempt(id);
    assert.deepEqual([a?.disposition, a?.callbackAt], ['callback', callbackAt]);
    const row = await t.db('dialer_leads').where({ id: lead.id }).first();
    assert.deepEqual([row.status, row.callback_agent_id, new Date(row.next_attempt_at).getTime()], ['pending', 'a1', callbackAt]);
    // Only that agent's callbacks come back, and only when due.
    assert.deepEqual(await store.claimDueLeads(campaign, callbackAt, 5, new Set(['a2'])), []);
    const cb = await store.claimDueLeads(campaign, callbackAt, 5, new Set(['a1']));
    assert.deepEqual(cb.map((l) => [l.id, l.callbackAgentId]), [[lead.id, 'a1']]);
    assert.equal((await store.listAttempts(campaign.id)).length, 1);
    assert.equal(await store.leadsRemaining(campaign.id), 3);
    await store.releaseLead(lead.id);
  });

  it('when rescheduling the lead fails, the end of the attempt is not written either (one transaction)', async () => {
    const lead = await t.db('dialer_leads').where({ phone: '+14155550100' }).first();
    const id = '22222222-2222-4222-8222-222222222222';
    await store.startAttempt({ id, campaignId: campaign.id, leadId: String(lead.id), phone: lead.phone, attemptNo: 1, startedAt: NOW, legId: 'leg-2' });
    // A retry time PostgreSQL cannot store (10,001 BC) makes the second statement (the lead update) fail.
    await assert.rejects(
      store.finishAttempt({ id, leadId: String(lead.id), outcome: 'busy', endedAt: NOW + 2000, plan: { kind: 'retry', at: Date.UTC(-10000, 0, 1) } }),
      /out of range/,
    );
    const a = await store.getAttempt(id);
    assert.deepEqual([a?.outcome, a?.endedAt], [null, null]);
    const after = await t.db('dialer_leads').where({ id: lead.id }).first();
    assert.equal(new Date(after.next_attempt_at).getTime(), new Date(lead.next_attempt_at).getTime());
  });

  it('queues one campaign.attempt webhook per interested subscription in the transaction that finishes the attempt', async () => {
    const outbox = new WebhookOutbox({ db: t.db, publicBaseUrl: 'http://localhost:8080' });
    const crm = await outbox.createSubscription({ name: 'crm', url: 'https://crm.example.com/hook', eventTypes: ['campaign.attempt'] });
    await outbox.createSubscription({ name: 'wallboard', url: 'https://wb.example.com/hook', eventTypes: ['agent.state'] });
    const hooked = new PgDialerStore(t.db, async (trx, attempt) => {
      await outbox.enqueue(trx, [{ id: attempt.attemptId, type: 'campaign.attempt', occurredAt: attempt.endedAt, data: { ...attempt } }]);
    });
    const lead = await t.db('dialer_leads').where({ phone: '+12125550101' }).first();
    const id = '33333333-3333-4333-8333-333333333333';
    await hooked.startAttempt({ id, campaignId: campaign.id, leadId: String(lead.id), phone: lead.phone, attemptNo: 2, startedAt: NOW, legId: 'leg-3' });
    await hooked.finishAttempt({ id, leadId: String(lead.id), outcome: 'no-answer', endedAt: NOW + 30_000, plan: { kind: 'retry', at: NOW + 3600_000 } });
    const rows = (await t.db('webhook_outbox').where({ event_id: id }).select('subscription_id', 'event_type', 'payload')) as Array<{ subscription_id: string; event_type: string; payload: unknown }>;
    assert.deepEqual(rows.map((r) => [r.subscription_id, r.event_type]), [[crm.subscription.id, 'campaign.attempt']], 'only the subscription that wants it');
    const payload = (typeof rows[0]!.payload === 'string' ? JSON.parse(rows[0]!.payload) : rows[0]!.payload) as { type: string; data: Record<string, unknown> };
    assert.equal(payload.type, 'campaign.attempt');
    assert.deepEqual(
      { ...payload.data },
      {
        attemptId: id, campaignId: campaign.id, leadId: String(lead.id), externalId: null, phone: '+12125550101', attemptNo: 2, outcome: 'no-answer',
        startedAt: new Date(NOW).toISOString(), endedAt: new Date(NOW + 30_000).toISOString(), answeredAt: null, connectedAt: null, amdResult: null, agentId: null,
        recordingRef: null, next: { kind: 'retry', at: new Date(NOW + 3600_000).toISOString() },
      },
    );
    // A finish that fails queues nothing (one transaction).
    const id2 = '44444444-4444-4444-8444-444444444444';
    await hooked.startAttempt({ id: id2, campaignId: campaign.id, leadId: String(lead.id), phone: lead.phone, attemptNo: 3, startedAt: NOW, legId: 'leg-4' });
    await assert.rejects(hooked.finishAttempt({ id: id2, leadId: String(lead.id), outcome: 'busy', endedAt: NOW + 2000, plan: { kind: 'retry', at: Date.UTC(-10000, 0, 1) } }), /out of range/);
    assert.equal((await t.db('webhook_outbox').where({ event_id: id2 })).length, 0);
  });

  it('a restarted runner restores the abandon rate of the legal window from stored attempts', async () => {
    const lead = await t.db('dialer_leads').where({ phone: '+14155550100' }).first();
    const rows = [];
    // Over the last 30 hours: 3 abandoned, 27 connected of which 1 was a machine by disposition; with the
    // answered call of the test above that makes 30 live answers, 3 abandoned;
    // and one older than the 30-day window that must not count.
    for (let i = 0; i < 31; i++) {
      const at = i === 30 ? NOW - 31 * 24 * 3600_000 : NOW - (i + 1) * 3600_000;
      rows.push({
        id: `33333333-3333-4333-8333-${String(i).padStart(12, '0')}`,
        campaign_id: campaign.id,
        lead_id: lead.id,
        phone: lead.phone,
        attempt_no: 1,
        started_at: new Date(at - 10_000),
        answered_at: new Date(at),
        ended_at: new Date(at + 60_000),
        outcome: i === 30 || i < 3 ? 'abandoned' : 'answered',
        disposition: i === 3 ? 'answering-machine' : null,
      });
    }
    await t.db('dialer_attempts').insert(rows);
    const engine = new SimEngine({ startTime: NOW });
    const pool: DialerAgentPool = { agents: () => [], reserve: () => undefined, release: () => undefined, connect: async () => ({ connected: false, reason: 'no-agent' }), onAgentReady: () => undefined, onCallEnded: () => undefined };
    const runner = new CampaignRunner({ campaign, engine, clock: engine.clock, store, pool, logger: silentLogger() });
    assert.equal(runner.abandonRates().windowLive, 0);
    await runner.restoreAbandonHistory();
    const r = runner.abandonRates();
    assert.equal(r.windowLive, 30);
    assert.ok(Math.abs(r.windowPct - 10) < 1e-9, String(r.windowPct));
  });
});
