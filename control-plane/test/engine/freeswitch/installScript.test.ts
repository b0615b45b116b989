/**
 * freeswitch-conf/install.sh, run for real on a stock-looking configuration directory: what
 * bare-metal operators run and what the compose stack's freeswitch-config service runs.
 * It writes the addresses it is given into vars/switchboard.xml, keeps ESL on loopback unless
 * told otherwise (and then only for the named network), writes the secrets file with the
 * asked mode, refuses bad input without touching the configuration, and can run again.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../../freeswitch-conf/install.sh', import.meta.url));
const PASSWORD = 'esl-secret-0123456789';

function stockConf(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-fsconf-'));
  writeFileSync(join(dir, 'vars.xml'), '<include>\n  <X-PRE-PROCESS cmd="set" data="domain=$${local_ip_v4}"/>\n</include>\n');
  return dir;
}

function install(conf: string, env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync('bash', [SCRIPT, conf], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FREESWITCH_ESL_PASSWORD: PASSWORD, ...env },
  });
  return { status: r.status, stderr: r.stderr };
}

describe('freeswitch-conf/install.sh', function () {
  this.timeout(30_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('installs the overlay with the given control plane addresses, ESL on loopback, secrets 0640', function () {
    const conf = stockConf();
    dirs.push(conf);
    const r = install(conf, { SWITCHBOARD_CP_SOCKET: '10.0.0.5:8084', SWITCHBOARD_DIRECTORY_URL: 'http://10.0.0.5:8080/freeswitch/directory' });
    assert.equal(r.status, 0, r.stderr);
    const vars = readFileSync(join(conf, 'vars/switchboard.xml'), 'utf8');
    assert.match(vars, /data="switchboard_cp_socket=10\.0\.0\.5:8084"/);
    assert.match(vars, /data="switchboard_cp_socket_standby=10\.0\.0\.5:8084"/, 'a single control plane is its own standby');
    assert.match(vars, /data="switchboard_directory_url=http:\/\/10\.0\.0\.5:8080\/freeswitch\/directory"/);
    assert.match(readFileSync(join(conf, 'vars.xml'), 'utf8'), /<X-PRE-PROCESS cmd="include" data="vars\/switchboard.xml"\/>/);
    const esl = readFileSync(join(conf, 'autoload_configs/event_socket.conf.xml'), 'utf8');
    assert.match(esl, /name="listen-ip" value="127\.0\.0\.1"/);
    assert.match(esl, /name="apply-inbound-acl" value="loopback\.auto"/);
    const secrets = join(conf, 'vars/switchboard-secrets.xml');
    assert.match(readFileSync(secrets, 'utf8'), new RegExp(`switchboard_esl_password=${PASSWORD}`));
    assert.equal(statSync(secrets).mode & 0o777, 0o640);
    assert.ok(existsSync(join(conf, 'dialplan/public.xml')));
    assert.equal(install(conf, { SWITCHBOARD_CP_SOCKET: '10.0.0.5:8084' }).status, 0, 'runs again');
  });

  it('puts ESL on a private network only with the allowed network named (the compose stack)', function () {
    const conf = stockConf();
    dirs.push(conf);
    const env = {
      SWITCHBOARD_CP_SOCKET: 'control-plane:8084',
      SWITCHBOARD_CP_SOCKET_STANDBY: 'control-plane-standby:8084',
      SWITCHBOARD_ESL_LISTEN_IP: '0.0.0.0',
      SWITCHBOARD_ESL_ALLOW_CIDR: '172.28.90.0/24',
      SWITCHBOARD_SECRETS_MODE: '0644',
    };
    for (let round = 0; round < 2; round++) assert.equal(install(conf, env).status, 0);
    const vars = readFileSync(join(conf, 'vars/switchboard.xml'), 'utf8');
    assert.match(vars, /data="switchboard_cp_socket=control-plane:8084"/);
    assert.match(vars, /data="switchboard_cp_socket_standby=control-plane-standby:8084"/);
    const esl = readFileSync(join(conf, 'autoload_configs/event_socket.conf.xml'), 'utf8');
    assert.match(esl, /name="listen-ip" value="0\.0\.0\.0"/);
    assert.match(esl, /name="apply-inbound-acl" value="switchboard-control-plane"/);
    const acl = readFileSync(join(conf, 'autoload_configs/acl.conf.xml'), 'utf8');
    assert.equal(acl.match(/<list name="switchboard-control-plane" default="deny">\s*<node type="allow" cidr="172\.28\.90\.0\/24"\/>\s*<\/list>/g)?.length, 1, 'one ACL list, even after two runs');
    assert.equal(statSync(join(conf, 'vars/switchboard-secrets.xml')).mode & 0o777, 0o644);
  });

  it('refuses bad input with the reason and leaves the configuration untouched', function () {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ FREESWITCH_ESL_PASSWORD: 'short' }, /at least 12 characters/],
      [{ SWITCHBOARD_CP_SOCKET: 'evil"host:8084' }, /SWITCHBOARD_CP_SOCKET must be host:port/],
      [{ SWITCHBOARD_CP_SOCKET_STANDBY: '10.0.0.6' }, /SWITCHBOARD_CP_SOCKET_STANDBY must be host:port/],
      [{ SWITCHBOARD_DIRECTORY_URL: 'file:///etc/passwd' }, /SWITCHBOARD_DIRECTORY_URL must be an http\(s\) URL/],
      [{ SWITCHBOARD_ESL_LISTEN_IP: '0.0.0.0' }, /needs SWITCHBOARD_ESL_ALLOW_CIDR/],
      [{ SWITCHBOARD_SECRETS_MODE: '0777' }, /SWITCHBOARD_SECRETS_MODE must be/],
    ];
    for (const [env, why] of cases) {
      const conf = stockConf();
      dirs.push(conf);
      const before = readFileSync(join(conf, 'vars.xml'), 'utf8');
      const r = install(conf, env);
      assert.equal(r.status, 1, `${JSON.stringify(env)} accepted`);
      assert.match(r.stderr, why);
      assert.equal(readFileSync(join(conf, 'vars.xml'), 'utf8'), before);
      assert.equal(existsSync(join(conf, 'vars/switchboard.xml')), false, 'nothing installed');
    }
  });
});
