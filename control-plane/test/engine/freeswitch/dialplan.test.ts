/**
 * The configuration users deploy: every XML file is well-formed, the public context only
 * ever reaches the control plane and the fallback (no route to a trunk or a phone: toll
 * fraud), the fallback never leaves a caller in silence, and the overlay keeps ESL on
 * loopback with the password from a variable.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...xmlFiles(p));
    else if (name.endsWith('.xml') || name.endsWith('.xml.template')) out.push(p);
  }
  return out;
}

interface Action { application: string; data: string }
interface Extension { name: string; conditions: Array<{ field: string; expression: string }>; actions: Action[] }
type Contexts = Map<string, Extension[]>;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['context', 'extension', 'condition', 'action', 'anti-action'].includes(name) });

function loadDialplan(): Contexts {
  const contexts: Contexts = new Map();
  for (const file of xmlFiles(join(ROOT, 'dialplan'))) {
    const doc = parser.parse(readFileSync(file, 'utf8')) as { include: { context: Array<{ name: string; extension: Array<{ name: string; condition: Array<{ field: string; expression: string; action?: Action[] }> }> }> } };
    for (const ctx of doc.include.context) {
      const list = contexts.get(ctx.name) ?? [];
      for (const ext of ctx.extension) {
        list.push({
          name: ext.name,
          conditions: ext.condition.map((c) => ({ field: c.field, expression: c.expression })),
          actions: ext.condition.flatMap((c) => c.action ?? []),
        });
      }
      contexts.set(ctx.name, list);
    }
  }
  return contexts;
}

/** Contexts a call entering `start` can reach through transfer / execute_extension. */
function reachable(contexts: Contexts, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const ctx = queue.shift() as string;
    for (const ext of contexts.get(ctx) ?? []) {
      for (const a of ext.actions) {
        if (a.application === 'transfer' || a.application === 'execute_extension') {
          const parts = a.data.trim().split(/\s+/);
          const target = parts[2] ?? ctx;
          assert.ok(!target.includes('$'), `${ctx}/${ext.name}: ${a.application} to a context chosen at run time (${a.data})`);
          if (!seen.has(target)) {
            seen.add(target);
            queue.push(target);
          }
        }
      }
    }
  }
  return seen;
}

describe('deployable FreeSWITCH configuration', () => {
  it('every XML file under freeswitch-conf/ and dialplan/ is well-formed', () => {
    const files = [...xmlFiles(join(ROOT, 'freeswitch-conf')), ...xmlFiles(join(ROOT, 'dialplan'))];
    assert.ok(files.length >= 12, `found ${files.length} files`);
    for (const f of files) {
      const result = XMLValidator.validate(readFileSync(f, 'utf8'));
      assert.equal(result, true, `${f}: ${JSON.stringify(result)}`);
    }
  });

  it('has no route from the public context to a trunk, a phone or a caller-chosen destination', () => {
    const contexts = loadDialplan();
    const fromPublic = reachable(contexts, 'public');
    assert.deepEqual([...fromPublic].sort(), ['public', 'switchboard-fallback']);
    const originating = new Set(['bridge', 'originate', 'socket', 'deflect', 'redirect', 'enum', 'lua', 'javascript', 'system', 'bgsystem', 'eval', 'set_user', 'intercept', 'eavesdrop', 'execute_extension']);
    for (const ctx of fromPublic) {
      for (const ext of contexts.get(ctx) ?? []) {
        for (const a of ext.actions) {
          const where = `${ctx}/${ext.name}: ${a.application} ${a.data}`;
          if (a.application === 'socket') {
            assert.equal(a.data, '$${switchboard_cp_socket} async full', where);
            continue;
          }
          if (a.application === 'bridge') {
            // Only the operator's fixed backup destination, never anything the caller dialled.
            assert.equal(a.data, '$${switchboard_backup_destination}', where);
            continue;
          }
          assert.ok(!originating.has(a.application), `${where}: not allowed in a context public calls reach`);
          assert.ok(!/sofia\/|gateway|user\//.test(a.data), `${where}: names an endpoint`);
        }
      }
    }
  });

  it('never leaves a caller in silence when the control plane is unreachable', () => {
    const fallback = loadDialplan().get('switchboard-fallback') ?? [];
    const retry = fallback.find((e) => e.name === 'retry');
    assert.ok(retry);
    const apps = retry.actions.map((a) => a.application);
    assert.deepEqual(apps.filter((a) => a === 'socket').length, 2, 'retries the socket twice');
    assert.ok(apps.indexOf('ring_ready') < apps.indexOf('sleep'), 'the caller hears ringing while waiting');
    const message = fallback.find((e) => e.name === 'unavailable-message');
    assert.ok(message);
    const appsM = message.actions.map((a) => a.application);
    assert.deepEqual(appsM.filter((a) => a !== 'log').slice(0, 1), ['answer']);
    assert.ok(appsM.includes('speak') && appsM.includes('playback'), 'plays a message');
    assert.equal(appsM[appsM.length - 1], 'hangup');
    // The public entry point ends in the fallback, so a failed socket continues there.
    const entry = loadDialplan().get('public')?.find((e) => e.name === 'switchboard-inbound');
    assert.deepEqual(entry?.actions.slice(-2).map((a) => a.application), ['socket', 'transfer']);
    assert.ok(entry?.actions.some((a) => a.application === 'set' && a.data === 'socket_resume=true'));
  });

  it('keeps ESL on loopback with the password from a variable, loads what Switchboard needs and no queueing modules', () => {
    const esl = readFileSync(join(ROOT, 'freeswitch-conf/autoload_configs/event_socket.conf.xml'), 'utf8');
    assert.match(esl, /name="listen-ip" value="127\.0\.0\.1"/);
    assert.match(esl, /name="password" value="\$\$\{switchboard_esl_password\}"/);
    const modules = readFileSync(join(ROOT, 'freeswitch-conf/autoload_configs/modules.conf.xml'), 'utf8');
    for (const m of ['sofia', 'event_socket', 'dptools', 'commands', 'dialplan_xml', 'sndfile', 'tone_stream', 'local_stream', 'flite', 'say_en', 'avmd', 'hash', 'xml_curl']) {
      assert.match(modules, new RegExp(`<load module="mod_${m}"/>`), `mod_${m}`);
    }
    assert.doesNotMatch(modules, /<load module="mod_(callcenter|fifo)"/);
    const vars = readFileSync(join(ROOT, 'freeswitch-conf/vars/switchboard.xml'), 'utf8');
    assert.doesNotMatch(vars, /switchboard_esl_password=/, 'no password in the versioned vars file');
    const internal = readFileSync(join(ROOT, 'freeswitch-conf/sip_profiles/internal.xml'), 'utf8');
    assert.match(internal, /name="auth-calls" value="true"/);
    assert.match(internal, /name="accept-blind-reg" value="false"/);
    assert.doesNotMatch(internal, /<param name="apply-(register|inbound)-acl"/, 'an ACL match would skip digest auth for agents');
    const external = readFileSync(join(ROOT, 'freeswitch-conf/sip_profiles/external.xml'), 'utf8');
    assert.match(external, /name="context" value="public"/);
    assert.match(external, /name="apply-inbound-acl" value="trunks"/);
  });
});
