/**
 * capacity.html: the capacity search on one self-contained page (chart.js inlined, the result
 * embedded as JSON, nothing fetched; the same shell and chart kit as index.html): the knee, the
 * recommended maximum and its headroom, which check broke first above the knee, then against load
 * latency p50/p99/max, connect failures, recovery and detection after the faults, and the
 * gateway's CPU and memory per socket (local stack), and every step with a link to its report.
 */
import { BASE_CSS, chart, esc, fmtMs, fmtNum, pageScript, pageShell, pill } from '../report/html.ts';
import type { CapacityResult } from './capacity-result.ts';

const CSS = `
.cap-hero{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 16px}
.cap-figures{display:flex;flex-wrap:wrap;gap:12px;margin-top:10px}
.cap-figure{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:200px}
.cap-figure b{font-size:24px;display:block}
.stop-instrument-limit,.stop-run-error,.stop-failed-at-start{color:var(--fail);font-weight:700}
td.outcome-fail,td.outcome-instrument,td.outcome-error{color:var(--fail);font-weight:700}
`;

const SCRIPT = String.raw`
  if (!chartsReady()) return;
  var R = DATA || {};
  var steps = arr(R.steps).filter(function (s) { return s && isNum(s.load); }).slice().sort(function (a, b) { return a.load - b.load; });
  var unit = R.unit || 'load';
  var COLOR = { pass: '#15803d', fail: '#c81e1e', instrument: '#b45309', error: '#7e22ce', interrupted: '#64748b' };
  function pts(get) {
    return steps.map(function (s) { var f = s.figures || {}; var v = get(f); return { x: s.load, y: isNum(v) ? v : null }; });
  }
  function pointColors() { return steps.map(function (s) { return COLOR[s.outcome] || '#64748b'; }); }
  function loadChart(id, datasets, yTitle, opts) {
    opts = opts || {};
    var y = { type: opts.log && positiveOnly(datasets) ? 'logarithmic' : 'linear', title: { display: true, text: yTitle } };
    if (y.type === 'linear') y.beginAtZero = true; else y.ticks = logTicks();
    var scales = { x: { type: 'linear', title: { display: true, text: unit + ' (point colour: the step\'s outcome)' } }, y: y };
    if (opts.y2) scales.y2 = { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: opts.y2 } };
    draw(id, { type: 'line', data: { datasets: datasets }, options: { interaction: { mode: 'nearest', axis: 'x', intersect: false }, scales: scales,
      plugins: { legend: { position: 'top', align: 'end' }, tooltip: { callbacks: { title: function (items) { return items.length ? items[0].parsed.x + ' ' + unit : ''; } } } } } });
  }
  function series(label, color, get, extra) {
    var d = line(label, color, pts(get), { pointRadius: 4, pointBackgroundColor: pointColors(), pointBorderColor: color, borderWidth: 2, spanGaps: true });
    if (extra) for (var k in extra) d[k] = extra[k];
    return d;
  }
  loadChart('chart-cap-latency', [
    series('p50', PALETTE[0], function (f) { return (f.latency || {}).p50; }),
    series('p99', PALETTE[2], function (f) { return (f.latency || {}).p99; }),
    series('max', PALETTE[7], function (f) { return (f.latency || {}).max; })
  ], 'delivery latency, steady state (ms)', { log: true });
  loadChart('chart-cap-failures', [series('failed connect attempts', PALETTE[7], function (f) { return f.connectFailures; })], 'failed connect attempts');
  loadChart('chart-cap-recovery', [
    series('recovery p99 (worst fault)', PALETTE[3], function (f) { return f.recoveryP99; }),
    series('detect max (worst fault)', PALETTE[5], function (f) { return f.detectMax; })
  ], 'ms after the fault');
  loadChart('chart-cap-gateway', [
    series('gateway CPU per 1,000 sockets (% of a core)', PALETTE[0], function (f) { return f.gateway ? f.gateway.cpuPer1kSockets * 100 : null; }),
    series('gateway memory per socket (KB)', PALETTE[4], function (f) { return f.gateway ? f.gateway.rssKbPerSocket : null; }, { yAxisID: 'y2' })
  ], '% of a core per 1,000 sockets', { y2: 'KB resident per socket' });
`;

function stepRow(s: CapacityResult['steps'][number], unit: string): string {
  const f = s.figures;
  const g = f?.gateway;
  return `<tr><td class="num">${s.n}</td><td>${esc(s.phase)}</td><td class="num"><b>${esc(fmtNum(s.load))}</b> ${esc(unit)}</td><td class="outcome-${esc(s.outcome)}">${esc(s.outcome)}</td><td>${f ? pill(f.verdict) : '—'}</td><td class="num">${fmtMs(f?.latency.p50)}</td><td class="num">${fmtMs(f?.latency.p99)}</td><td class="num">${fmtMs(f?.latency.max)}</td><td class="num">${esc(fmtNum(f?.connectFailures))}</td><td class="num">${fmtMs(f?.recoveryP99, f?.notRecovered ? '<b class="ko">never</b>' : '—')}</td><td class="num">${esc(fmtNum(f?.stormPeak))}</td><td class="num">${g ? `${esc(fmtNum(Math.round(g.cpuMean * 100)))} % / ${esc(fmtNum(g.rssMaxMb))} MB` : '—'}</td><td>${esc(f?.brokeFirst ? `${f.brokeFirst.check}${f.breaches.length ? `: ${f.breaches.join('; ')}` : ''}` : '')}</td><td><a href="${esc(`steps/${s.runDir.split(/[\\/]/).pop()}/index.html`)}">report</a></td></tr>`;
}

export function renderCapacityPage(r: CapacityResult): string {
  const k = r.knee;
  const above = k?.brokeAbove;
  const body = `<header class="cap-hero">
  <h1>Capacity · ${esc(r.scenario.name)}${r.scenario.profile ? ` <span class="muted">(${esc(r.scenario.profile)})</span>` : ''}</h1>
  <p class="desc stop-${esc(r.stop.reason)}">${esc(r.stop.message)}</p>
  <div class="cap-figures">
    <div class="cap-figure"><span class="muted">knee: highest load that passed</span><b>${k ? `${esc(fmtNum(k.load))} ${esc(r.unit)}` : 'none'}</b></div>
    <div class="cap-figure"><span class="muted">recommended maximum</span><b>${r.recommended ? `${esc(fmtNum(r.recommended.load))} ${esc(r.unit)}` : '—'}</b><span class="muted">${esc(r.recommended?.note ?? '')}</span></div>
    <div class="cap-figure"><span class="muted">broke first above the knee</span><b>${esc(above?.check ?? '—')}</b><span class="muted">${esc(above ? `at ${fmtNum(above.load)} ${r.unit}: ${above.breaches.join('; ') || above.why || ''}` : '')}</span></div>
  </div>
  <p class="muted">Varied: ${esc(r.vary)} from ${esc(fmtNum(r.search.from))} to ${esc(fmtNum(r.search.to))}, ×${esc(r.search.factor)} per step, bisected to ${esc(r.search.resolution)}; seed ${esc(r.seed)}; every step a full run of the scenario with its faults.</p>
</header>
<section class="card" id="charts">
  <h2>Against load</h2>
  <div class="charts">
    ${chart('chart-cap-latency', 'cap-latency', 'Delivery latency p50 / p99 / max', '(ms, steady state)')}
    ${chart('chart-cap-failures', 'cap-failures', 'Connect failures', '(failed attempts over the run)')}
    ${chart('chart-cap-recovery', 'cap-recovery', 'Recovery and detection after the fault', '(ms; worst fault of the step)')}
    ${chart('chart-cap-gateway', 'cap-gateway', 'Gateway CPU and memory per socket', '(local stack only)')}
  </div>
</section>
<section class="card" id="steps">
  <h2>Steps</h2>
  <div class="scroll"><table class="data"><thead><tr><th class="num">#</th><th>phase</th><th class="num">load</th><th>outcome</th><th>verdict</th><th class="num">p50</th><th class="num">p99</th><th class="num">max</th><th class="num">connect failures</th><th class="num">recovery p99</th><th class="num">storm peak /s</th><th class="num">gateway CPU mean / RSS max</th><th>broke first</th><th>run</th></tr></thead>
  <tbody>${r.steps.map((s) => stepRow(s, r.unit)).join('')}</tbody></table></div>
</section>
<footer>chatstorm capacity · self-contained: the whole result (capacity.json) is embedded in this file (script #chatstorm-data)</footer>`;
  return pageShell({ title: `Capacity ${r.scenario.name}: ${k ? `${k.load} ${r.unit}` : 'no knee'} · chatstorm`, version: undefined, css: BASE_CSS + CSS, data: r, script: pageScript(SCRIPT), body });
}
