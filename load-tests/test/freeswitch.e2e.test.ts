/**
 * End to end against a real FreeSWITCH: runs the freeswitch-smoke profile and checks its
 * report. Needs FREESWITCH_ESL_URL (and LOAD_FS_SIP_TARGET if FreeSWITCH's SIP profile is
 * not on 127.0.0.1:5060); without it the test reports itself skipped and says why.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadEnv } from '../runner/config.js';
import { runProfile } from '../runner/load.js';
import { loadProfile } from '../runner/profile.js';
import { tempDir } from './helpers.js';

describe('load test against FreeSWITCH (end to end)', function () {
  this.timeout(90_000);
  const env = loadEnv();

  it('runs the freeswitch-smoke profile and writes a passing report', async function () {
    if (!env.FREESWITCH_ESL_URL) {
      console.log('      skipped: FREESWITCH_ESL_URL is not set, so no FreeSWITCH is available for the end-to-end load test');
      this.skip();
    }
    const [host, port] = [env.LOAD_FS_SIP_TARGET.slice(0, env.LOAD_FS_SIP_TARGET.lastIndexOf(':')), Number(env.LOAD_FS_SIP_TARGET.split(':').pop())];
    const base = await loadProfile('freeswitch-smoke');
    assert.equal(base.target.kind, 'sip');
    const profile = { ...base, target: { ...base.target, kind: 'sip' as const, host, port }, durationSeconds: 10 };
    const tmp = await tempDir('fs');
    try {
      const out = await runProfile(profile, { outDir: tmp.dir, log: (l) => console.log(`      ${l}`) });
      const s = JSON.parse(await readFile(out.files.json, 'utf8'));
      assert.equal(s.target, `sip ${host}:${port}`);
      assert.ok(s.totals.callsOriginated >= 10, `only ${s.totals.callsOriginated} calls`);
      const fraud = s.processes.find((p: { scenario: string }) => p.scenario === 'tollfraud-invite');
      assert.equal(fraud.failed, 0, 'the toll-fraud probe must be refused');
      assert.ok(s.timeToAgentMs.count > 0, 'agent INVITEs must carry the caller X-Load-Call id');
      assert.equal(s.verdict, 'pass', (await readFile(path.join(out.dir, 'report.md'), 'utf8')).slice(0, 2000));
    } finally {
      await tmp.cleanup();
    }
  });
});
