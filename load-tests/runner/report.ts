/**
 * Writes a trial's report: summary.json (machine-readable), report.md and report.html
 * (verdict, criteria, figures, inline SVG plots of CPS, concurrent calls, failures and
 * latency percentiles over time). The raw SIPp files stay next to them, one directory per
 * process.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Distribution, TrialSummary } from './analyze.js';
import { lineChart } from './svg.js';

export interface FindMaxStep {
  rate: number;
  verdict: 'pass' | 'fail';
  failedPercent: number;
  p99SetupMs: number | null;
  dir: string;
}

export interface RunReport {
  summary: TrialSummary;
  findMax?: { maxPassingRate: number | null; steps: FindMaxStep[]; method: string };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const dist = (d: Distribution) => (d.count === 0 ? 'no samples' : `n=${d.count} p50=${d.p50} p95=${d.p95} p99=${d.p99} max=${d.max}`);

export function plots(s: TrialSummary): string[] {
  const pts = (f: (p: TrialSummary['series'][number]) => number | null) => s.series.map((p) => [p.t, f(p)] as [number, number | null]);
  return [
    lineChart('Calls per second', 'calls/s', [{ name: 'CPS', color: '#1f77b4', points: pts((p) => p.cps) }]),
    lineChart('Concurrent calls', 'calls', [{ name: 'concurrent', color: '#2ca02c', points: pts((p) => p.concurrent) }]),
    lineChart('Failed call legs', 'legs/s', [{ name: 'failures', color: '#d62728', points: pts((p) => p.failures) }]),
    lineChart('Call setup latency (INVITE → 200 OK)', 'ms', [
      { name: 'p50', color: '#9467bd', points: pts((p) => p.p50) },
      { name: 'p95', color: '#ff7f0e', points: pts((p) => p.p95) },
      { name: 'p99', color: '#d62728', points: pts((p) => p.p99) },
    ]),
  ];
}

export function renderMarkdown(r: RunReport): string {
  const s = r.summary;
  const lines: string[] = [];
  lines.push(`# Load test report: ${s.profile}`, '');
  lines.push(`**Verdict: ${s.verdict.toUpperCase()}**`, '');
  lines.push(`- Target: ${s.target}`, `- Started: ${s.startedAt}`, `- Duration: ${s.durationSeconds} s`, `- Rate: ${s.rate}`, '');
  if (r.findMax) {
    lines.push('## Highest passing rate (--find-max)', '');
    lines.push(`**${r.findMax.maxPassingRate === null ? 'none: the lowest rate already failed' : `${r.findMax.maxPassingRate} calls/s`}** — ${r.findMax.method}`, '');
    lines.push('| rate (calls/s) | verdict | failed legs % | p99 setup ms | files |', '|---:|---|---:|---:|---|');
    for (const st of r.findMax.steps) lines.push(`| ${st.rate} | ${st.verdict} | ${st.failedPercent} | ${st.p99SetupMs ?? '–'} | ${st.dir} |`);
    lines.push('', 'The figures below are those of the highest passing trial (or the first trial if none passed).', '');
  }
  lines.push('## Pass criteria', '', '| criterion | limit | observed | result |', '|---|---|---|---|');
  for (const c of s.criteria) lines.push(`| ${c.name} | ${c.limit} | ${c.observed.replace(/\|/g, '\\|')} | ${c.pass ? 'pass' : '**FAIL**'} |`);
  const t = s.totals;
  lines.push('', '## Figures', '');
  lines.push(`- Calls originated: ${t.callsOriginated}, successful: ${t.callsSuccessful}`);
  lines.push(`- Call legs (all SIPp processes): ${t.legs}, failed: ${t.failedLegs} (${t.failedPercent} %)`);
  lines.push(`- Achieved rate: ${t.achievedCps} calls/s; peak ${t.peakCps} calls/s; peak concurrent calls ${t.peakConcurrent}`);
  lines.push(`- Call setup ms: ${dist(s.setupMs)}`);
  lines.push(`- Time to agent ms (caller INVITE → agent INVITE): ${dist(s.timeToAgentMs)}`);
  lines.push(`- Agent answer → ACK ms (answered → bridged): ${dist(s.agentAnswerToAckMs)}`);
  if (s.metrics) lines.push(`- Control plane /metrics: ${s.metrics.serviceLevelPercent !== undefined ? `service level ${s.metrics.serviceLevelPercent} %` : ''}${s.metrics.error ? ` (${s.metrics.error})` : ''}`);
  lines.push('', '## SIPp processes', '', '| process | scenario | created | successful | failed | failure reasons | retransmissions | problem |', '|---|---|---:|---:|---:|---|---:|---|');
  for (const p of s.processes) {
    const reasons = Object.entries(p.failureReasons).map(([k, v]) => `${k}: ${v}`).join(', ') || '–';
    lines.push(`| ${p.label} | ${p.scenario} | ${p.created} | ${p.successful} | ${p.failed} | ${reasons} | ${p.retransmissions} | ${p.problem ?? '–'} |`);
  }
  lines.push('', 'Raw files: one directory per process (stat.csv = -trace_stat, scenario_<pid>_rtt.csv = -trace_rtt, scenario_<pid>_counts.csv, errors.log, logs.log); commands.txt has the exact command lines. Plots: report.html.', '');
  return lines.join('\n');
}

export function renderHtml(r: RunReport): string {
  const s = r.summary;
  const color = s.verdict === 'pass' ? '#2ca02c' : '#d62728';
  const table = (head: string[], rows: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  const parts = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Load test report: ',
    esc(s.profile),
    '</title><style>body{font-family:sans-serif;max-width:980px;margin:1em auto;padding:0 1em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}.verdict{font-size:1.6em;font-weight:bold}svg{display:block;margin:1em 0}</style></head><body>',
    `<h1>Load test report: ${esc(s.profile)}</h1>`,
    `<p class="verdict" style="color:${color}">Verdict: ${s.verdict.toUpperCase()}</p>`,
    `<p>Target: ${esc(s.target)}<br>Started: ${esc(s.startedAt)}<br>Duration: ${s.durationSeconds} s<br>Rate: ${esc(s.rate)}</p>`,
  ];
  if (r.findMax) {
    parts.push(`<h2>Highest passing rate</h2><p><b>${r.findMax.maxPassingRate ?? 'none'} calls/s</b> — ${esc(r.findMax.method)}</p>`);
    parts.push(table(['rate (calls/s)', 'verdict', 'failed legs %', 'p99 setup ms'], r.findMax.steps.map((x) => [String(x.rate), x.verdict, String(x.failedPercent), String(x.p99SetupMs ?? '–')])));
  }
  parts.push('<h2>Pass criteria</h2>', table(['criterion', 'limit', 'observed', 'result'], s.criteria.map((c) => [c.name, c.limit, c.observed, c.pass ? 'pass' : 'FAIL'])));
  parts.push('<h2>Plots</h2>', ...plots(s));
  parts.push(
    '<h2>Figures</h2>',
    table(
      ['figure', 'value'],
      [
        ['calls originated / successful', `${s.totals.callsOriginated} / ${s.totals.callsSuccessful}`],
        ['failed call legs', `${s.totals.failedLegs} of ${s.totals.legs} (${s.totals.failedPercent} %)`],
        ['achieved / peak calls per second', `${s.totals.achievedCps} / ${s.totals.peakCps}`],
        ['peak concurrent calls', String(s.totals.peakConcurrent)],
        ['call setup ms', dist(s.setupMs)],
        ['time to agent ms', dist(s.timeToAgentMs)],
        ['agent answer → ACK ms', dist(s.agentAnswerToAckMs)],
      ],
    ),
  );
  parts.push(
    '<h2>SIPp processes</h2>',
    table(
      ['process', 'scenario', 'created', 'successful', 'failed', 'failure reasons', 'problem'],
      s.processes.map((p) => [p.label, p.scenario, String(p.created), String(p.successful), String(p.failed), Object.entries(p.failureReasons).map(([k, v]) => `${k}: ${v}`).join(', ') || '–', p.problem ?? '–']),
    ),
    '</body></html>',
  );
  return parts.join('');
}

export async function writeReport(dir: string, r: RunReport): Promise<{ json: string; md: string; html: string }> {
  const json = path.join(dir, 'summary.json');
  const md = path.join(dir, 'report.md');
  const html = path.join(dir, 'report.html');
  await writeFile(json, JSON.stringify({ ...r.summary, ...(r.findMax ? { findMax: r.findMax } : {}) }, null, 2) + '\n');
  await writeFile(md, renderMarkdown(r));
  await writeFile(html, renderHtml(r));
  return { json, md, html };
}
