/**
 * Active/standby election on a PostgreSQL advisory lock.
 *
 * The lock is held on a dedicated connection (never a pooled one: a session lock lives and
 * dies with its session). When the active process dies, PostgreSQL ends its session and
 * frees the lock; a standby polling `pg_try_advisory_lock` gets it within one poll. The
 * lock session asks the server for short TCP keepalives so a vanished host (no FIN) frees
 * the lock in seconds, not hours.
 *
 * On taking over, the new active fences the previous holder: it terminates every session
 * the old instance still has (they carry `application_name = switchboard:<instance>`), so
 * no late commit from it lands after the new active has read the event log.
 *
 * When the active loses its lock connection (database restart, network blip) it stays
 * active and keeps routing from memory, and re-takes the lock as soon as the database is
 * back. A standby that lost its own connection waits `reacquireGraceMs` before competing,
 * so a database restart does not move the active role. If another instance got the lock
 * meanwhile, this one emits `lost-leadership` and becomes a standby.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TypedEmitter } from '../events.js';
import type { Logger } from '../logger.js';
import type { HaRole, HaStatus, LeaderElectorEvents, LeaderElectorOptions, LostLeadershipReason } from './LeaderElectorTypes.js';

export type * from './LeaderElectorTypes.js';

/** The application_name every connection of an instance should carry (see withApplicationName). */
export function applicationName(instanceId: string): string {
  return `switchboard:${instanceId}`.slice(0, 63);
}

/** Adds application_name to a postgres:// URL so an instance's pooled sessions can be fenced too. */
export function withApplicationName(url: string, instanceId: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', applicationName(instanceId));
  return u.toString();
}

/** A stable signed 64-bit advisory lock key for a lock name. */
export function lockKey(lockName: string): string {
  const digest = createHash('sha256').update(`switchboard-ha:${lockName}`).digest();
  return BigInt.asIntN(64, digest.readBigUInt64BE(0)).toString();
}

class StoppedSignal extends Error {}

export class LeaderElector extends TypedEmitter<LeaderElectorEvents> {
  readonly #opts: Required<Omit<LeaderElectorOptions, 'schema' | 'maxUnconfirmedMs'>> & Pick<LeaderElectorOptions, 'schema'> & { maxUnconfirmedMs: number | null };
  readonly #log: Logger;
  readonly #key: string;
  #role: HaRole = 'starting';
  #since: number;
  #lockHeld = false;
  #epoch: number | null = null;
  #takeovers = 0;
  #loop: Promise<void> | null = null;
  #stop = new AbortController();
  #standbySince: number;

  constructor(options: LeaderElectorOptions) {
    super();
    this.#opts = {
      pollMs: 250,
      reacquireGraceMs: 1500,
      keepaliveS: 2,
      fenceWaitMs: 2000,
      ...options,
      maxUnconfirmedMs: options.maxUnconfirmedMs ?? null,
    };
    this.#log = options.logger.child({ component: 'ha', instanceId: options.instanceId, lock: options.lockName });
    this.#key = lockKey(options.lockName);
    this.#since = options.clock.now();
    this.#standbySince = this.#since;
  }

  get role(): HaRole {
    return this.#role;
  }

  get isActive(): boolean {
    return this.#role === 'active';
  }

  get takeovers(): number {
    return this.#takeovers;
  }

  status(): HaStatus {
    return {
      role: this.#role,
      instanceId: this.#opts.instanceId,
      lockName: this.#opts.lockName,
      lockHeld: this.#lockHeld,
      epoch: this.#epoch,
      takeovers: this.#takeovers,
      since: this.#since,
    };
  }

  /** For /readyz: only the active takes traffic; a standby is alive but not ready. */
  readiness(): { ready: boolean; role: HaRole; instanceId: string; lockHeld: boolean } {
    return { ready: this.#role === 'active', role: this.#role, instanceId: this.#opts.instanceId, lockHeld: this.#lockHeld };
  }

  /** Starts competing for the lock; returns at once (listen to `became-active`). */
  start(): void {
    if (this.#loop) return;
    this.#loop = this.#run();
  }

  /** Resolves when this instance is active (now or later). */
  whenActive(): Promise<void> {
    if (this.#role === 'active') return Promise.resolve();
    return new Promise((resolve) => this.once('became-active', () => resolve()));
  }

  /** Steps down (releasing the lock at once so a standby takes over) and stops. Idempotent. */
  async stop(): Promise<void> {
    if (this.#role === 'stopped') return;
    this.#stop.abort(new StoppedSignal('stopped'));
    await this.#loop?.catch(() => undefined);
    const wasActive = this.#role === 'active';
    this.#setRole('stopped');
    if (wasActive) this.emit('lost-leadership', { instanceId: this.#opts.instanceId, reason: 'stopped' });
  }

  #setRole(role: HaRole): void {
    if (this.#role === role) return;
    this.#role = role;
    this.#since = this.#opts.clock.now();
    if (role === 'standby') this.#standbySince = this.#since;
    this.#log.info({ role }, `role: ${role}`);
    this.emit('role', role);
  }

  #sleep(ms: number): Promise<void> {
    return this.#opts.clock.sleep(ms, this.#stop.signal);
  }

  get #stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#opts.connectionString,
      application_name: applicationName(this.#opts.instanceId),
      keepAlive: true,
      connectionTimeoutMillis: Math.max(1000, this.#opts.pollMs * 4),
      query_timeout: Math.max(1000, this.#opts.pollMs * 4),
    });
    // A dead connection surfaces as a failed query on the next poll; never crash on it.
    client.on('error', (err) => this.#log.warn({ err: err.message }, 'lock connection error'));
    await client.connect();
    const k = this.#opts.keepaliveS;
    await client.query(`set tcp_keepalives_idle = ${k}; set tcp_keepalives_interval = 1; set tcp_keepalives_count = 3`);
    if (this.#opts.schema) await client.query(`set search_path to ${pg.escapeIdentifier(this.#opts.schema)}, public`);
    return client;
  }

  async #tryLock(client: pg.Client): Promise<boolean> {
    const res = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [this.#key]);
    return res.rows[0]?.ok === true;
  }

  async #run(): Promise<void> {
    let connectionLostAt: number | null = null;
    while (!this.#stopping) {
      let client: pg.Client | null = null;
      try {
        client = await this.#connect();
        if (this.#role === 'active') {
          if (await this.#tryLock(client)) {
            await this.#recordHolder(client);
            this.#lockHeld = true;
            this.#log.info('lock re-taken after the connection came back');
          } else {
            this.#demote('taken-over');
          }
        }
        if (this.#role !== 'active') {
          this.#setRole('standby');
          if (connectionLostAt !== null && this.#opts.reacquireGraceMs > 0) await this.#sleep(this.#opts.reacquireGraceMs);
          while (!(await this.#tryLock(client))) await this.#sleep(this.#opts.pollMs);
          await this.#promote(client);
        }
        connectionLostAt = null;
        // Active: watch the lock session; a failed check means the lock may be gone.
        for (;;) {
          await this.#sleep(this.#opts.pollMs);
          await client.query('select 1');
        }
      } catch (err) {
        if (this.#stopping) break;
        connectionLostAt ??= this.#opts.clock.now();
        if (this.#lockHeld) this.#log.warn({ err: (err as Error).message }, 'lock connection lost; still active, routing from memory');
        else this.#log.warn({ err: (err as Error).message }, 'lock connection failed');
        this.#lockHeld = false;
      } finally {
        if (client) await this.#release(client);
      }
      const max = this.#opts.maxUnconfirmedMs;
      if (this.#role === 'active' && max !== null && connectionLostAt !== null && this.#opts.clock.now() - connectionLostAt >= max) {
        this.#demote('lock-unconfirmed');
      }
      await this.#sleep(this.#opts.pollMs).catch(() => undefined);
    }
  }

  /** Closes a lock session; on a graceful stop the lock is released first. */
  async #release(client: pg.Client): Promise<void> {
    if (this.#stopping && this.#lockHeld) {
      await client.query('select pg_advisory_unlock($1::bigint)', [this.#key]).catch(() => undefined);
      this.#lockHeld = false;
    }
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  }

  #demote(reason: LostLeadershipReason): void {
    if (this.#role !== 'active') return;
    this.#lockHeld = false;
    this.#log.warn({ reason }, 'lost the active role');
    this.#setRole('standby');
    this.emit('lost-leadership', { instanceId: this.#opts.instanceId, reason });
  }

  async #promote(client: pg.Client): Promise<void> {
    this.#lockHeld = true;
    const previous = await this.#recordHolder(client);
    this.#takeovers += 1;
    const waitedMs = this.#opts.clock.now() - this.#standbySince;
    this.#setRole('active');
    this.#log.info({ epoch: this.#epoch, previous, waitedMs }, 'became active');
    this.emit('became-active', {
      instanceId: this.#opts.instanceId,
      epoch: this.#epoch ?? 0,
      previousInstanceId: previous,
      waitedMs,
      takeovers: this.#takeovers,
    });
  }

  /** Records this instance as holder (fencing the previous one); returns the previous holder. */
  async #recordHolder(client: pg.Client): Promise<string | null> {
    const before = await client.query<{ instance_id: string }>('select instance_id from ha_leadership where lock_name = $1', [this.#opts.lockName]);
    const previous = before.rows[0]?.instance_id ?? null;
    if (previous !== null && previous !== this.#opts.instanceId) await this.#fence(client, previous);
    const res = await client.query<{ epoch: string }>(
      `insert into ha_leadership (lock_name, instance_id, epoch, acquired_at) values ($1, $2, 1, now())
       on conflict (lock_name) do update set
         epoch = case when ha_leadership.instance_id = excluded.instance_id then ha_leadership.epoch else ha_leadership.epoch + 1 end,
         instance_id = excluded.instance_id, acquired_at = now()
       returning epoch`,
      [this.#opts.lockName, this.#opts.instanceId],
    );
    this.#epoch = Number(res.rows[0]?.epoch ?? 0);
    return previous;
  }

  /** Ends every session the previous holder still has, and waits (bounded) for them to go. */
  async #fence(client: pg.Client, previous: string): Promise<void> {
    const name = applicationName(previous);
    // Materialised first: the filter must run before pg_terminate_backend sees any row.
    const killed = await client.query<{ pid: number }>(
      `with victims as materialized (
         select pid from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()
       )
       select pid, pg_terminate_backend(pid) from victims`,
      [name],
    );
    if (killed.rowCount) this.#log.warn({ previous, sessions: killed.rowCount }, 'fenced the previous active: ended its sessions');
    const deadline = this.#opts.clock.now() + this.#opts.fenceWaitMs;
    while (this.#opts.clock.now() < deadline) {
      const left = await client.query('select 1 from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()', [name]);
      if (!left.rowCount) return;
      await this.#sleep(20);
    }
    this.#log.warn({ previous }, 'previous active still has sessions after fencing');
  }
}
