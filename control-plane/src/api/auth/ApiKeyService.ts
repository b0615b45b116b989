/**
 * API keys: `sb_<id>_<secret>`. Only an scrypt hash of the secret is stored; the full key
 * is returned once, by `create`. Verified keys are cached briefly (by a SHA-256 of the key)
 * so a request does not pay for scrypt; revoking through this service drops the cache.
 */
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../clock.js';
import type { Principal, Role } from '../roles.js';
import { NotFoundError } from '../errors.js';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
const KEY_PATTERN = /^sb_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions, keylen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  agentId: string | null;
  createdBy: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface Row {
  id: string;
  name: string;
  role: Role;
  agent_id: string | null;
  secret_hash: string;
  created_by: string | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const toRecord = (r: Row): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  agentId: r.agent_id,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
});

export interface ApiKeyServiceOptions {
  db: Knex;
  clock: Clock;
  /** SWITCHBOARD_ADMIN_KEY: an admin key that works without a database row (first start). */
  bootstrapKey?: string;
  cacheTtlMs?: number;
  cacheMax?: number;
}

export class ApiKeyService {
  readonly #db: Knex;
  readonly #clock: Clock;
  readonly #bootstrapDigest: Buffer | null;
  readonly #ttl: number;
  readonly #max: number;
  readonly #cache = new Map<string, { principal: Principal; until: number }>();

  constructor(options: ApiKeyServiceOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#bootstrapDigest = options.bootstrapKey ? sha256(options.bootstrapKey) : null;
    this.#ttl = options.cacheTtlMs ?? 30_000;
    this.#max = options.cacheMax ?? 10_000;
  }

  /** Creates a key; the returned `key` is the only time the secret is visible. */
  async create(input: { name: string; role: Role; agentId?: string | null; createdBy?: string | null }): Promise<{ key: string; record: ApiKeyRecord }> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16);
    const hash = await scrypt(secret, salt, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, SCRYPT.keylen);
    const secretHash = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
    const [row] = (await this.#db('api_keys')
      .insert({
        id,
        name: input.name,
        role: input.role,
        agent_id: input.agentId ?? null,
        secret_hash: secretHash,
        created_by: input.createdBy ?? null,
        created_at: new Date(this.#clock.now()),
      })
      .returning('*')) as Row[];
    return { key: `sb_${id.replace(/-/g, '')}_${secret}`, record: toRecord(row as Row) };
  }

  async list(options: { includeRevoked?: boolean; limit: number; offset: number }): Promise<{ items: ApiKeyRecord[]; total: number }> {
    const base = this.#db('api_keys');
    if (!options.includeRevoked) base.whereNull('revoked_at');
    const [{ count }] = (await base.clone().count<{ count: string }[]>('* as count')) as [{ count: string }];
    const rows = (await base.clone().orderBy('created_at', 'asc').orderBy('id').limit(options.limit).offset(options.offset)) as Row[];
    return { items: rows.map(toRecord), total: Number(count) };
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const rows = (await this.#db('api_keys')
      .where({ id })
      .update({ revoked_at: this.#db.raw('coalesce(revoked_at, ?)', [new Date(this.#clock.now())]) })
      .returning('*')) as Row[];
    if (!rows[0]) throw new NotFoundError('API key', id);
    for (const [digest, entry] of this.#cache) if (entry.principal.keyId === id) this.#cache.delete(digest);
    return toRecord(rows[0]);
  }

  /** The principal for a presented key, or null when it is unknown, malformed or revoked. */
  async verify(presented: string): Promise<Principal | null> {
    const digest = sha256(presented);
    if (this.#bootstrapDigest && timingSafeEqual(digest, this.#bootstrapDigest)) {
      return { keyId: 'bootstrap', keyName: 'bootstrap (SWITCHBOARD_ADMIN_KEY)', role: 'admin', agentId: null };
    }
    const cacheKey = digest.toString('hex');
    const now = this.#clock.now();
    const hit = this.#cache.get(cacheKey);
    if (hit && hit.until > now) return hit.principal;
    this.#cache.delete(cacheKey);

    const m = KEY_PATTERN.exec(presented);
    if (!m) return null;
    const hex = m[1] as string;
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const row = (await this.#db('api_keys').where({ id }).first()) as Row | undefined;
    if (!row || row.revoked_at) return null;
    if (!(await verifyHash(m[2] as string, row.secret_hash))) return null;
    const principal: Principal = { keyId: row.id, keyName: row.name, role: row.role, agentId: row.agent_id };
    if (this.#cache.size >= this.#max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(cacheKey, { principal, until: now + this.#ttl });
    await this.#db('api_keys').where({ id }).update({ last_used_at: new Date(now) });
    return principal;
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

async function verifyHash(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scrypt(secret, Buffer.from(saltB64, 'base64'), { N: Number(n), r: Number(r), p: Number(p) }, expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
