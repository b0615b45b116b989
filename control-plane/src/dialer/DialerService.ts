/**
 * The dialer as the API and CLI see it: campaign CRUD in PostgreSQL, one CampaignRunner per
 * started campaign, list and DNC imports, dispositions and live stats. Events of every
 * runner are re-emitted here (typed) for the WebSocket stream.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MediaEngine } from '../engine/port.js';
import { TypedEmitter } from '../events.js';
import type { Db } from '../store/db.js';
import type { DialerAgentPool } from './agentPool.js';
import { applyCampaignPatch, parseCampaignConfig, type Campaign, type CampaignConfig, type CampaignState } from './campaign.js';
import { CampaignRunner } from './CampaignRunner.js';
import type { AttemptRecord } from './DialerStore.js';
import type { CampaignLiveStats, DialerEventMap } from './DialerTypes.js';
import { readDncNumbers } from './dncImport.js';
import { CampaignNotFoundError, CampaignStateError, DialerValidationError } from './errors.js';
import { importLeadList, type LeadImportResult, type RowReject } from './leadImport.js';
import { PgDialerStore, type AttemptFinishedHook } from './PgDialerStore.js';

export interface DialerServiceOptions {
  db: Db;
  engine: MediaEngine;
  clock: Clock;
  logger: Logger;
  /** The agents for a campaign (the ACD adapter in production, SimAgentPool in the simulator). */
  poolFor: (campaign: Campaign) => DialerAgentPool;
  tickMs?: number;
  /** Runs in the transaction that finishes each attempt (the `campaign.attempt` webhook). */
  onAttemptFinished?: AttemptFinishedHook;
}

interface CampaignRow {
  id: string;
  name: string;
  state: CampaignState;
  config: CampaignConfig;
  created_at: Date;
  updated_at: Date;
}

const toCampaign = (r: CampaignRow): Campaign => ({ id: r.id, state: r.state, config: r.config, createdAt: new Date(r.created_at).getTime(), updatedAt: new Date(r.updated_at).getTime() });

export interface DncImportResult {
  campaignId: string | null;
  rowsRead: number;
  added: number;
  alreadyListed: number;
  rejected: RowReject[];
}

export class DialerService extends TypedEmitter<DialerEventMap> {
  readonly store: PgDialerStore;
  #o: DialerServiceOptions;
  #runners = new Map<string, CampaignRunner>();

  constructor(options: DialerServiceOptions) {
    super();
    this.#o = options;
    this.store = new PgDialerStore(options.db, options.onAttemptFinished);
  }

  async createCampaign(input: unknown): Promise<Campaign> {
    const config = parseCampaignConfig(input);
    const slug = config.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'campaign';
    const id = `${slug}-${randomBytes(3).toString('hex')}`;
    const now = new Date(this.#o.clock.now());
    const [row] = await this.#o.db('dialer_campaigns').insert({ id, name: config.name, state: 'draft', config: JSON.stringify(config), created_at: now, updated_at: now }).returning<CampaignRow[]>('*');
    return toCampaign(row as CampaignRow);
  }

  async listCampaigns(): Promise<Campaign[]> {
    const rows = await this.#o.db('dialer_campaigns').orderBy('created_at').select<CampaignRow[]>('*');
    return rows.map(toCampaign);
  }

  async getCampaign(id: string): Promise<Campaign> {
    const row = await this.#o.db('dialer_campaigns').where({ id }).first<CampaignRow | undefined>('*');
    if (!row) throw new CampaignNotFoundError(id);
    return toCampaign(row);
  }

  /** Replaces the whole configuration (validated as a new campaign would be). */
  async replaceCampaign(id: string, input: unknown): Promise<Campaign> {
    const config = parseCampaignConfig(input);
    return this.#saveConfig(id, config);
  }

  /** A live change (pacing, mode, ratio, timeouts …), applied to a running campaign at once. */
  async patchCampaign(id: string, patch: unknown): Promise<Campaign> {
    const current = await this.getCampaign(id);
    return this.#saveConfig(id, applyCampaignPatch(current.config, patch));
  }

  async deleteCampaign(id: string): Promise<void> {
    const c = await this.getCampaign(id);
    if (c.state === 'running' || c.state === 'paused') throw new CampaignStateError(id, c.state, 'delete');
    await this.#o.db('dialer_campaigns').where({ id }).delete();
  }

  async start(id: string): Promise<Campaign> {
    const c = await this.getCampaign(id);
    if (c.state === 'running') return c;
    if (c.state === 'stopped' || c.state === 'finished') throw new CampaignStateError(id, c.state, 'start');
    if (c.state === 'paused') throw new CampaignStateError(id, c.state, 'start (use resume)');
    const runner = this.#runnerFor(c);
    await runner.restoreAbandonHistory();
    runner.start();
    return this.#saveState(id, 'running');
  }

  async pause(id: string): Promise<Campaign> {
    const c = await this.getCampaign(id);
    const runner = this.#runners.get(id);
    if (c.state !== 'running' || !runner) throw new CampaignStateError(id, c.state, 'pause');
    runner.pause();
    return this.#saveState(id, 'paused');
  }

  async resume(id: string): Promise<Campaign> {
    const c = await this.getCampaign(id);
    if (c.state !== 'paused') throw new CampaignStateError(id, c.state, 'resume');
    // After a restart a paused campaign has no runner yet.
    const runner = this.#runners.get(id) ?? this.#runnerFor({ ...c, state: 'paused' });
    await runner.restoreAbandonHistory();
    runner.resume();
    return this.#saveState(id, 'running');
  }

  async stop(id: string): Promise<Campaign> {
    const c = await this.getCampaign(id);
    if (c.state === 'stopped') return c;
    this.#runners.get(id)?.stop();
    this.#runners.delete(id);
    return this.#saveState(id, 'stopped');
  }

  /**
   * After a restart: campaigns stored as running start dialling again (with their abandon
   * history restored). Call once the media engine is up. Returns the ids resumed.
   */
  async resumeRunningCampaigns(): Promise<string[]> {
    const running = (await this.listCampaigns()).filter((c) => c.state === 'running' && !this.#runners.has(c.id));
    for (const c of running) {
      const runner = this.#runnerFor({ ...c, state: 'draft' });
      await runner.restoreAbandonHistory();
      runner.start();
    }
    return running.map((c) => c.id);
  }

  /** Stops placing calls for every campaign (shutdown); states stay as stored. */
  async close(): Promise<void> {
    for (const r of this.#runners.values()) r.stop();
    await Promise.all([...this.#runners.values()].map((r) => r.drain()));
    this.#runners.clear();
  }

  async importLeads(campaignId: string, source: AsyncIterable<Uint8Array | string>, options: Record<string, unknown>): Promise<LeadImportResult> {
    await this.getCampaign(campaignId);
    return importLeadList(this.#o.db, source, { ...options, campaignId }, this.#o.clock.now());
  }

  /** Imports numbers to the global list (campaignId null) or a campaign's list. */
  async importDnc(campaignId: string | null, source: AsyncIterable<Uint8Array | string>, options: unknown): Promise<DncImportResult> {
    if (campaignId !== null) await this.getCampaign(campaignId);
    const parsed = await readDncNumbers(source, options);
    const added = await this.store.addDnc(campaignId, parsed.phones, 'import');
    return { campaignId, rowsRead: parsed.rowsRead, added, alreadyListed: parsed.phones.length - added, rejected: parsed.rejected };
  }

  async setDisposition(campaignId: string, attemptId: string, input: { code: string; agentId?: string; callbackAt?: number }): Promise<AttemptRecord> {
    const c = await this.getCampaign(campaignId);
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(attemptId)) {
      throw new DialerValidationError([`attemptId: "${attemptId}" is not an attempt id (a UUID)`]);
    }
    const attempt = await this.store.getAttempt(attemptId);
    if (!attempt || attempt.campaignId !== campaignId) throw new DialerValidationError([`attemptId: attempt ${attemptId} is not part of campaign ${campaignId}`]);
    if (attempt.outcome !== 'answered') throw new DialerValidationError([`attemptId: attempt ${attemptId} was not answered by a person (outcome ${attempt.outcome ?? 'in progress'}); only answered calls take a disposition`]);
    const runner = this.#runners.get(campaignId) ?? this.#runnerFor(c);
    if (!c.config.dispositions.some((d) => d.code === input.code)) {
      throw new DialerValidationError([`code: "${input.code}" is not a disposition of this campaign (allowed: ${c.config.dispositions.map((d) => d.code).join(', ')})`]);
    }
    const d = c.config.dispositions.find((x) => x.code === input.code);
    if (d?.effect === 'callback' && input.callbackAt === undefined) throw new DialerValidationError(['callbackAt: a call-back disposition needs the time to call back']);
    await runner.setDisposition(attemptId, input.code, input.agentId, input.callbackAt);
    return (await this.store.getAttempt(attemptId)) as AttemptRecord;
  }

  async stats(id: string): Promise<CampaignLiveStats> {
    const c = await this.getCampaign(id);
    const runner = this.#runners.get(id);
    if (runner) return runner.liveStats();
    return {
      campaignId: id,
      at: this.#o.clock.now(),
      state: c.state,
      mode: c.config.mode,
      dialsInFlight: 0,
      dialsPlaced: 0,
      answerRatePct: 0,
      abandonRateWindowPct: 0,
      abandonRateTodayPct: 0,
      abandonRateLastHourPct: 0,
      abandonCapPct: c.config.abandon.capPct,
      agentsLoggedIn: 0,
      agentsReady: 0,
      agentsTalking: 0,
      occupancyPct: 0,
      talkMinPerAgentHour: 0,
      leadsRemaining: await this.store.leadsRemaining(id),
      pacing: 'idle',
    };
  }

  attempts(id: string, options: { leadId?: string; limit?: number } = {}): Promise<AttemptRecord[]> {
    return this.store.listAttempts(id, options);
  }

  runner(id: string): CampaignRunner | undefined {
    return this.#runners.get(id);
  }

  #runnerFor(c: Campaign): CampaignRunner {
    let runner = this.#runners.get(c.id);
    if (runner) return runner;
    runner = new CampaignRunner({
      campaign: { ...c, state: c.state === 'paused' ? 'paused' : 'draft' },
      engine: this.#o.engine,
      clock: this.#o.clock,
      store: this.store,
      pool: this.#o.poolFor(c),
      logger: this.#o.logger,
      ...(this.#o.tickMs !== undefined ? { tickMs: this.#o.tickMs } : {}),
    });
    runner.on('attempt.started', (e) => this.emit('attempt.started', e));
    runner.on('attempt.ended', (e) => this.emit('attempt.ended', e));
    runner.on('abandoned', (e) => this.emit('abandoned', e));
    runner.on('campaign.state', (e) => this.emit('campaign.state', e));
    runner.on('campaign.stats', (e) => this.emit('campaign.stats', e));
    this.#runners.set(c.id, runner);
    return runner;
  }

  async #saveConfig(id: string, config: CampaignConfig): Promise<Campaign> {
    const rows = await this.#o.db('dialer_campaigns')
      .where({ id })
      .update({ config: JSON.stringify(config), name: config.name, updated_at: new Date(this.#o.clock.now()) })
      .returning<CampaignRow[]>('*');
    if (!rows[0]) throw new CampaignNotFoundError(id);
    this.#runners.get(id)?.updateConfig(config);
    return toCampaign(rows[0]);
  }

  async #saveState(id: string, state: CampaignState): Promise<Campaign> {
    const rows = await this.#o.db('dialer_campaigns').where({ id }).update({ state, updated_at: new Date(this.#o.clock.now()) }).returning<CampaignRow[]>('*');
    return toCampaign(rows[0] as CampaignRow);
  }
}
