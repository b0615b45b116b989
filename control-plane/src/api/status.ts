/** What the plain status page and /api/status show: queues, waiting interactions, agents. */
export interface StatusSnapshot {
  at: number;
  queues: Array<{ id: string; name: string; waiting: number; longestWaitMs: number; agentsReady: number; agentsBusy: number; answeredToday: number; abandonedToday: number; serviceLevelPct: number | null }>;
  waiting: Array<{ interactionId: string; queueId: string; channel: string; from: string; priority: number; waitedMs: number }>;
  agents: Array<{ id: string; name: string; state: string; reason: string | null; sinceMs: number; interactionId: string | null }>;
}

export interface StatusSource {
  statusSnapshot(): StatusSnapshot;
}

export function renderStatusPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;color:#111}
 h1{font-size:1.3rem} h2{font-size:1.05rem;margin-top:1.5rem}
 table{border-collapse:collapse;min-width:40rem} th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left}
 th{background:#f4f4f4} td.n{text-align:right;font-variant-numeric:tabular-nums}
 .muted{color:#666}
</style></head>
<body>
<h1>Switchboard status <span class="muted" id="at"></span></h1>
<p class="muted">Plain status page; refreshed every second. Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>, data: <a href="/api/status">/api/status</a>.</p>
<h2>Queues</h2>
<table id="queues"><thead><tr><th>Queue</th><th>Waiting</th><th>Longest wait</th><th>Agents ready</th><th>Agents busy</th><th>Answered today</th><th>Abandoned today</th><th>SL today</th></tr></thead><tbody></tbody></table>
<h2>Waiting</h2>
<table id="waiting"><thead><tr><th>Interaction</th><th>Queue</th><th>Channel</th><th>From</th><th>Priority</th><th>Waited</th></tr></thead><tbody></tbody></table>
<h2>Agents by state</h2>
<p id="agent-counts"></p>
<table id="agents"><thead><tr><th>Agent</th><th>State</th><th>Reason</th><th>For</th></tr></thead><tbody></tbody></table>
<script>
const fmt = (ms) => { const s = Math.round(ms / 1000); return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s'; };
const esc = (v) => String(v).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const rows = (id, list, cells) => { document.querySelector('#' + id + ' tbody').innerHTML = list.map((x) => '<tr>' + cells(x).map((c) => typeof c === 'number' ? '<td class="n">' + c + '</td>' : '<td>' + esc(c) + '</td>').join('') + '</tr>').join(''); };
// A key may be given in the address as #key=… (it never leaves the browser except to this server).
const key = new URLSearchParams(location.hash.slice(1)).get('key');
async function refresh() {
  try {
    const r = await fetch('/api/status', key ? { headers: { 'X-API-Key': key } } : {});
    if (r.status === 401 || r.status === 403) { document.getElementById('at').textContent = '(needs an API key: open this page as /#key=<your key>)'; return; }
    const s = await r.json();
    document.getElementById('at').textContent = new Date(s.at).toLocaleTimeString();
    rows('queues', s.queues, (q) => [q.name, q.waiting, fmt(q.longestWaitMs), q.agentsReady, q.agentsBusy, q.answeredToday, q.abandonedToday, q.serviceLevelPct === null ? '–' : q.serviceLevelPct.toFixed(1) + ' %']);
    rows('waiting', s.waiting, (w) => [w.interactionId.slice(0, 8), w.queueId, w.channel, w.from, w.priority, fmt(w.waitedMs)]);
    const counts = {};
    for (const a of s.agents) counts[a.state] = (counts[a.state] || 0) + 1;
    document.getElementById('agent-counts').textContent = Object.entries(counts).map(([k, v]) => k + ': ' + v).join(' · ') || 'no agents';
    rows('agents', s.agents, (a) => [a.name, a.state, a.reason || '', fmt(a.sinceMs)]);
  } catch (e) { document.getElementById('at').textContent = '(disconnected)'; }
}
refresh(); setInterval(refresh, 1000);
</script>
</body></html>`;
}
