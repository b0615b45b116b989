import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { TargetAddressError, assertAllowedAddress, isLoopback } from '../runner/addresses.js';
import { planTrial } from '../runner/trial.js';
import { parseProfile } from '../runner/profile.js';

const refused = (field: string, address: string, ns?: string) => {
  try {
    assertAllowedAddress(field, address, ns);
  } catch (err) {
    assert.ok(err instanceof TargetAddressError);
    return err.message;
  }
  return assert.fail(`${address} was allowed`);
};

describe('load target addresses', () => {
  it('allows any loopback address', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }), (a, b, c) => {
        const ip = `127.${a}.${b}.${c}`;
        assert.ok(isLoopback(ip));
        assertAllowedAddress('x', ip, undefined);
      }),
    );
    assertAllowedAddress('x', '::1', undefined);
  });

  it('refuses every address outside loopback when no namespace is set', () => {
    fc.assert(
      fc.property(fc.ipV4().filter((ip) => !ip.startsWith('127.')), (ip) => {
        assert.match(refused('target.host', ip), /^target\.host: .* is not a loopback address; load may only leave loopback inside a network namespace/);
      }),
    );
  });

  it('inside a namespace allows private addresses and still refuses public ones', () => {
    assertAllowedAddress('x', '10.20.0.2', 'sbload');
    assertAllowedAddress('x', '192.168.77.1', 'sbload');
    assertAllowedAddress('x', 'fd00::2', 'sbload');
    assert.equal(
      refused('target.host', '8.8.8.8', 'sbload'),
      'target.host: 8.8.8.8 is a public address; inside namespace "sbload" only private addresses (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10) are allowed',
    );
  });

  it('refuses host names', () => {
    assert.equal(refused('target.host', 'localhost'), 'target.host: "localhost" is not an IP address; load is only sent to loopback or namespace addresses, never to host names');
  });

  it('the runner refuses to plan a run aimed at a public address', () => {
    const profile = parseProfile('t', {
      name: 't',
      target: { kind: 'sip', host: '93.184.216.34', port: 5060 },
      rate: { start: 1, max: 1 },
      durationSeconds: 1,
      mix: [{ scenario: 'caller-ivr', weight: 1 }],
    });
    assert.throws(() => planTrial(profile, {}), {
      name: 'TargetAddressError',
      message: 'uac-1-caller-ivr: target address: 93.184.216.34 is not a loopback address; load may only leave loopback inside a network namespace (set network.namespace)',
    });
  });

  it('the runner refuses a public source address for a scenario', () => {
    const profile = parseProfile('t', {
      name: 't',
      target: { kind: 'selftest' },
      rate: { start: 1, max: 1 },
      durationSeconds: 1,
      mix: [{ scenario: 'tollfraud-invite', weight: 1, localHost: '203.0.113.9' }],
    });
    assert.throws(() => planTrial(profile, {}), /uac-1-tollfraud-invite: local address: 203\.0\.113\.9 is not a loopback address/);
  });
});

describe('network namespaces', () => {
  it('refuses to run in a namespace that does not exist', async () => {
    const { runTrial } = await import('../runner/trial.js');
    const profile = parseProfile('t', {
      name: 't',
      target: { kind: 'sip', host: '10.77.0.2', port: 5060 },
      network: { namespace: 'sb-load-no-such-ns', localHost: '10.77.0.1', peerHost: '10.77.0.1' },
      rate: { start: 1, max: 1 },
      durationSeconds: 1,
      mix: [{ scenario: 'caller-ivr', weight: 1 }],
    });
    await assert.rejects(runTrial(profile, { dir: '/nonexistent-never-created', mediaDir: '/nonexistent' }), {
      name: 'TargetAddressError',
      message: 'network.namespace: no network namespace "sb-load-no-such-ns" exists (see `ip netns list`); create it and its link to the switch first',
    });
  });
});
