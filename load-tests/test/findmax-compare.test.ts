/**
 * --find-max (the RFC 7501/7502 search) and the comparison mode. The search logic is
 * checked against every threshold with fast-check; one real find-max and one real
 * comparison run on loopback SIPp, the comparison with SIPp endpoints standing in for the
 * two FreeSWITCH targets. Without a configured target the comparison refuses clearly.
 */
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { ComparisonUnavailableError, compare, findMax, searchMaxRate } from '../runner/load.js';
import { prepareMedia } from '../runner/media.js';
import { parseProfile } from '../runner/profile.js';
import { SippProcess } from '../runner/sipp.js';
import { selftestProfile, tempDir } from './helpers.js';

describe('find-max search (RFC 7501/7502 method)', () => {
  it('returns the highest passing rate to within the resolution, for any breaking point', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 400 }),
        async (start, step, span, resolution, threshold) => {
          const max = start + span;
          const tried: number[] = [];
          const result = await searchMaxRate(start, step, max, resolution, async (rate) => {
            tried.push(rate);
            return rate <= threshold;
          });
          const lastGrid = start + Math.floor((max - start) / step) * step;
          if (threshold < start) assert.equal(result, null);
          else if (threshold >= lastGrid) assert.equal(result, lastGrid);
          else {
            assert.ok(result !== null && result <= threshold && result > threshold - resolution, `got ${result} for threshold ${threshold}`);
          }
          assert.ok(tried.every((r) => r >= 1 && r <= max));
        },
      ),
    );
  });
});

describe('find-max and comparison on loopback SIPp', function () {
  this.timeout(40_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('findmax');
  });
  after(async () => tmp?.cleanup());

  it('--find-max steps the rate and reports the highest passing one', async () => {
    const profile = selftestProfile({
      network: { localHost: '127.0.0.30', peerHost: '127.0.0.31', basePort: 27000 },
      rate: { start: 3, step: 3, max: 6 },
      callLengthMs: 200,
      mix: [{ scenario: 'originate', weight: 1, service: '1000', peer: 'agent-answer' }],
      criteria: { maxFailedPercent: 0, minCalls: 2 },
      findMax: { trialSeconds: 2, resolution: 1 },
    });
    const out = await findMax(profile, { outDir: path.join(tmp.dir, 'fm'), log: () => {} });
    assert.deepEqual(out.report.findMax!.steps.map((s) => [s.rate, s.verdict]), [[3, 'pass'], [6, 'pass']]);
    assert.equal(out.report.findMax!.maxPassingRate, 6);
    const md = await readFile(out.files.md, 'utf8');
    assert.match(md, /## Highest passing rate \(--find-max\)\n\n\*\*6 calls\/s\*\* — RFC 7501\/7502 style/);
    const json = JSON.parse(await readFile(out.files.json, 'utf8'));
    assert.equal(json.findMax.maxPassingRate, 6);
    assert.equal(json.rate, '6 calls/s constant');
  });

  it('refuses a comparison when no FreeSWITCH target is configured', async () => {
    const noCompare = parseProfile('t', {
      name: 'no-compare',
      target: { kind: 'sip', host: '127.0.0.1' },
      rate: { start: 1, max: 1 },
      durationSeconds: 1,
      mix: [{ scenario: 'caller-ivr', weight: 1 }],
    });
    await assert.rejects(compare(noCompare, { outDir: tmp.dir, log: () => {} }, false), (err: unknown) => {
      assert.ok(err instanceof ComparisonUnavailableError);
      assert.match(err.message, /^comparison mode needs a FreeSWITCH: profile "no-compare" must set target\.kind: sip .* and compare\.staticTarget .* No comparison was run\.$/);
      return true;
    });
    await assert.rejects(compare(selftestProfile({}), { outDir: tmp.dir, log: () => {} }, false), ComparisonUnavailableError);
  });

  it('runs the same load against both targets and reports the ratio', async () => {
    // SIPp endpoints stand in for the static-bridge FreeSWITCH and the Switchboard path.
    const mediaDir = path.join(tmp.dir, 'media');
    await prepareMedia(mediaDir);
    const standIn = (label: string, host: string, port: number) =>
      new SippProcess({ label, scenario: 'agent-answer', localHost: host, sipPort: port, mediaPort: port + 1000, callLengthMs: 0, timeoutSeconds: 30 }, path.join(tmp.dir, 'targets'), mediaDir);
    const targets = [standIn('switchboard', '127.0.0.32', 27500), standIn('static', '127.0.0.33', 27502)];
    for (const t of targets) await t.start();
    try {
      const profile = parseProfile('t', {
        name: 'compare-test',
        target: { kind: 'sip', host: '127.0.0.32', port: 27500 },
        network: { localHost: '127.0.0.34', peerHost: '127.0.0.35', basePort: 27600 },
        rate: { start: 4, max: 4 },
        durationSeconds: 2,
        callLengthMs: 200,
        mix: [{ scenario: 'caller-ivr', weight: 1 }],
        criteria: { maxFailedPercent: 0, minCalls: 2 },
        compare: { staticTarget: { host: '127.0.0.33', port: 27502 } },
      });
      const c = await compare(profile, { outDir: path.join(tmp.dir, 'cmp'), log: () => {} }, false);
      assert.equal(c.staticBridge.report.summary.verdict, 'pass');
      assert.equal(c.switchboard.report.summary.verdict, 'pass');
      assert.equal(c.figure, 'achieved calls/s');
      assert.ok(c.throughputRatio !== null && c.throughputRatio > 0.5 && c.throughputRatio < 2, `ratio ${c.throughputRatio}`);
      assert.ok(c.p99SetupRatio !== null && c.p99SetupRatio > 0.5 && c.p99SetupRatio < 2);
      assert.ok(c.staticBridge.dir.includes(`${path.sep}static-bridge${path.sep}`) && c.switchboard.dir.includes(`${path.sep}switchboard${path.sep}`));
    } finally {
      targets.forEach((t) => t.kill());
    }
  });
});
