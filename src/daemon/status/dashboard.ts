/**
 * The live dashboard served on `/`: one self-contained page (inline CSS and JS, no
 * external asset, so it works on an isolated management network) that polls /status every
 * second and renders the VRRP instances, their VIPs, the sync groups and the real servers.
 *
 * The script writes text only through textContent (names come from the configuration and
 * must never become markup). Rows carry data-* attributes for tests and for scraping.
 */

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .2em}h2{font-size:1.05em;margin:1.4em 0 .4em}
table{border-collapse:collapse;min-width:40em;background:#fff}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600}
.MASTER{color:#fff;background:#2e7d32}.BACKUP{background:#e3f2fd}.FAULT{color:#fff;background:#c62828}
.INIT,.STOP{background:#eee}.up{color:#2e7d32;font-weight:600}.down{color:#c62828;font-weight:600}
#meta{color:#666}#error{color:#c62828;font-weight:600}.empty{color:#888;font-style:italic}
`;

const SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
function cell(tr, text, field, cls) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (field) td.dataset.field = field;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}
function fill(tbodyId, rows, cols, emptyText) {
  const tbody = $(tbodyId);
  tbody.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(tr, emptyText, '', 'empty');
    td.colSpan = cols;
    tbody.appendChild(tr);
    return [];
  }
  return rows.map((r) => { const tr = document.createElement('tr'); tbody.appendChild(tr); return [tr, r]; });
}
function vipText(v) {
  let t = v.text + (v.isExcluded ? ' (excluded)' : '');
  if (v.isPresent === true) t += ' \\u2713'; else if (v.isPresent === false) t += ' \\u2717';
  return t;
}
function render(s) {
  const up = (s.children || []).filter((c) => c.isExpected).every((c) => c.isFresh);
  $('meta').textContent = 'keepalived-ts ' + s.parent.version + ', pid ' + s.parent.pid +
    ', updated ' + new Date(s.generatedAtMs).toLocaleTimeString() + (up ? '' : ' \\u2014 a child is not reporting');
  $('meta').dataset.up = up ? '1' : '0';
  const vrrp = s.vrrp || { instances: [], syncGroups: [] };
  for (const [tr, i] of fill('instances', vrrp.instances, 9, 'no VRRP instance')) {
    tr.dataset.instance = i.name;
    tr.dataset.state = i.state;
    cell(tr, i.name, 'name');
    cell(tr, i.state, 'state', i.state);
    cell(tr, i.interfaceName, 'interface');
    cell(tr, i.vrid, 'vrid');
    cell(tr, i.basePriority, 'basePriority');
    cell(tr, i.effectivePriority, 'effectivePriority');
    cell(tr, i.masterDownIntervalS + ' s', 'masterDown');
    cell(tr, i.vips.map(vipText).join(', '), 'vips');
    cell(tr, i.syncGroup || '', 'syncGroup');
  }
  for (const [tr, g] of fill('groups', vrrp.syncGroups, 3, 'no sync group')) {
    tr.dataset.group = g.name;
    cell(tr, g.name, 'name');
    cell(tr, g.state, 'state', g.state);
    cell(tr, g.members.join(', '), 'members');
  }
  const rows = [];
  for (const vs of (s.checker ? s.checker.virtualServers : [])) for (const rs of vs.realServers) rows.push([vs, rs]);
  for (const [tr, [vs, rs]] of fill('realservers', rows, 6, 'no real server')) {
    tr.dataset.vs = vs.text;
    tr.dataset.rs = rs.text;
    tr.dataset.alive = rs.isAlive ? '1' : '0';
    cell(tr, vs.text + (vs.isQuorumUp ? '' : ' (quorum down)'), 'vs');
    cell(tr, rs.text, 'rs');
    cell(tr, rs.isAlive ? 'up' : 'down', 'health', rs.isAlive ? 'up' : 'down');
    cell(tr, rs.weight, 'weight');
    cell(tr, rs.lastCheckLatencyS === undefined ? '' : Math.round(rs.lastCheckLatencyS * 1000) + ' ms', 'latency');
    cell(tr, rs.checks.map((c) => c.type + (c.isUp ? ' up' : ' down')).join(', '), 'checks');
  }
}
let busy = false;
async function poll() {
  if (busy) return;
  busy = true;
  try {
    const r = await fetch('status', { cache: 'no-store' });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    render(await r.json());
    $('error').textContent = '';
  } catch (e) {
    $('error').textContent = 'cannot reach the daemon: ' + (e && e.message ? e.message : e);
  } finally {
    busy = false;
  }
}
poll();
setInterval(poll, 1000);
`;

/** The Content-Security-Policy the page is served with: nothing but itself and /status. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keepalived-ts</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
<h1>keepalived-ts</h1><div id="meta">loading…</div><div id="error"></div>
<h2>VRRP instances</h2>
<table><thead><tr><th>instance</th><th>state</th><th>interface</th><th>VRID</th><th>base prio</th>
<th>effective prio</th><th>master down</th><th>VIPs</th><th>sync group</th></tr></thead>
<tbody id="instances"></tbody></table>
<h2>Sync groups</h2>
<table><thead><tr><th>group</th><th>state</th><th>members</th></tr></thead><tbody id="groups"></tbody></table>
<h2>Real servers</h2>
<table><thead><tr><th>virtual server</th><th>real server</th><th>health</th><th>weight</th>
<th>last check</th><th>checkers</th></tr></thead><tbody id="realservers"></tbody></table>
<p><a href="metrics">/metrics</a> · <a href="status">/status</a></p>
<script>${SCRIPT}</script>
</body></html>
`;
