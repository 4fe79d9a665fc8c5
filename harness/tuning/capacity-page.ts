/**
 * capacity.html: the capacity search on one self-contained page (chart.js inlined, the result
 * embedded as JSON, nothing fetched; the same shell and chart kit as index.html; its browser code
 * and CSS are harness/report/page/capacity.js and capacity.css): the knee, the
 * recommended maximum and its headroom, which check broke first above the knee, then against load
 * latency p50/p99/max, connect failures, recovery and detection after the faults, and the
 * gateway's CPU and memory per socket (local stack), and every step with a link to its report.
 */
import { chart, esc, fmtMs, fmtNum, pageShell, pill } from '../report/html.ts';
import { pageCss, pageScript } from '../report/inline.ts';
import type { CapacityResult } from './capacity-result.ts';

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
  return pageShell({
    title: `Capacity ${r.scenario.name}: ${k ? `${k.load} ${r.unit}` : 'no knee'} · chatstorm`,
    version: undefined,
    css: pageCss('base.css', 'capacity.css'),
    data: r,
    script: pageScript('capacity.js'),
    body,
  });
}
