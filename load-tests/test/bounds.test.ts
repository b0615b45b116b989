/**
 * Every SIPp the runner starts is bounded: by call count (-m), by SIPp's own timeout
 * (-timeout), and by the runner, which kills it at the deadline and fails the run.
 */
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { analyzeTrial } from '../runner/analyze.js';
import { prepareMedia } from '../runner/media.js';
import { SippProcess, describeCommand, sippArgs } from '../runner/sipp.js';
import { planTrial } from '../runner/trial.js';
import { selftestProfile, tempDir } from './helpers.js';

describe('SIPp process bounds', function () {
  this.timeout(15_000);

  it('callers get a call count, a rate period per mix share and a global timeout', () => {
    const profile = selftestProfile({
      mix: [
        { scenario: 'caller-ivr', weight: 3 },
        { scenario: 'trunk-register', weight: 1, service: 'trunk1' },
      ],
      maxCalls: 100,
      durationSeconds: 10,
      trunk: { username: 'trunk1', passwordEnv: 'X' },
    });
    const plan = planTrial(profile, { trunkPassword: 'hunter2' });
    const [ivr, reg] = plan.uac;
    const args = sippArgs(ivr!);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    assert.equal(at('-m'), '75');
    assert.equal(at('-rp'), '1333', '3/4 of the rate: 2 calls per 1.333 s');
    assert.equal(at('-r'), '2');
    assert.equal(at('-timeout'), `${10 + 13 + 5}s`);
    assert.equal(at('-l'), String(Math.ceil(2 * 0.75 * (0.5 + 12)) + 10), 'room for every call in flight');
    assert.equal(sippArgs(reg!)[sippArgs(reg!).indexOf('-m') + 1], '25');
    assert.ok(!describeCommand(reg!).includes('hunter2'), 'the password never reaches the report');
    assert.match(describeCommand(reg!), /-au trunk1 -ap \*{6}/);
  });

  it('kills a SIPp still running at the deadline, and the run fails for it', async () => {
    const tmp = await tempDir('bounds');
    try {
      const mediaDir = path.join(tmp.dir, 'media');
      await prepareMedia(mediaDir);
      const spec = { label: 'peer-1-agent-answer', scenario: 'agent-answer', localHost: '127.0.0.40', sipPort: 28000, mediaPort: 28100, callLengthMs: 0, timeoutSeconds: 60 };
      const p = new SippProcess(spec, tmp.dir, mediaDir);
      await p.start();
      const t0 = Date.now();
      const result = await p.wait(Date.now() + 800);
      assert.ok(Date.now() - t0 < 3000);
      assert.equal(result.killed, true);
      assert.equal(result.signal, 'SIGKILL');
      const summary = await analyzeTrial(selftestProfile({}), { startedAt: t0, endedAt: Date.now(), durationSeconds: 1, results: [result], commands: [] }, 'n/a');
      const clean = summary.criteria.find((c) => c.name === 'SIPp processes ended cleanly')!;
      assert.equal(clean.pass, false);
      assert.match(clean.observed, /^peer-1-agent-answer: /);
      assert.equal(summary.verdict, 'fail');
    } finally {
      await tmp.cleanup();
    }
  });
});
