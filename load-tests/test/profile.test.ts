import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PROFILE_DIR, ProfileError, loadProfile, parseProfileText } from '../runner/profile.js';
import { main } from '../runner/cli.js';

const good = `
name: ok
target: { kind: selftest }
rate: { start: 1, max: 2 }
durationSeconds: 5
mix:
  - { scenario: caller-ivr, weight: 1 }
`;

function problems(yaml: string): string[] {
  try {
    parseProfileText('bad.yaml', yaml);
  } catch (err) {
    assert.ok(err instanceof ProfileError, `expected a ProfileError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('the profile was accepted');
}

describe('load profiles', () => {
  it('accepts every profile shipped in load-tests/profiles', async () => {
    const files = (await readdir(PROFILE_DIR)).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.includes('selftest.yaml'));
    for (const f of files) {
      const p = await loadProfile(path.basename(f, '.yaml'));
      assert.equal(p.name, path.basename(f, '.yaml'), `${f}: name should match the file name`);
    }
  });

  it('fills defaults for a minimal profile', () => {
    const p = parseProfileText('ok.yaml', good);
    assert.equal(p.callLengthMs, 1000);
    assert.equal(p.criteria.maxFailedPercent, 0.1);
    assert.equal(p.network.localHost, '127.0.0.1');
  });

  it('names the field and the reason for each mistake', () => {
    assert.deepEqual(problems(good.replace('weight: 1', 'weight: 0')), ['mix[0].weight: expected a weight greater than 0']);
    assert.match(problems(good.replace('caller-ivr', 'caller-typo'))[0]!, /^mix\[0\]\.scenario: expected one of the originating scenarios: caller-ivr, /);
    assert.deepEqual(problems(good.replace('max: 2', 'max: 0')), ['rate.max: expected at least 1 call per second', 'rate.max: max must be at least start']);
    assert.deepEqual(problems(good.replace('{ start: 1, max: 2 }', '{ start: 3, max: 2 }')), ['rate.max: max must be at least start']);
    assert.deepEqual(problems(good.replace('durationSeconds: 5', 'durationSeconds: 7200')), ['durationSeconds: expected at most 3600 s (one hour)']);
    assert.deepEqual(problems(good + 'callLenghtMs: 10\n'), ['(profile): Unrecognized key: "callLenghtMs"']);
  });

  it('refuses a host name as target with the reason', () => {
    const p = problems(good.replace('{ kind: selftest }', '{ kind: sip, host: fs.example.com }'));
    assert.deepEqual(p, ['target.host: expected an IP address (host names are not accepted)']);
  });

  it('refuses scenarios that only make sense in the selftest when the target is a switch', () => {
    const p = problems(good.replace('{ kind: selftest }', '{ kind: sip, host: 127.0.0.1 }').replace('caller-ivr', 'race-ring-all-fork'));
    assert.match(p[0]!, /^mix\[0\]\.scenario: race-ring-all-fork stands in for the switch in the selftest/);
  });

  it('refuses trunk-register without credentials and a comparison without a switch', () => {
    assert.deepEqual(problems(good.replace('caller-ivr', 'trunk-register')), ['mix[0].scenario: trunk-register needs a trunk section (username, passwordEnv)']);
    assert.deepEqual(problems(good + 'compare: { staticTarget: { host: 127.0.0.1 } }\n'), [
      'compare: comparison needs target.kind: sip (a FreeSWITCH target), not selftest',
    ]);
  });

  it('names the line of a YAML syntax error', () => {
    const p = problems('name: x\nrate: { start: 1\n');
    assert.match(p[0]!, /^line \d+: /);
  });

  it('the CLI prints the problems and exits with status 2', async () => {
    const errors: string[] = [];
    const orig = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      assert.equal(await main(['--profile', 'no-such-profile']), 2);
      assert.equal(await main(['--profile', 'selftest', '--duration', 'soon']), 2);
    } finally {
      console.error = orig;
    }
    assert.match(errors[0]!, /no-such-profile\.yaml: cannot read the profile \(no such file\)/);
    assert.match(errors[1]!, /--duration: "soon" is not a number of seconds from 1 to 3600/);
  });
});
