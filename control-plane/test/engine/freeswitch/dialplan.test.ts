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
    const doc = parser.parse(readFileSync(file, 'utf8')) as {
      include: { context: Array<{ name: string; extension: Array<{ name: string; condition: Array<{ field: string; expression: string; action?: Action[]; 'anti-action'?: Action[] }> }> }> };
    };
    for (const ctx of doc.include.context) {
      const list = contexts.get(ctx.name) ?? [];
      for (const ext of ctx.extension) {
        list.push({
          name: ext.name,
          conditions: ext.condition.map((c) => ({ field: c.field, expression: c.expression })),
          // Anti-actions run when a condition fails: they are routes too.
          actions: ext.condition.flatMap((c) => [...(c.action ?? []), ...(c['anti-action'] ?? [])]),
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
            // Only the control plane (active, or its standby), never an address from the call.
            assert.ok(['$${switchboard_cp_socket} async full', '$${switchboard_cp_socket_standby} async full'].includes(a.data), where);
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

  it('keeps a caller whose control plane went away: hold music, both addresses retried, bounded, then a fallback', () => {
    const dialplan = loadDialplan();
    const fallback = dialplan.get('switchboard-fallback') ?? [];
    // The public entry point tries the active and the standby, then goes on in the fallback.
    const entry = dialplan.get('public')?.find((e) => e.name === 'switchboard-inbound');
    assert.ok(entry);
    assert.ok(entry.actions.some((a) => a.application === 'set' && a.data === 'socket_resume=true'), 'the call survives its control plane');
    assert.deepEqual(entry.actions.slice(-3).map((a) => `${a.application} ${a.data}`), [
      'socket $${switchboard_cp_socket} async full',
      'socket $${switchboard_cp_socket_standby} async full',
      'transfer reattach XML switchboard-fallback',
    ]);
    // Each round counts itself while the dialplan is searched, so the bound holds.
    const count = fallback.find((e) => e.name === 'reattach-count');
    assert.ok(count);
    assert.match(count.actions[0]!.data, /^switchboard_reattach_tries=\$\{switchboard_reattach_tries\}x$/);
    const reattach = fallback.find((e) => e.name === 'reattach');
    assert.ok(reattach);
    assert.deepEqual(reattach.conditions.map((c) => c.expression), ['^reattach$', '^x{1,$${switchboard_reattach_rounds}}$']);
    const steps = reattach.actions.map((a) => `${a.application} ${a.data}`);
    const at = (step: string): number => {
      const i = steps.indexOf(step);
      assert.ok(i >= 0, `reattach does ${step}`);
      return i;
    };
    // A pull (uuid_transfer) can interrupt the bounded music: the limit is cleared before the socket.
    assert.ok(at('unset playback_timeout_sec') < at('socket $${switchboard_cp_socket} async full'));
    assert.ok(at('socket $${switchboard_cp_socket} async full') < at('socket $${switchboard_cp_socket_standby} async full'));
    assert.ok(at('socket $${switchboard_cp_socket_standby} async full') < at('set playback_timeout_sec=$${switchboard_reattach_hold_s}'));
    assert.equal(steps[at('set playback_timeout_sec=$${switchboard_reattach_hold_s}') + 1], 'playback $${switchboard_hold_music}', 'hold music, not silence');
    assert.equal(steps[at('set playback_timeout_sec=$${switchboard_reattach_hold_s}') + 2], 'unset playback_timeout_sec');
    assert.deepEqual(steps.slice(-2), ['transfer reattach XML switchboard-fallback', 'transfer unavailable XML switchboard-fallback'], 'next round, or the fallback once the rounds are used');
    // The variables the loop needs are defined for FreeSWITCH.
    const vars = readFileSync(join(ROOT, 'freeswitch-conf/vars/switchboard.xml'), 'utf8');
    for (const v of ['switchboard_cp_socket', 'switchboard_cp_socket_standby', 'switchboard_reattach_hold_s', 'switchboard_reattach_rounds', 'switchboard_hold_music']) {
      assert.match(vars, new RegExp(`data="${v}=[^"]+"`), v);
    }
    assert.match(vars, /switchboard_reattach_rounds=[1-9][0-9]?"/, 'a bounded number of rounds');
    const message = fallback.find((e) => e.name === 'unavailable-message');
    assert.ok(message);
    const appsM = message.actions.map((a) => a.application);
    assert.deepEqual(appsM.filter((a) => a !== 'log').slice(0, 1), ['answer']);
    assert.ok(appsM.includes('speak') && appsM.includes('playback'), 'plays a message');
    assert.equal(appsM[appsM.length - 1], 'hangup');
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
