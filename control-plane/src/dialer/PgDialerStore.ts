/**
 * DialerStore on PostgreSQL (or PGlite) through knex. Claims use `for update skip locked`
 * so two control planes never dial the same lead; the runner asks `isOnDnc` right before each
 * originate (so a number listed after the import is never dialled); finishing an attempt and
 * rescheduling its lead happen in one transaction.
 */
import type { Knex } from 'knex';
import type { Db } from '../store/db.js';
import type { Campaign } from './campaign.js';
import { isWithinCallingWindow, nextCallableAt } from './callingWindow.js';
import type { AbandonMinute, AttemptEnd, AttemptOutcome, AttemptRecord, AttemptStart, DialerStore, DispositionUpdate, LeadToDial } from './DialerStore.js';
import type { RetryPlan } from './retry.js';

interface LeadRow {
  id: string;
  campaign_id: string;
  phone: string;
  time_zone: string;
  attempts: number;
  callback_agent_id: string | null;
  external_id: string | null;
  data: Record<string, string>;
}

const ms = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());

/** What a finished attempt tells subscribers (the `campaign.attempt` webhook's data). */
export interface FinishedAttempt {
  attemptId: string;
  campaignId: string;
  leadId: string;
  externalId: string | null;
  phone: string;
  attemptNo: number;
  outcome: AttemptOutcome;
  startedAt: string;
  endedAt: string;
  answeredAt: string | null;
  connectedAt: string | null;
  amdResult: string | null;
  agentId: string | null;
  recordingRef: string | null;
  /** What happens to the lead next: retry / callback at a time, or done with the reason. */
  next: { kind: 'retry' | 'callback'; at: string } | { kind: 'done'; reason: string };
}

/** Runs inside the transaction that finishes an attempt (the webhook outbox writes its rows there). */
export type AttemptFinishedHook = (trx: Knex.Transaction, attempt: FinishedAttempt) => Promise<void>;

export class PgDialerStore implements DialerStore {
  constructor(
    readonly db: Db,
    readonly onFinished?: AttemptFinishedHook,
  ) {}

  async claimDueLeads(campaign: Campaign, now: number, limit: number, callbacksFor?: ReadonlySet<string>): Promise<LeadToDial[]> {
    if (limit <= 0) return [];
    if (callbacksFor && callbacksFor.size === 0) return [];
    const window = campaign.config.callingWindow;
    return this.db.transaction(async (trx) => {
      const q = trx('dialer_leads as l')
        .where('l.campaign_id', campaign.id)
        .andWhere('l.status', 'pending')
        .andWhere('l.next_attempt_at', '<=', new Date(now))
        .orderBy([{ column: 'l.next_attempt_at' }, { column: 'l.priority', order: 'desc' }, { column: 'l.id' }])
        .limit(limit * 3)
        .forUpdate()
        .skipLocked()
        .select<LeadRow[]>('l.id', 'l.campaign_id', 'l.phone', 'l.time_zone', 'l.attempts', 'l.callback_agent_id', 'l.external_id', 'l.data');
      if (callbacksFor) q.whereIn('l.callback_agent_id', [...callbacksFor]);
      else q.whereNull('l.callback_agent_id');
      const rows = await q;
      const claim: LeadRow[] = [];
      for (const row of rows) {
        if (claim.length >= limit) break;
        if (isWithinCallingWindow(window, row.time_zone, now)) {
          claim.push(row);
        } else {
          await trx('dialer_leads').where({ id: row.id }).update({ next_attempt_at: new Date(nextCallableAt(window, row.time_zone, now)), updated_at: new Date(now) });
        }
      }
      if (claim.length > 0) {
        await trx('dialer_leads').whereIn('id', claim.map((r) => r.id)).update({ status: 'dialling', updated_at: new Date(now) });
      }
      return claim.map((r) => ({
        id: String(r.id),
        campaignId: r.campaign_id,
        phone: r.phone,
        timeZone: r.time_zone,
        attempts: r.attempts,
        callbackAgentId: r.callback_agent_id,
        externalId: r.external_id,
        data: r.data,
      }));
    });
  }

  async releaseLead(leadId: string): Promise<void> {
    await this.db('dialer_leads').where({ id: leadId, status: 'dialling' }).update({ status: 'pending' });
  }

  async isOnDnc(campaignId: string, phone: string): Promise<boolean> {
    const row = await this.db('dialer_dnc')
      .where({ phone })
      .andWhere((q) => q.whereNull('campaign_id').orWhere('campaign_id', campaignId))
      .first('id');
    return row !== undefined;
  }

  async addDnc(campaignId: string | null, phones: string[], source: string): Promise<number> {
    if (phones.length === 0) return 0;
    let added = 0;
    await this.db.transaction(async (trx) => {
      for (let i = 0; i < phones.length; i += 5000) {
        const chunk = phones.slice(i, i + 5000);
        const r = await trx.raw(
          `insert into dialer_dnc (phone, campaign_id, source)
           select u.phone, ?, ? from unnest(?::text[]) as u(phone)
           on conflict (phone, coalesce(campaign_id, '')) do nothing`,
          [campaignId, source, chunk] as unknown as readonly string[],
        );
        added += (r as { rowCount: number }).rowCount ?? 0;
      }
    });
    return added;
  }

  async removeDnc(campaignId: string | null, phone: string): Promise<boolean> {
    const q = this.db('dialer_dnc').where({ phone });
    if (campaignId === null) q.whereNull('campaign_id');
    else q.where({ campaign_id: campaignId });
    return (await q.delete()) > 0;
  }

  async startAttempt(a: AttemptStart): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('dialer_attempts').insert({
        id: a.id,
        campaign_id: a.campaignId,
        lead_id: a.leadId,
        phone: a.phone,
        attempt_no: a.attemptNo,
        leg_id: a.legId || null,
        started_at: new Date(a.startedAt),
      });
      await trx('dialer_leads').where({ id: a.leadId }).update({ attempts: a.attemptNo, updated_at: new Date(a.startedAt) });
    });
  }

  async finishAttempt(end: AttemptEnd): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('dialer_attempts')
        .where({ id: end.id })
        .update({
          outcome: end.outcome,
          ended_at: new Date(end.endedAt),
          answered_at: end.answeredAt !== undefined ? new Date(end.answeredAt) : null,
          connected_at: end.connectedAt !== undefined ? new Date(end.connectedAt) : null,
          amd_result: end.amdResult ?? null,
          agent_id: end.agentId ?? null,
          recording_ref: end.recordingRef ?? null,
        });
      await applyPlan(trx, end.leadId, end.plan, end.endedAt, end.outcome);
      if (this.onFinished) await this.onFinished(trx, await finishedAttempt(trx, end));
    });
  }

  async getAttempt(attemptId: string): Promise<AttemptRecord | undefined> {
    const r = await this.db('dialer_attempts as a')
      .join('dialer_leads as l', 'l.id', 'a.lead_id')
      .where('a.id', attemptId)
      .first<Record<string, unknown> | undefined>('a.*', 'l.time_zone', { lead_attempts: 'l.attempts' });
    return r ? toAttempt(r) : undefined;
  }

  async listAttempts(campaignId: string, options: { leadId?: string; limit?: number } = {}): Promise<AttemptRecord[]> {
    const q = this.db('dialer_attempts as a')
      .join('dialer_leads as l', 'l.id', 'a.lead_id')
      .where('a.campaign_id', campaignId)
      .orderBy('a.started_at', 'desc')
      .limit(options.limit ?? 100)
      .select<Array<Record<string, unknown>>>('a.*', 'l.time_zone', { lead_attempts: 'l.attempts' });
    if (options.leadId) q.andWhere('a.lead_id', options.leadId);
    return (await q).map(toAttempt);
  }

  async setDisposition(u: DispositionUpdate): Promise<void> {
    await this.db.transaction(async (trx) => {
      const attempt = await trx('dialer_attempts').where({ id: u.attemptId }).forUpdate().first<{ lead_id: string; campaign_id: string; phone: string } | undefined>('lead_id', 'campaign_id', 'phone');
      if (!attempt) return;
      await trx('dialer_attempts')
        .where({ id: u.attemptId })
        .update({ disposition: u.code, disposition_at: new Date(u.at), callback_at: u.callbackAt !== undefined ? new Date(u.callbackAt) : null });
      await applyPlan(trx, attempt.lead_id, u.plan, u.at, null);
      if (u.addToDnc) {
        await trx.raw(`insert into dialer_dnc (phone, campaign_id, source) values (?, ?, 'disposition') on conflict (phone, coalesce(campaign_id, '')) do nothing`, [attempt.phone, attempt.campaign_id]);
      }
    });
  }

  async abandonHistory(campaignId: string, since: number, machineCodes: string[]): Promise<AbandonMinute[]> {
    const r = await this.db.raw(
      `select date_trunc('minute', coalesce(answered_at, ended_at)) as minute,
              count(*) filter (where outcome = 'abandoned') as abandoned,
              count(*) filter (where outcome = 'abandoned' or (outcome = 'answered' and (disposition is null or not (disposition = any(?::text[]))))) as live,
              count(*) filter (where outcome = 'machine') as machines
         from dialer_attempts
        where campaign_id = ? and coalesce(answered_at, ended_at) >= ?
        group by 1 order by 1`,
      [machineCodes, campaignId, new Date(since)] as unknown as readonly string[],
    );
    return (r.rows as Array<{ minute: Date; abandoned: string; live: string; machines: string }>).map((row) => ({
      at: new Date(row.minute).getTime(),
      live: Number(row.live),
      abandoned: Number(row.abandoned),
      machinesDropped: Number(row.machines),
    }));
  }

  async leadsRemaining(campaignId: string): Promise<number> {
    const r = await this.db('dialer_leads').where({ campaign_id: campaignId }).whereNot({ status: 'done' }).count<{ n: string }[]>({ n: '*' });
    return Number(r[0]?.n ?? 0);
  }
}

async function applyPlan(trx: Knex.Transaction, leadId: string, plan: RetryPlan, at: number, outcome: AttemptOutcome | null): Promise<void> {
  const base: Record<string, unknown> = { updated_at: new Date(at) };
  if (outcome) base.last_outcome = outcome;
  if (plan.kind === 'done') {
    await trx('dialer_leads').where({ id: leadId }).update({ ...base, status: 'done', done_reason: plan.reason, callback_agent_id: null });
    return;
  }
  await trx('dialer_leads')
    .where({ id: leadId })
    .update({ ...base, status: 'pending', done_reason: null, next_attempt_at: new Date(plan.at), callback_agent_id: plan.kind === 'callback' ? (plan.agentId ?? null) : null });
}

function toAttempt(r: Record<string, unknown>): AttemptRecord {
  return {
    id: r.id as string,
    campaignId: r.campaign_id as string,
    leadId: String(r.lead_id),
    phone: r.phone as string,
    attemptNo: r.attempt_no as number,
    startedAt: ms(r.started_at as Date) as number,
    answeredAt: ms(r.answered_at as Date | null),
    connectedAt: ms(r.connected_at as Date | null),
    endedAt: ms(r.ended_at as Date | null),
    outcome: (r.outcome as AttemptOutcome | null) ?? null,
    amdResult: (r.amd_result as string | null) ?? null,
    agentId: (r.agent_id as string | null) ?? null,
    recordingRef: (r.recording_ref as string | null) ?? null,
    disposition: (r.disposition as string | null) ?? null,
    dispositionAt: ms(r.disposition_at as Date | null),
    callbackAt: ms(r.callback_at as Date | null),
    timeZone: r.time_zone as string,
    leadAttempts: r.lead_attempts as number,
  };
}

async function finishedAttempt(trx: Knex.Transaction, end: AttemptEnd): Promise<FinishedAttempt> {
  const row = (await trx('dialer_attempts as a')
    .join('dialer_leads as l', 'l.id', 'a.lead_id')
    .where('a.id', end.id)
    .first('a.campaign_id', 'a.attempt_no', 'a.phone', 'a.started_at', 'l.external_id')) as
    | { campaign_id: string; attempt_no: number; phone: string; started_at: Date; external_id: string | null }
    | undefined;
  if (!row) throw new Error(`attempt ${end.id} vanished while being finished`);
  const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());
  return {
    attemptId: end.id,
    campaignId: String(row.campaign_id),
    leadId: end.leadId,
    externalId: row.external_id,
    phone: row.phone,
    attemptNo: Number(row.attempt_no),
    outcome: end.outcome,
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: new Date(end.endedAt).toISOString(),
    answeredAt: iso(end.answeredAt),
    connectedAt: iso(end.connectedAt),
    amdResult: end.amdResult ?? null,
    agentId: end.agentId ?? null,
    recordingRef: end.recordingRef ?? null,
    next: end.plan.kind === 'done' ? { kind: 'done', reason: end.plan.reason } : { kind: end.plan.kind, at: new Date(end.plan.at).toISOString() },
  };
}
