/**
 * Where recording files live. The switch writes to `locationFor(key)`; the archive reads,
 * hashes, streams and deletes by key. `LocalDiskStorage` is the implementation for one
 * directory (a mounted volume or NFS share); an object store implements the same interface.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

export interface RecordingStorage {
  /** What to hand to the media engine's `record({ path })`. */
  locationFor(key: string): string;
  /** Makes the location writable (directories) and returns it. */
  prepare(key: string): Promise<string>;
  /** Size in bytes, or null when the object does not exist. */
  size(key: string): Promise<number | null>;
  sha256(key: string): Promise<string>;
  /** Bytes [start, end] inclusive (the whole object when omitted). */
  read(key: string, range?: { start: number; end: number }): Readable;
  write(key: string, data: Readable | Buffer): Promise<void>;
  /** Idempotent: deleting a missing object resolves. */
  delete(key: string): Promise<void>;
}

export class InvalidStorageKeyError extends Error {
  override readonly name = 'InvalidStorageKeyError';
}

export class LocalDiskStorage implements RecordingStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  #path(key: string): string {
    if (!key || isAbsolute(key) || key.includes('\0')) throw new InvalidStorageKeyError(`invalid recording key ${JSON.stringify(key)}`);
    const full = normalize(join(this.root, key));
    if (!full.startsWith(this.root + sep)) throw new InvalidStorageKeyError(`recording key ${JSON.stringify(key)} leaves the storage directory`);
    return full;
  }

  locationFor(key: string): string {
    return this.#path(key);
  }

  async prepare(key: string): Promise<string> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    return path;
  }

  async size(key: string): Promise<number | null> {
    try {
      const s = await stat(this.#path(key));
      return s.isFile() ? s.size : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async sha256(key: string): Promise<string> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(this.#path(key)), hash);
    return hash.digest('hex');
  }

  read(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.#path(key), range ? { start: range.start, end: range.end } : {});
  }

  async write(key: string, data: Readable | Buffer): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    await pipeline(Buffer.isBuffer(data) ? Readable.from([data]) : data, createWriteStream(path));
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}
