/** Channel-variable escaping, cause mapping and the engine's environment variables. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSafeCommand, sipHeaderVariable, variableBlock } from '../../../src/engine/freeswitch/escape.js';
import { causeOfReply, normaliseOriginateCause } from '../../../src/engine/freeswitch/causes.js';
import { loadFreeSwitchEnv } from '../../../src/engine/freeswitch/config.js';
import { MediaCommandError } from '../../../src/engine/errors.js';

/** How FreeSWITCH splits a `{…}` block (switch_event_create_brackets, simplified to the forms we emit). */
function parseBlock(block: string): Array<[string, string]> {
  assert.ok(block.startsWith('{') && block.endsWith('}'));
  let inner = block.slice(1, -1);
  let sep = ',';
  if (inner.startsWith('^^')) {
    sep = inner[2] as string;
    inner = inner.slice(3);
  }
  return inner.split(sep).map((pair) => {
    const eq = pair.indexOf('=');
    let value = pair.slice(eq + 1);
    if (value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
    return [pair.slice(0, eq), value];
  });
}

describe('FreeSWITCH escaping', () => {
  it('quotes spaces and switches delimiter for commas', () => {
    assert.equal(variableBlock([['a', '1'], ['b', 'two words']]), "{a=1,b='two words'}");
    assert.equal(variableBlock([['name', 'Smith, John'], ['x', '1']]), "{^^;name='Smith, John';x=1}");
    assert.equal(variableBlock([['name', 'a,b;c'], ['x', '1']]), '{^^:name=a,b;c:x=1}');
    assert.equal(variableBlock([]), '');
  });

  it('round-trips any value it accepts, and refuses the rest with a reason', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b_2', 'sip_h_X-Y'), fc.string({ maxLength: 20 })), { minLength: 1, maxLength: 4 }), (pairs) => {
        const unique = [...new Map(pairs).entries()];
        let block: string;
        try {
          block = variableBlock(unique);
        } catch (err) {
          assert.ok(err instanceof MediaCommandError);
          assert.match(err.detail, /^(variable \S+ (contains|starts with|is longer)|variables contain commas)/);
          return;
        }
        assert.deepEqual(parseBlock(block), unique);
      }),
      { numRuns: 300 },
    );
  });

  it('names what is wrong', () => {
    assert.throws(() => variableBlock([['x', "it's"]]), /variable x contains "'"/);
    assert.throws(() => variableBlock([['x', 'a\\b']]), /variable x contains "\\\\"/);
    assert.throws(() => variableBlock([['x', '^^:a']]), /variable x starts with "\^\^"/);
    assert.throws(() => variableBlock([['x', ',;:|!~#@']]), /contain commas together with every alternative delimiter/);
    assert.throws(() => assertSafeCommand('status\n\nbgapi system reboot'), /contains a control character/);
    assert.throws(() => sipHeaderVariable('X Bad'), /SIP header name "X Bad" must contain only letters/);
    assert.equal(sipHeaderVariable('Campaign'), 'sip_h_X-Campaign');
    assert.equal(sipHeaderVariable('X-Lead'), 'sip_h_X-Lead');
  });
});

describe('originate causes', () => {
  it('maps FreeSWITCH causes to the port causes', () => {
    const cases: Array<[string, string]> = [
      ['-ERR USER_BUSY\n', 'busy'],
      ['-ERR NO_ANSWER\n', 'no-answer'],
      ['-ERR ORIGINATOR_CANCEL\n', 'no-answer'],
      ['-ERR CALL_REJECTED\n', 'rejected'],
      ['-ERR NORMAL_TEMPORARY_FAILURE\n', 'unreachable'],
      ['-ERR UNALLOCATED_NUMBER\n', 'unreachable'],
      ['-ERR CHAN_NOT_IMPLEMENTED\n', 'failed'],
      ['garbage', 'failed'],
    ];
    for (const [reply, expected] of cases) assert.equal(normaliseOriginateCause(causeOfReply(reply)), expected, reply);
    assert.equal(causeOfReply('USER_BUSY'), 'USER_BUSY');
  });
});

describe('FreeSWITCH engine environment', () => {
  it('has working defaults', () => {
    const env = loadFreeSwitchEnv({});
    assert.equal(env.FREESWITCH_OUTBOUND_PORT, 8084);
    assert.equal(env.FREESWITCH_OUTBOUND_HOST, '127.0.0.1');
    assert.equal(env.FREESWITCH_TTS_VOICE, 'kal');
  });

  it('names the variable, the value and what is expected; hides secrets', () => {
    assert.throws(() => loadFreeSwitchEnv({ FREESWITCH_OUTBOUND_PORT: '80000' }), /FREESWITCH_OUTBOUND_PORT="80000" is invalid: expected at most 65535/);
    assert.throws(() => loadFreeSwitchEnv({ FREESWITCH_DEFAULT_GATEWAY: 'my gw' }), /FREESWITCH_DEFAULT_GATEWAY="my gw" is invalid: expected letters, digits/);
    assert.throws(() => loadFreeSwitchEnv({ FREESWITCH_DIRECTORY_PASSWORD: 'short' }), /FREESWITCH_DIRECTORY_PASSWORD=\(hidden\) is invalid: expected at least 12 characters/);
  });
});
