/**
 * The deployment files, checked without a Docker engine: `docker-compose config` (Debian's
 * docker-compose) must accept docker/compose.yml and resolve it to the stack we document;
 * the Dockerfile is checked for its promises (multi-stage, non-root, healthcheck, sources
 * that exist); Kamailio's own checker must accept the shipped edge configuration.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hasCommand, KAMAILIO_CFG, REPO_ROOT } from './harness.js';

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: Array<{ published: number | string; target: number; protocol?: string }>;
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  command?: string[];
  entrypoint?: string[];
  depends_on?: Record<string, { condition: string }>;
}

/** A copy of docker/ with its siblings, as an operator would have after copying the env examples. */
function stage(withEnvFiles = true): string {
  const root = mkdtempSync(join(tmpdir(), 'switchboard-compose-'));
  cpSync(join(REPO_ROOT, 'docker'), join(root, 'docker'), { recursive: true });
  for (const dir of ['freeswitch-conf', 'dialplan', 'ivr-flows']) mkdirSync(join(root, dir), { recursive: true });
  const envDir = join(root, 'docker/env');
  for (const f of readdirSync(envDir)) {
    if (f.endsWith('.env')) rmSync(join(envDir, f)); // never a developer's real secrets
  }
  if (withEnvFiles) {
    for (const f of readdirSync(envDir).filter((n) => n.endsWith('.env.example'))) copyFileSync(join(envDir, f), join(envDir, f.replace(/\.example$/, '')));
  }
  return root;
}

function composeConfig(root: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker-compose', ['-f', join(root, 'docker/compose.yml'), 'config'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('deployment files (docker/)', function () {
  this.timeout(30_000);
  const staged: string[] = [];

  after(function () {
    for (const dir of staged) rmSync(dir, { recursive: true, force: true });
  });

  describe('compose.yml', function () {
    let services: Record<string, ComposeService>;
    let volumes: Record<string, unknown>;

    before(function () {
      if (!hasCommand('docker-compose')) throw new Error('docker-compose is not installed: run scripts/test-env.sh (Debian package docker-compose)');
      const root = stage();
      staged.push(root);
      const r = composeConfig(root);
      assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
      const doc = parse(r.stdout) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
      services = doc.services;
      volumes = doc.volumes;
    });

    it('defines the stack: PostgreSQL, control plane (+ standby), FreeSWITCH node(s) and Kamailio', function () {
      assert.deepEqual(Object.keys(services).sort(), ['control-plane', 'control-plane-standby', 'freeswitch-1', 'freeswitch-2', 'freeswitch-config', 'freeswitch-stock-config', 'kamailio', 'postgres']);
      assert.deepEqual(services['control-plane-standby']!.profiles, ['ha']);
      assert.deepEqual(services['freeswitch-2']!.profiles, ['ha']);
      assert.equal(services['control-plane']!.profiles, undefined, 'the single box needs no profile');
    });

    it('runs FreeSWITCH from a published image, on its stock configuration with our overlay installed by install.sh', function () {
      for (const name of ['freeswitch-1', 'freeswitch-2']) {
        const fs = services[name]!;
        assert.equal(fs.build, undefined, `${name} must not be built here`);
        assert.match(fs.image ?? '', /^[a-z0-9./-]+\/freeswitch:[\w.-]+$/);
        assert.ok(fs.volumes?.includes('fsconf:/etc/freeswitch:ro'), `${name} runs on the prepared configuration: ${fs.volumes}`);
        assert.deepEqual(fs.depends_on?.['freeswitch-config'], { condition: 'service_completed_successfully' });
        assert.ok(fs.healthcheck?.test.join(' ').includes('fs_cli'));
      }
      // The stock configuration comes from the same image, copied once.
      const stock = services['freeswitch-stock-config']!;
      assert.equal(stock.image, services['freeswitch-1']!.image);
      assert.ok(stock.volumes?.includes('fsconf:/target:rw'));
      // The overlay: the repository's freeswitch-conf/ and dialplan/ (read-only) through install.sh.
      const init = services['freeswitch-config']!;
      assert.deepEqual(init.entrypoint, ['bash', '/switchboard/freeswitch-conf/install.sh', '/target']);
      assert.deepEqual(init.depends_on?.['freeswitch-stock-config'], { condition: 'service_completed_successfully' });
      assert.ok(init.volumes?.some((v) => /\/freeswitch-conf:\/switchboard\/freeswitch-conf:ro$/.test(v)), `${init.volumes}`);
      assert.ok(init.volumes?.some((v) => /\/dialplan:\/switchboard\/dialplan:ro$/.test(v)));
      // The dialplan's socket addresses are the control planes' advertised ones: active, then standby.
      const env = init.environment ?? {};
      assert.equal(env.SWITCHBOARD_CP_SOCKET, `${services['control-plane']!.environment?.FREESWITCH_OUTBOUND_ADVERTISE_HOST}:8084`);
      assert.equal(env.SWITCHBOARD_CP_SOCKET_STANDBY, `${services['control-plane-standby']!.environment?.FREESWITCH_OUTBOUND_ADVERTISE_HOST}:8084`);
      for (const cp of ['control-plane', 'control-plane-standby']) assert.equal(services[cp]!.environment?.FREESWITCH_OUTBOUND_HOST, '0.0.0.0');
      assert.match(env.SWITCHBOARD_DIRECTORY_URL ?? '', /^http:\/\/control-plane:8080\/freeswitch\/directory$/);
      // ESL leaves loopback only for the internal network, which is never published.
      assert.equal(env.SWITCHBOARD_ESL_LISTEN_IP, '0.0.0.0');
      assert.equal(env.SWITCHBOARD_ESL_ALLOW_CIDR, '172.28.90.0/24');
    });

    it('publishes only the documented ports', function () {
      const published = Object.fromEntries(
        Object.entries(services).map(([name, s]) => {
          const ports = (s.ports ?? []).map((p) => `${p.published}/${p.protocol ?? 'tcp'}`);
          return [name, ports.length > 2 ? `${ports[0]}..${ports[ports.length - 1]} (${ports.length})` : ports.join(',')];
        }),
      );
      assert.deepEqual(published, {
        postgres: '',
        'control-plane': '8080/tcp',
        'control-plane-standby': '8081/tcp',
        'freeswitch-1': '16384/udp..16583/udp (200)',
        'freeswitch-2': '16584/udp..16783/udp (200)',
        kamailio: '5060/udp',
        'freeswitch-config': '',
        'freeswitch-stock-config': '',
      });
    });

    it('keeps the database and recordings in named volumes', function () {
      assert.deepEqual(Object.keys(volumes).sort(), ['fsconf', 'pgdata', 'recordings']);
      assert.ok(services.postgres!.volumes?.includes('pgdata:/var/lib/postgresql/data:rw'));
      for (const name of ['control-plane', 'control-plane-standby', 'freeswitch-1', 'freeswitch-2']) {
        assert.ok(services[name]!.volumes?.includes('recordings:/var/lib/switchboard/recordings:rw'), `${name} shares the recordings volume`);
      }
      assert.ok(services.postgres!.healthcheck?.test.join(' ').includes('pg_isready'));
    });

    it('takes secrets from env files only, and gives each control plane its own instance id', function () {
      const raw = readFileSync(join(REPO_ROOT, 'docker/compose.yml'), 'utf8');
      assert.doesNotMatch(raw, /(PASSWORD|SECRET|TOKEN)\s*[:=]\s*\S/i, 'no secret written in compose.yml');
      assert.doesNotMatch(raw, /postgres:\/\/[^$\s]*:[^$\s@]+@/, 'no credential in a URL in compose.yml');
      assert.match(services['control-plane']!.environment?.DATABASE_URL ?? '', /^postgres:\/\/switchboard:.+@postgres:5432\/switchboard$/);
      assert.equal(services['control-plane']!.environment?.HA_INSTANCE_ID, 'control-plane-1');
      assert.equal(services['control-plane-standby']!.environment?.HA_INSTANCE_ID, 'control-plane-2');
      assert.equal(services['control-plane']!.environment?.HA_ENABLED, 'true');
    });

    it('passes Kamailio only settings its configuration declares, with probing switched on', function () {
      const cfg = readFileSync(KAMAILIO_CFG, 'utf8');
      const declared = new Set([...cfg.matchAll(/^#!ifn?def (\w+)$/gm)].map((m) => m[1]!));
      const command = services.kamailio!.command ?? [];
      const defines = command.filter((_, i) => command[i - 1] === '-A').map((d) => d.split('=')[0]!);
      assert.ok(defines.length >= 5);
      for (const d of defines) assert.ok(declared.has(d), `compose passes -A ${d}, which kamailio.cfg does not declare`);
      const interval = command.find((d) => d.startsWith('DS_PING_INTERVAL='));
      assert.ok(interval && Number(interval.split('=')[1]) > 0, 'OPTIONS probing must be on (interval > 0)');
    });

    it('tells an operator which env file is missing', function () {
      const root = stage(false);
      staged.push(root);
      const r = composeConfig(root);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /env\/(postgres|control-plane|freeswitch)\.env/);
    });
  });

  describe('Dockerfile', function () {
    const text = readFileSync(join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
    const lines = text.split('\n').filter((l) => !l.trim().startsWith('#'));
    const stages = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^FROM\s/i.test(l));

    it('is multi-stage and runs the final stage as a non-root user with a healthcheck', function () {
      assert.ok(stages.length >= 2, `${stages.length} stage(s)`);
      const final = lines.slice(stages[stages.length - 1]!.i);
      const users = final.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
      assert.ok(users.length > 0, 'the runtime stage sets USER');
      assert.ok(!['root', '0', '0:0'].includes(users[users.length - 1]!), `runs as ${users[users.length - 1]}`);
      assert.ok(final.some((l) => /^HEALTHCHECK\s/i.test(l)), 'the runtime stage has a HEALTHCHECK');
      assert.ok(final.some((l) => /^CMD\s/i.test(l)));
    });

    it('copies only sources that exist in the repository, and bakes in no secret', function () {
      const copies = lines.filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l));
      assert.ok(copies.length > 0);
      for (const c of copies) {
        const parts = c.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(REPO_ROOT, src)), `COPY source ${src} does not exist`);
      }
      assert.doesNotMatch(text, /^(ENV|ARG)\s.*(PASSWORD|SECRET|TOKEN)/im);
    });
  });

  describe('Kamailio configuration as shipped', function () {
    it('passes kamailio -c with the shipped trunk ACL file', function () {
      if (!hasCommand('kamailio')) throw new Error('kamailio is not installed: run scripts/test-env.sh');
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-kamcheck-'));
      staged.push(dir);
      writeFileSync(join(dir, 'dispatcher.list'), '1 sip:127.0.0.2:5080\n');
      const r = spawnSync(
        'kamailio',
        ['-c', '-f', KAMAILIO_CFG, '-A', 'LISTEN=udp:127.0.0.1:5060', '-A', `DISPATCHER_LIST="${join(dir, 'dispatcher.list')}"`, '-A', `ADDRESS_LIST="${join(REPO_ROOT, 'docker/kamailio/address.list')}"`],
        { encoding: 'utf8', timeout: 15_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout + r.stderr, /config file ok/);
    });
  });
});
