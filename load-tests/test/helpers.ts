/** Shared helpers for the load-test suites: temp dirs and small profiles. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseProfile, type Profile } from '../runner/profile.js';

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `sb-load-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A selftest profile with the given overrides (validated like a YAML file). */
export function selftestProfile(overrides: Record<string, unknown>): Profile {
  return parseProfile('test', {
    name: 'test',
    target: { kind: 'selftest' },
    network: { localHost: '127.0.0.10', peerHost: '127.0.0.11', basePort: 40000 },
    rate: { start: 2, max: 2 },
    durationSeconds: 3,
    callLengthMs: 500,
    mix: [{ scenario: 'caller-ivr', weight: 1 }],
    criteria: { maxFailedPercent: 0, minCalls: 1 },
    ...overrides,
  });
}

/** Sum of -trace_counts columns whose name matches, e.g. /_486_Recv$/. */
export function countMessages(counts: Record<string, number>, pattern: RegExp): number {
  return Object.entries(counts).reduce((s, [k, v]) => (pattern.test(k) ? s + v : s), 0);
}
