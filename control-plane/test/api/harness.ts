/** A control plane's HTTP side on a real port over a real PostgreSQL schema, for API tests. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/api/app.js';
import { createSwitchboardApi, type SwitchboardApi } from '../../src/api/switchboardApi.js';
import { loadApiConfig } from '../../src/api/config.js';
import { WallboardAggregator } from '../../src/api/realtime/WallboardAggregator.js';
import { SystemClock, type Clock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import type { Role } from '../../src/api/roles.js';
import type { Express } from 'express';
import { ROLES } from '../../src/api/roles.js';

export const ADMIN_BOOTSTRAP = 'bootstrap-admin-key-for-tests-0123456789abcdef';

export interface Harness {
  tdb: TestDb;
  api: SwitchboardApi;
  app: Express;
  server: Server;
  base: string;
  dir: string;
  realtime: WallboardAggregator;
  keys: Record<Role, string>;
  agentId: string;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, options: { realtimeClock?: Clock } = {}): Promise<Harness> {
  const tdb = await createTestDb('api');
  const dir = mkdtempSync(join(tmpdir(), 'sb-rec-'));
  const clock = new SystemClock();
  const realtime = new WallboardAggregator({ clock: options.realtimeClock ?? clock });
  const api = createSwitchboardApi({
    db: tdb.db, clock, logger: silentLogger(), realtime, realtimeSnapshotMs: 200,
    config: loadApiConfig({ SWITCHBOARD_ADMIN_KEY: ADMIN_BOOTSTRAP, RECORDINGS_DIR: dir, PUBLIC_BASE_URL: 'https://sb.example.com', ...env }),
  });
  const app = createApp({
    logger: silentLogger(),
    status: { statusSnapshot: () => ({ at: 0, queues: [], waiting: [], agents: [] }) },
    readiness: [],
    routers: api.routers,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  api.attach(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agentId = 'agent-7';
  await tdb.db('agents').insert({ id: agentId, name: 'Agent Seven' });
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) {
    keys[role] = (await api.keys.create({ name: `${role} key`, role, agentId: role === 'agent' ? agentId : null })).key;
  }
  return {
    tdb, api, app, server, base, dir, realtime, keys, agentId,
    async close() {
      await api.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await tdb.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function call(h: Harness, method: string, path: string, key: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(h.base + path, {
    method,
    headers: { ...(key ? { 'X-API-Key': key } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json: json as Record<string, unknown> & { items?: Array<Record<string, unknown>> }, text, headers: res.headers };
}
