// Switchboard wallboard: no build step. Connects to /api/realtime with an API key taken from
// the URL fragment (#key=…) or the key form, and redraws on every snapshot.
(function () {
  'use strict';
  const STATES = ['ready', 'reserved', 'busy', 'wrap-up', 'not-ready'];
  const $ = (sel) => document.querySelector(sel);
  const esc = (v) => String(v).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const fmtWait = (ms) => {
    if (ms === null || ms === undefined) return '–';
    const s = Math.max(0, Math.round(ms / 1000));
    return s < 60 ? s + ' s' : Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  };
  const pct = (v) => (v === null || v === undefined ? '–' : (Math.round(v * 10) / 10) + ' %');

  let snapshot = null;
  let receivedAt = 0;
  let retryMs = 500;

  function keyFromFragment() {
    const m = /(?:^|[#&])key=([^&]+)/.exec(location.hash);
    if (m) {
      const key = decodeURIComponent(m[1]);
      try { localStorage.setItem('switchboard.key', key); } catch (_) { /* private mode */ }
      history.replaceState(null, '', location.pathname); // do not leave the key on screen
      return key;
    }
    try { return localStorage.getItem('switchboard.key'); } catch (_) { return null; }
  }

  function setStatus(online, text) {
    const el = $('#status');
    el.className = 'status ' + (online ? 'online' : 'offline');
    el.textContent = text;
  }

  function connect(key) {
    const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/realtime');
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', key: key }));
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === 'hello') { setStatus(true, 'live'); retryMs = 500; }
      if (msg.type === 'snapshot') { snapshot = msg.snapshot; receivedAt = Date.now(); render(); }
    };
    ws.onclose = (e) => {
      if (e.code === 4401) {
        setStatus(false, 'key refused');
        try { localStorage.removeItem('switchboard.key'); } catch (_) { /* ignore */ }
        showLogin();
        return;
      }
      setStatus(false, 'reconnecting…');
      setTimeout(() => connect(key), retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    };
  }

  // Server time now (the simulator may run on a virtual clock).
  const serverNow = () => (snapshot ? snapshot.at + (Date.now() - receivedAt) : Date.now());

  function render() {
    if (!snapshot) return;
    $('#calls-active').textContent = snapshot.callsActive;
    $('#clock').textContent = new Date(serverNow()).toLocaleTimeString();
    const rows = snapshot.queues.map((q) => {
      const longest = q.oldestQueuedAt === null ? null : serverNow() - q.oldestQueuedAt;
      const slClass = q.serviceLevelPct === null ? '' : q.serviceLevelPct >= q.serviceLevelTargetPct ? 'ok' : 'bad';
      const waitClass = longest !== null && longest > q.serviceLevelThresholdSec * 1000 ? 'bad' : '';
      return '<tr data-queue="' + esc(q.queueId) + '">' +
        '<td class="name">' + esc(q.name) + '</td>' +
        '<td class="waiting">' + q.waiting + '</td>' +
        '<td class="longest ' + waitClass + '">' + fmtWait(longest) + '</td>' +
        '<td><span class="sl ' + slClass + '">' + pct(q.serviceLevelPct) + '</span> <span class="target">/ ' + q.serviceLevelTargetPct + ' %</span></td>' +
        '<td class="asa">' + (q.asaSec === null ? '–' : Math.round(q.asaSec) + ' s') + '</td>' +
        '<td class="abandon">' + pct(q.abandonRatePct) + '</td>' +
        '<td class="answered">' + q.answeredToday + '</td></tr>';
    });
    $('#queues tbody').innerHTML = rows.join('') || '<tr><td colspan="7">No queues yet</td></tr>';
    $('#agents .states').innerHTML = STATES.map((s) =>
      '<div class="state" data-state="' + s + '"><b>' + (snapshot.agents[s] || 0) + '</b><span>' + s + '</span></div>').join('');
    $('#charts .charts').innerHTML = snapshot.queues.map(chart).join('');
  }

  function chart(q) {
    const w = 420, h = 140, pad = 18;
    const n = 96; // 15-minute intervals in a day
    const dayStart = q.intervals.length ? q.intervals[0].start - (new Date(q.intervals[0].start).getUTCHours() * 4 + Math.floor(new Date(q.intervals[0].start).getUTCMinutes() / 15)) * 900000 : 0;
    const bw = (w - pad) / n;
    const y = (p) => h - pad - (p / 100) * (h - 2 * pad);
    const bars = q.intervals.map((iv) => {
      if (iv.serviceLevelPct === null) return '';
      const i = Math.round((iv.start - dayStart) / 900000);
      const cls = iv.serviceLevelPct >= q.serviceLevelTargetPct ? '#2ecc71' : '#ff5c5c';
      return '<rect class="bar" data-start="' + iv.start + '" x="' + (pad + i * bw).toFixed(1) + '" y="' + y(iv.serviceLevelPct).toFixed(1) +
        '" width="' + Math.max(1, bw - 1).toFixed(1) + '" height="' + (h - pad - y(iv.serviceLevelPct)).toFixed(1) + '" fill="' + cls + '"><title>' +
        new Date(iv.start).toISOString().slice(11, 16) + ' UTC: ' + iv.serviceLevelPct + ' % of ' + iv.offered + '</title></rect>';
    }).join('');
    const target = '<line x1="' + pad + '" x2="' + w + '" y1="' + y(q.serviceLevelTargetPct) + '" y2="' + y(q.serviceLevelTargetPct) + '" stroke="#f5b942" stroke-dasharray="4 3"/>';
    const axis = [0, 6, 12, 18].map((hh) => '<text x="' + (pad + hh * 4 * bw) + '" y="' + (h - 4) + '" fill="#8b95a7" font-size="10">' + hh + 'h</text>').join('');
    return '<div class="chart" data-queue="' + esc(q.queueId) + '"><div>' + esc(q.name) + '</div><svg width="' + w + '" height="' + h + '" role="img" aria-label="SL per interval for ' + esc(q.name) + '">' +
      '<text x="0" y="' + (y(100) + 4) + '" fill="#8b95a7" font-size="10">100</text>' + target + bars + axis + '</svg></div>';
  }

  function showLogin() {
    $('#login').hidden = false;
    $('#login').onsubmit = (e) => {
      e.preventDefault();
      const key = $('#key').value.trim();
      if (!key) return;
      try { localStorage.setItem('switchboard.key', key); } catch (_) { /* ignore */ }
      $('#login').hidden = true;
      connect(key);
    };
  }

  setInterval(render, 1000); // longest wait and clock tick between snapshots
  const key = keyFromFragment();
  if (key) connect(key); else { setStatus(false, 'no key'); showLogin(); }
})();
