/**
 * With target.metricsUrl the runner scrapes the control plane's Prometheus /metrics
 * before and after the run, keeps both, and judges the service-level criterion on it.
 * The switch is a SIPp endpoint standing in for FreeSWITCH; /metrics is a local server.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { analyzeTrial, metricValue } from '../runner/analyze.js';
import { prepareMedia } from '../runner/media.js';
import { parseProfile } from '../runner/profile.js';
import { SippProcess } from '../runner/sipp.js';
import { runTrial } from '../runner/trial.js';
import { tempDir } from './helpers.js';

describe('control plane /metrics in a load run', function () {
  this.timeout(20_000);

  it('reads a gauge from Prometheus text, ignoring comments and other series', () => {
    const text = '# HELP x\n# TYPE switchboard_sl gauge\nswitchboard_sl_other 1\nswitchboard_sl{queue="sales"} 87.5\nswitchboard_sl 12\n';
    assert.equal(metricValue(text, 'switchboard_sl'), 87.5);
    assert.equal(metricValue(text, 'missing'), undefined);
  });

  it('scrapes before and after, keeps both, and judges the service level', async () => {
    let scrapes = 0;
    const server = http.createServer((_req, res) => {
      scrapes++;
      res.end(`# TYPE switchboard_service_level_percent gauge\nswitchboard_service_level_percent ${scrapes === 1 ? 100 : 85}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const tmp = await tempDir('metrics');
    const mediaDir = path.join(tmp.dir, 'media');
    await prepareMedia(mediaDir);
    const sw = new SippProcess(
      { label: 'switch', scenario: 'agent-answer', localHost: '127.0.0.50', sipPort: 28500, mediaPort: 28600, callLengthMs: 0, timeoutSeconds: 30 },
      tmp.dir,
      mediaDir,
    );
    await sw.start();
    try {
      const base = {
        name: 'metrics-test',
        target: { kind: 'sip', host: '127.0.0.50', port: 28500, metricsUrl: `http://127.0.0.1:${port}/metrics` },
        network: { localHost: '127.0.0.51', peerHost: '127.0.0.52', basePort: 28700 },
        rate: { start: 3, max: 3 },
        durationSeconds: 1,
        callLengthMs: 100,
        mix: [{ scenario: 'caller-ivr', weight: 1 }],
      };
      const profile = parseProfile('t', { ...base, criteria: { maxFailedPercent: 0, minServiceLevelPercent: { metric: 'switchboard_service_level_percent', min: 80 } } });
      const run = await runTrial(profile, { dir: path.join(tmp.dir, 'run'), mediaDir });
      assert.match(await readFile(path.join(tmp.dir, 'run', 'metrics-before.txt'), 'utf8'), /switchboard_service_level_percent 100/);
      assert.match(await readFile(path.join(tmp.dir, 'run', 'metrics-after.txt'), 'utf8'), /switchboard_service_level_percent 85/);
      const ok = await analyzeTrial(profile, run, 'x');
      const sl = ok.criteria.find((c) => c.name.startsWith('service level'))!;
      assert.deepEqual([sl.observed, sl.pass], ['85 %', true]);
      assert.equal(ok.verdict, 'pass', JSON.stringify(ok.criteria));

      const stricter = parseProfile('t', { ...base, criteria: { minServiceLevelPercent: { metric: 'switchboard_service_level_percent', min: 90 } } });
      assert.equal((await analyzeTrial(stricter, run, 'x')).verdict, 'fail');
      const otherMetric = parseProfile('t', { ...base, criteria: { minServiceLevelPercent: { metric: 'switchboard_sl_missing', min: 1 } } });
      const missing = (await analyzeTrial(otherMetric, run, 'x')).criteria.find((c) => c.name.startsWith('service level'))!;
      assert.deepEqual([missing.observed, missing.pass], ['not measured: /metrics has no switchboard_sl_missing', false]);
    } finally {
      sw.kill();
      server.close();
      await tmp.cleanup();
    }
  });
});
