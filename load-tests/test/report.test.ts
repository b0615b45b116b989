/**
 * The runner end to end on real SIPp output: the CLI runs a short selftest, and the CSV
 * parsing, the report (Markdown, HTML with SVG plots, summary JSON, raw CSVs) and the
 * key=value last line are checked against what SIPp actually wrote.
 */
import { strict as assert } from 'node:assert';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { main } from '../runner/cli.js';
import { parseCountsCsv, parseLoadLog, parseRttCsv, parseStatCsv, percentile, sippDurationMs, sippEpoch } from '../runner/parse.js';
import { countMessages, tempDir } from './helpers.js';

const PROFILE = `
name: report-test
target: { kind: selftest }
network: { localHost: 127.0.0.20, peerHost: 127.0.0.21, basePort: 24000 }
rate: { start: 4, step: 4, stepSeconds: 1, max: 8 }
durationSeconds: 3
callLengthMs: 300
mix:
  - { scenario: caller-ivr, weight: 3 }
  - { scenario: originate, weight: 1, service: "1003", peer: agent-rona }
criteria:
  maxFailedPercent: 0
  p99SetupMs: 2000
  p99TimeToAgentMs: 200
  minCalls: 5
`;

async function captureMain(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (m: string) => out.push(String(m));
  console.error = (m: string) => err.push(String(m));
  try {
    return { code: await main(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('load runner report on real SIPp output', function () {
  this.timeout(30_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let result: Awaited<ReturnType<typeof captureMain>>;
  let runDir: string;

  before(async () => {
    tmp = await tempDir('report');
    const file = path.join(tmp.dir, 'report-test.yaml');
    await writeFile(file, PROFILE);
    result = await captureMain(['--profile', file, '--out', path.join(tmp.dir, 'out')]);
    runDir = path.join(tmp.dir, 'out', 'run');
  });
  after(async () => tmp?.cleanup());

  it('passes and ends with a machine-readable key=value line', () => {
    assert.equal(result.code, 0, [...result.out, ...result.err].join('\n'));
    const last = result.out[result.out.length - 1]!;
    assert.match(last, /^verdict=pass calls=\d+ failed_legs_pct=0 achieved_cps=[\d.]+ p99_setup_ms=[\d.]+ p99_time_to_agent_ms=[\d.]+ report=\S+$/);
    const calls = Number(/calls=(\d+)/.exec(last)![1]);
    assert.ok(calls >= 5 && calls <= 40, `calls=${calls}`);
  });

  it('parses the statistics CSV SIPp wrote', async () => {
    const rows = parseStatCsv(await readFile(path.join(runDir, 'uac-1-caller-ivr', 'stat.csv'), 'utf8'));
    assert.ok(rows.length >= 3, 'one row per second plus the final one');
    const last = rows[rows.length - 1]!;
    assert.ok(Number(last.values['TotalCallCreated']) >= 3);
    assert.equal(last.values['FailedCall(C)'], '0');
    assert.ok(last.time >= last.start && last.time - last.start < 30);
    assert.ok(sippDurationMs(last.values['CallLength(C)']!) >= 300 + 1000, 'call length covers greeting, DTMF and talk');
  });

  it('parses the response-time, counts and log files SIPp wrote', async () => {
    const files = await readdir(path.join(runDir, 'uac-1-caller-ivr'));
    const rttFile = files.find((f) => f.endsWith('_rtt.csv'))!;
    const rtt = parseRttCsv(await readFile(path.join(runDir, 'uac-1-caller-ivr', rttFile), 'utf8'));
    assert.ok(rtt.length >= 3);
    assert.ok(rtt.every((s) => s.timer === 'setup' && s.valueMs >= 290 && s.valueMs < 2000), JSON.stringify(rtt.slice(0, 3)));
    const counts = parseCountsCsv(await readFile(path.join(runDir, 'uac-1-caller-ivr', files.find((f) => f.endsWith('_counts.csv'))!), 'utf8'));
    assert.equal(countMessages(counts, /_INVITE_Sent$/), rtt.length, 'one setup time per INVITE');
    const events = parseLoadLog(await readFile(path.join(runDir, 'peer-1-agent-answer', 'logs.log'), 'utf8'));
    assert.deepEqual([...new Set(events.map((e) => e.event))].sort(), ['ack_recv', 'answered', 'invite_recv']);
  });

  it('writes summary.json with the verdict, criteria, totals and per-second series', async () => {
    const s = JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8'));
    assert.equal(s.verdict, 'pass');
    assert.deepEqual(
      s.criteria.map((c: { name: string }) => c.name),
      ['calls placed', 'failed call legs', 'SIPp processes ended cleanly', 'p99 call setup (INVITE → 200 OK)', 'p99 time to agent (caller INVITE → agent INVITE)'],
    );
    assert.ok(s.series.length >= 3);
    assert.ok(s.series.some((p: { cps: number }) => p.cps > 0));
    assert.ok(s.series.some((p: { concurrent: number }) => p.concurrent > 0));
    assert.equal(s.rate, 'ramp 4 → 8 calls/s, +4 every 1 s');
    const rona = s.processes.find((p: { label: string }) => p.label === 'uac-2-originate');
    assert.equal(countMessages(rona.messageCounts, /_CANCEL_Sent$/), rona.created, 'every RONA offer was cancelled');
  });

  it('writes the Markdown and HTML reports with the verdict and four SVG plots', async () => {
    const md = await readFile(path.join(runDir, 'report.md'), 'utf8');
    assert.match(md, /\*\*Verdict: PASS\*\*/);
    assert.match(md, /\| failed call legs \| ≤ 0 % \| 0 % \(0 of \d+\) \| pass \|/);
    const html = await readFile(path.join(runDir, 'report.html'), 'utf8');
    assert.match(html, /Verdict: PASS/);
    assert.equal(html.match(/<svg /g)?.length, 4);
    for (const title of ['Calls per second', 'Concurrent calls', 'Failed call legs', 'Call setup latency']) assert.ok(html.includes(title), title);
    assert.match(html, /<path d="M[\d.]+,[\d.]+L/, 'at least one plotted line');
    const commands = await readFile(path.join(runDir, 'commands.txt'), 'utf8');
    assert.match(commands, /-trace_stat -stf stat\.csv/);
    assert.match(commands, / -m \d+/);
    assert.match(commands, / -timeout \d+s/);
  });
});

describe('SIPp output parsing', () => {
  it('reads SIPp timestamps and durations', () => {
    assert.equal(sippEpoch('2026-11-21\t22:45:39.715305\t1795301139.715305'), 1795301139.715305);
    assert.equal(sippDurationMs('00:00:03:223000'), 3223);
    assert.equal(sippDurationMs('01:02:03:004000'), 3723004);
    assert.throws(() => parseStatCsv('a;b\n1;2\n'), /not a SIPp -trace_stat file/);
    assert.throws(() => parseRttCsv('x;y\n'), /not a SIPp -trace_rtt file/);
  });

  it('nearest-rank percentiles lie within the data and are monotone in p', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const p50 = percentile(values, 50);
        const p99 = percentile(values, 99);
        assert.ok(values.includes(p50) && values.includes(p99));
        assert.ok(p50 <= p99);
        assert.equal(percentile(values, 100), Math.max(...values));
      }),
    );
    assert.ok(Number.isNaN(percentile([], 99)));
  });
});
