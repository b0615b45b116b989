/**
 * The recording archive: decides per policy whether to record an interaction, starts the
 * recording on the call leg under a templated name, lets the API pause and resume it for
 * card payments, and on stop stores size, SHA-256, duration and the silenced spans.
 *
 * The ACD calls `startForInteraction` when an agent answers; everything else is the API.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { CallLeg, Recording, RecordingStoppedEvent } from '../engine/port.js';
import type { RecordingStorage } from './storage.js';
import { DEFAULT_POLICY, renderName, shouldRecord, type RecordingPolicy } from './policy.js';

export type PolicyScope = 'queue' | 'campaign';

export class RecordingNotFoundError extends Error {
  override readonly name = 'RecordingNotFoundError';
  constructor(readonly recordingId: string) {
    super(`recording ${recordingId} not found`);
  }
}
export class RecordingNotActiveError extends Error {
  override readonly name = 'RecordingNotActiveError';
}

export interface RecordingMeta {
  id: string;
  interactionId: string;
  agentId: string | null;
  queueId: string | null;
  campaignId: string | null;
  callerNumber: string | null;
  disposition: string | null;
  storageKey: string;
  format: string;
  stereo: boolean;
  status: 'recording' | 'complete' | 'failed';
  startedAt: string;
  durationMs: number | null;
  sizeBytes: number | null;
  sha256: string | null;
  pausedSpans: Array<{ fromMs: number; toMs: number }>;
  legalHold: boolean;
  expiresAt: string | null;
}

type Row = Record<string, unknown>;
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
export const toMeta = (r: Row): RecordingMeta => ({
  id: r.id as string,
  interactionId: r.interaction_id as string,
  agentId: (r.agent_id as string | null) ?? null,
  queueId: (r.queue_id as string | null) ?? null,
  campaignId: (r.campaign_id as string | null) ?? null,
  callerNumber: (r.caller_number as string | null) ?? null,
  disposition: (r.disposition as string | null) ?? null,
  storageKey: r.storage_key as string,
  format: r.format as string,
  stereo: r.stereo as boolean,
  status: r.status as RecordingMeta['status'],
  startedAt: iso(r.started_at) as string,
  durationMs: (r.duration_ms as number | null) ?? null,
  sizeBytes: r.size_bytes === null || r.size_bytes === undefined ? null : Number(r.size_bytes),
  sha256: (r.sha256 as string | null) ?? null,
  pausedSpans: (r.paused_spans as RecordingMeta['pausedSpans']) ?? [],
  legalHold: r.legal_hold as boolean,
  expiresAt: iso(r.expires_at),
});

export interface RecordingSearch {
  from?: number; to?: number; agentId?: string; queueId?: string; campaignId?: string; callerNumber?: string; disposition?: string;
  limit: number; offset: number;
}

export class RecordingService {
  readonly #db: Knex;
  readonly #storage: RecordingStorage;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #active = new Map<string, { recording: Recording; pausedAt: number | null }>();

  constructor(options: { db: Knex; storage: RecordingStorage; clock: Clock; logger: Logger }) {
    this.#db = options.db;
    this.#storage = options.storage;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'recording' });
  }

  get storage(): RecordingStorage {
    return this.#storage;
  }

  async policyFor(scope: PolicyScope, scopeId: string): Promise<RecordingPolicy & { configured: boolean }> {
    const row = (await this.#db('recording_policies').where({ scope, scope_id: scopeId }).first()) as Row | undefined;
    if (!row) return { ...DEFAULT_POLICY, configured: false };
    return {
      mode: row.mode as RecordingPolicy['mode'], percentage: row.percentage as number, stereo: row.stereo as boolean,
      format: row.format as RecordingPolicy['format'], namingTemplate: row.naming_template as string,
      retentionDays: (row.retention_days as number | null) ?? null, configured: true,
    };
  }

  async setPolicy(scope: PolicyScope, scopeId: string, p: RecordingPolicy): Promise<void> {
    await this.#db('recording_policies').insert({
      scope, scope_id: scopeId, mode: p.mode, percentage: p.percentage, stereo: p.stereo, format: p.format,
      naming_template: p.namingTemplate, retention_days: p.retentionDays, updated_at: new Date(this.#clock.now()),
    }).onConflict(['scope', 'scope_id']).merge();
  }

  /**
   * Records the interaction if its queue's (or campaign's) policy says so. Resolves with the
   * recording's id, or null when the policy skips it. Stop is automatic when the leg ends.
   */
  async startForInteraction(input: {
    leg: CallLeg; interactionId: string; queueId?: string | null; campaignId?: string | null; agentId?: string | null; callerNumber?: string | null;
  }): Promise<string | null> {
    const policy = input.campaignId ? await this.policyFor('campaign', input.campaignId) : input.queueId ? await this.policyFor('queue', input.queueId) : DEFAULT_POLICY;
    if (!shouldRecord(policy, input.interactionId)) return null;
    const id = randomUUID();
    const startedAt = this.#clock.now();
    const key = renderName(policy.namingTemplate, {
      interactionId: input.interactionId, recordingId: id, queue: input.queueId, campaign: input.campaignId, agent: input.agentId,
      caller: input.callerNumber, startedAt, format: policy.format,
    });
    await this.#db('recordings').insert({
      id, interaction_id: input.interactionId, agent_id: input.agentId ?? null, queue_id: input.queueId ?? null,
      campaign_id: input.campaignId ?? null, caller_number: input.callerNumber ?? null, storage_key: key, format: policy.format,
      stereo: policy.stereo, status: 'recording', started_at: new Date(startedAt),
      expires_at: policy.retentionDays ? new Date(startedAt + policy.retentionDays * 86_400_000) : null,
    });
    let recording: Recording;
    try {
      recording = await input.leg.record({ path: await this.#storage.prepare(key), stereo: policy.stereo });
    } catch (err) {
      await this.#db('recordings').where({ id }).update({ status: 'failed' });
      this.#log.error({ callId: input.leg.id, interactionId: input.interactionId, err: (err as Error).message }, 'recording did not start');
      throw err;
    }
    this.#active.set(id, { recording, pausedAt: null });
    const onStopped = (e: RecordingStoppedEvent): void => {
      if (e.recordingId !== recording.id) return;
      input.leg.off('recording.stopped', onStopped);
      // A failure here must not take the process down: the row stays 'recording' and is logged.
      this.#finish(id, e).catch((err: Error) => this.#log.error({ recordingId: id, err: err.message }, 'could not store the recording\'s metadata'));
    };
    input.leg.on('recording.stopped', onStopped);
    return id;
  }

  /** Pause for a card payment; the silent span is kept in the metadata. */
  async pause(id: string): Promise<void> {
    const a = this.#requireActive(id);
    if (a.pausedAt !== null) return;
    await a.recording.pause();
    a.pausedAt = this.#clock.now();
  }

  async resume(id: string): Promise<void> {
    const a = this.#requireActive(id);
    if (a.pausedAt === null) return;
    await a.recording.resume();
    a.pausedAt = null;
  }

  isPaused(id: string): boolean {
    return this.#active.get(id)?.pausedAt != null;
  }

  /** Stops an active recording (normally the hang-up does it). */
  async stop(id: string): Promise<RecordingMeta> {
    const a = this.#requireActive(id);
    const stopped = await a.recording.stop();
    return this.#finish(id, stopped);
  }

  #requireActive(id: string) {
    const a = this.#active.get(id);
    if (!a) throw new RecordingNotActiveError(`recording ${id} is not in progress on this control plane`);
    return a;
  }

  async #finish(id: string, e: RecordingStoppedEvent): Promise<RecordingMeta> {
    if (!this.#active.delete(id)) return this.get(id);
    const row = (await this.#db('recordings').where({ id }).first()) as Row;
    const key = row.storage_key as string;
    const size = await this.#storage.size(key);
    const sha = size !== null ? await this.#storage.sha256(key) : null;
    const outcome = (await this.#db('interactions').where({ id: row.interaction_id }).first('outcome')) as { outcome: string | null } | undefined;
    await this.#db('recordings').where({ id }).update({
      status: size !== null ? 'complete' : 'failed', duration_ms: Math.round(e.durationMs), size_bytes: size, sha256: sha,
      paused_spans: JSON.stringify(e.pausedSpans), disposition: row.disposition ?? outcome?.outcome ?? null,
    });
    if (size === null) this.#log.error({ recordingId: id, key }, 'recording stopped but its file is missing');
    return this.get(id);
  }

  async get(id: string): Promise<RecordingMeta> {
    const row = (await this.#db('recordings').where({ id }).first()) as Row | undefined;
    if (!row) throw new RecordingNotFoundError(id);
    return toMeta(row);
  }

  async search(q: RecordingSearch): Promise<{ items: RecordingMeta[]; total: number }> {
    const base = this.#db('recordings as r').leftJoin('interactions as i', 'i.id', 'r.interaction_id');
    if (q.from !== undefined) base.where('r.started_at', '>=', new Date(q.from));
    if (q.to !== undefined) base.where('r.started_at', '<', new Date(q.to));
    if (q.agentId) base.where('r.agent_id', q.agentId);
    if (q.queueId) base.where('r.queue_id', q.queueId);
    if (q.campaignId) base.where('r.campaign_id', q.campaignId);
    if (q.callerNumber) base.where('r.caller_number', q.callerNumber);
    if (q.disposition) base.whereRaw('coalesce(r.disposition, i.outcome) = ?', [q.disposition]);
    const [{ count }] = (await base.clone().count<{ count: string }[]>('r.id as count')) as [{ count: string }];
    const rows = (await base.clone().select('r.*', this.#db.raw('coalesce(r.disposition, i.outcome) as disposition'))
      .orderBy('r.started_at', 'desc').orderBy('r.id').limit(q.limit).offset(q.offset)) as Row[];
    return { items: rows.map(toMeta), total: Number(count) };
  }

  async setLegalHold(id: string, hold: boolean): Promise<RecordingMeta> {
    const n = await this.#db('recordings').where({ id }).update({ legal_hold: hold });
    if (!n) throw new RecordingNotFoundError(id);
    return this.get(id);
  }

  async logAccess(entry: { recordingId: string; keyId: string | null; keyName: string | null; action: string; range?: string | null; ip?: string | null }): Promise<void> {
    await this.#db('recording_access').insert({
      recording_id: entry.recordingId, key_id: entry.keyId, key_name: entry.keyName, action: entry.action,
      range: entry.range ?? null, ip: entry.ip ?? null, at: new Date(this.#clock.now()),
    });
  }
}
