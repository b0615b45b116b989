/**
 * Deletes recordings past their retention date: the file first, then the row (so a crash in
 * between leaves a row pointing at nothing rather than an unlisted file), with a
 * `recording_deletions` row and a log line for each. Never touches a recording under legal
 * hold or one still being recorded.
 */
import type { Knex } from 'knex';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { RecordingStorage } from './storage.js';

export interface RetentionResult {
  deleted: Array<{ id: string; interactionId: string; storageKey: string }>;
  failed: Array<{ id: string; error: string }>;
}

export class RetentionJob {
  readonly #db: Knex;
  readonly #storage: RecordingStorage;
  readonly #clock: Clock;
  readonly #log: Logger;
  #timer: TimerHandle | null = null;

  constructor(options: { db: Knex; storage: RecordingStorage; clock: Clock; logger: Logger }) {
    this.#db = options.db;
    this.#storage = options.storage;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'recording-retention' });
  }

  async run(batch = 500): Promise<RetentionResult> {
    const now = new Date(this.#clock.now());
    const result: RetentionResult = { deleted: [], failed: [] };
    const rows = (await this.#db('recordings')
      .where('expires_at', '<=', now).andWhere({ legal_hold: false }).whereNot({ status: 'recording' })
      .orderBy('expires_at').limit(batch)) as Array<{ id: string; interaction_id: string; storage_key: string; expires_at: Date }>;
    for (const r of rows) {
      try {
        const deleted = await this.#db.transaction(async (trx) => {
          // Lock the row: a legal hold placed since the query wins, and stops the delete.
          const locked = await trx('recordings').where({ id: r.id, legal_hold: false }).forUpdate().first('id');
          if (!locked) return false;
          await this.#storage.delete(r.storage_key);
          await trx('recordings').where({ id: r.id }).delete();
          await trx('recording_deletions').insert({
            recording_id: r.id, interaction_id: r.interaction_id, storage_key: r.storage_key, expired_at: r.expires_at, deleted_at: now, reason: 'retention',
          });
          return true;
        });
        if (!deleted) continue;
        result.deleted.push({ id: r.id, interactionId: r.interaction_id, storageKey: r.storage_key });
        this.#log.info({ recordingId: r.id, interactionId: r.interaction_id, key: r.storage_key, expiredAt: r.expires_at.toISOString() }, 'recording deleted by retention');
      } catch (err) {
        result.failed.push({ id: r.id, error: (err as Error).message });
        this.#log.error({ recordingId: r.id, err: (err as Error).message }, 'retention could not delete recording');
      }
    }
    this.#log.info({ deleted: result.deleted.length, failed: result.failed.length }, 'retention run finished');
    return result;
  }

  /** Runs now and then every `everyMs` (default daily). */
  start(everyMs = 86_400_000): void {
    const loop = (): void => {
      this.run().catch((err: Error) => this.#log.error({ err: err.message }, 'retention run failed'))
        .finally(() => {
          if (this.#timer) this.#timer = this.#clock.setTimer(everyMs, loop);
        });
    };
    this.#timer = this.#clock.setTimer(0, loop);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }
}
