import { strict as assert } from 'node:assert';
import { loadAcdConfig } from '../../src/acd/config.js';
import { ConfigError } from '../../src/envSchema.js';

describe('ACD environment variables', () => {
  it('defaults to UTC, a 30-minute window, a 48-hour rebuild look-back and a 15-second re-attach window', () => {
    assert.deepEqual(loadAcdConfig({}), { timeZone: 'UTC', windowMs: 30 * 60_000, rebuildLookbackMs: 48 * 3600_000, reattachWindowMs: 15_000 });
    assert.equal(loadAcdConfig({ ACD_REATTACH_WINDOW_MS: '5000' }).reattachWindowMs, 5000);
    assert.throws(() => loadAcdConfig({ ACD_REATTACH_WINDOW_MS: '10' }), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('ACD_REATTACH_WINDOW_MS="10" is invalid')));
  });
  it('names the variable, the value and what is expected', () => {
    assert.throws(
      () => loadAcdConfig({ ACD_TIME_ZONE: 'Mars/Olympus', ACD_WINDOW_MINUTES: '0' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.includes('ACD_TIME_ZONE="Mars/Olympus" is invalid: expected an IANA time zone such as Europe/Paris') &&
        e.problems.includes('ACD_WINDOW_MINUTES="0" is invalid: expected at least 1'),
    );
  });
});
