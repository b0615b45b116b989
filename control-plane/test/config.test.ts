import { strict as assert } from 'node:assert';
import { ConfigError, loadConfig } from '../src/config.js';
import { loadSettings } from '../src/main.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('defaults to the simulator and embedded PGlite on port 8080', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.deepEqual(c.engine, { kind: 'sim', seed: 1, speed: 1 });
    assert.deepEqual(c.database, { kind: 'pglite', dir: './data/pglite' });
  });

  it('names each bad variable, the value and what is expected, one line each', () => {
    assert.deepEqual(problems({ PORT: '99999', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://db/x' }), [
      'PORT="99999" is invalid: expected at most 65535',
      'LOG_LEVEL="loud" is invalid: expected one of fatal, error, warn, info, debug, trace, silent',
      'DATABASE_URL="mysql://db/x" is invalid: expected a postgres://, postgresql:// or pglite: URL',
    ]);
  });

  it('rejects an unknown engine URL scheme and a missing ESL password without echoing secrets', () => {
    assert.deepEqual(problems({ FREESWITCH_ESL_URL: 'http://fs:8021' }), [
      'FREESWITCH_ESL_URL="http://fs:8021" is invalid: expected esl://host:port, comma-separated for several nodes',
    ]);
    assert.deepEqual(problems({ FREESWITCH_ESL_URL: 'esl://127.0.0.1:8021' }), [
      'FREESWITCH_ESL_PASSWORD=(not set) is invalid: required with the FreeSWITCH engine (the event_socket password)',
    ]);
    assert.deepEqual(problems({ MEDIA_ENGINE: 'asterisk' }), ['MEDIA_ENGINE="asterisk" is invalid: expected sim or freeswitch']);
  });

  it('reads several FreeSWITCH nodes and a real PostgreSQL URL', () => {
    const c = loadConfig({ FREESWITCH_ESL_URL: 'esl://10.0.0.5:8021,esl://10.0.0.6:8021', FREESWITCH_ESL_PASSWORD: 's3cret', DATABASE_URL: 'postgres://u@db/sb' });
    assert.deepEqual(c.engine, { kind: 'freeswitch', nodes: [{ host: '10.0.0.5', port: 8021 }, { host: '10.0.0.6', port: 8021 }], password: 's3cret' });
    assert.deepEqual(c.database, { kind: 'postgres', url: 'postgres://u@db/sb' });
    assert.deepEqual(loadConfig({ DATABASE_URL: 'pglite:memory' }).database, { kind: 'pglite', dir: null });
  });
});

describe('settings of every area, read together', () => {
  it('reports every bad variable of every area at once, one line each', () => {
    try {
      loadSettings({ PORT: 'x', ACD_TIME_ZONE: 'Mars/Olympus', FREESWITCH_OUTBOUND_PORT: '0', SWITCHBOARD_ADMIN_KEY: 'short', DIALER_OUTBOUND_PRIORITY: '101' });
      assert.fail('expected a ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'PORT="x" is invalid: expected a whole number from 0 to 65535',
        'FREESWITCH_OUTBOUND_PORT="0" is invalid: expected at least 1',
        'SWITCHBOARD_ADMIN_KEY=(hidden) is invalid: expected at least 32 characters (use a long random string)',
        'ACD_TIME_ZONE="Mars/Olympus" is invalid: expected an IANA time zone such as Europe/Paris',
        'DIALER_OUTBOUND_PRIORITY="101" is invalid: expected at most 100',
      ]);
    }
  });
});
