/**
 * index.html: one self-contained page per run. Everything it needs travels inside it — chart.js
 * (inlined from node_modules), the summary (as JSON in a non-executed script element) and the CSS —
 * so it can be opened from a CI artifact, an e-mail or a laptop without a network, and fetches
 * nothing. The static parts (verdict, tables) are rendered here, escaped; the charts and the
 * example tables are drawn in the browser from the embedded JSON, so the evidence, the bulk of
 * the data, is in the file exactly once.
 *
 * compare.html is built from the same parts, exported here: the page shell (CSP, inlined chart.js,
 * embedded JSON), the CSS, the formatting helpers and the chart kit (fault bands, time axis,
 * percentile axis, threshold lines, the drawn marker the browser test waits for).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CheckResult, FaultResilience, LatencySummary, Verdict } from '../oracle/types.ts';
import type { Summary } from './summary.ts';
import type { ReconnectStorm } from '../metrics/reconnect-storm.ts';
import { PROTOCOLS } from '../protocol/index.ts';

let chartJsSource: string | undefined;

/**
 * The UMD build of chart.js, read once per process. The package's "require" entry resolves to
 * dist/chart.cjs; the UMD builds sit beside it.
 */
export function chartJs(): string {
  if (chartJsSource !== undefined) return chartJsSource;
  const entry = createRequire(import.meta.url).resolve('chart.js');
  const dir = dirname(entry);
  for (const name of ['chart.umd.js', 'chart.umd.min.js']) {
    const file = join(dir, name);
    if (existsSync(file)) {
      // Inline script text ends at the first "</script"; chart.js has none today, but a later
      // version must not be able to cut the page in two. "<\/" means "</" in strings and regexes.
      chartJsSource = readFileSync(file, 'utf8').replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
      return chartJsSource;
    }
  }
  throw new Error(`chart.js UMD build not found: looked for chart.umd.js and chart.umd.min.js in ${dir} (resolved from ${entry})`);
}

/** JSON that can sit inside a script element: no "<" survives, so nothing in the data can close it. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function fmtNum(v: number | null | undefined): string {
  return isNum(v) ? numberFormat.format(v) : '—';
}

/** A latency or delay in ms, with precision that fits its size. */
export function fmtMs(v: number | null | undefined, none = '—'): string {
  if (!isNum(v)) return none;
  if (Math.abs(v) >= 10_000) return `${numberFormat.format(Math.round(v / 100) / 10)} s`;
  if (Math.abs(v) >= 100) return `${numberFormat.format(Math.round(v))} ms`;
  if (Math.abs(v) >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

/** A configured duration in ms, as a person would write it. */
export function fmtDuration(ms: number | null | undefined): string {
  if (!isNum(ms)) return '—';
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${numberFormat.format(ms / 1000)} s`;
  return `${numberFormat.format(ms)} ms`;
}

/** Seconds since run start. */
export function fmtAt(s: number | null | undefined): string {
  return isNum(s) ? `${numberFormat.format(Math.round(s * 1000) / 1000)} s` : '—';
}

export const VERDICT_LABEL: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', error: 'ERROR' };

export function verdictClass(v: string): string {
  return v in VERDICT_LABEL ? `v-${v}` : 'v-error';
}

export function pill(v: string): string {
  return `<span class="pill ${verdictClass(v)}">${esc(v)}</span>`;
}

/**
 * The close codes a browser can produce, and those of every protocol codec (harness/protocol),
 * for the reader who does not know them by heart.
 */
export const CLOSE_CODES: Record<string, string> = {
  '1000': 'normal closure',
  '1001': 'going away',
  '1002': 'protocol error',
  '1005': 'no status',
  '1006': 'abnormal: no close frame (network)',
  '1008': 'policy violation',
  '1009': 'message too big',
  '1011': 'server error',
  '1012': 'service restart',
  '1013': 'try again later',
  ...Object.assign({}, ...Object.values(PROTOCOLS).map((p) => p.closeLabels)),
};

function entries(rec: Record<string, number> | null | undefined): [string, number][] {
  return Object.entries(rec ?? {});
}

function countsList(counts: Record<string, number> | null | undefined): string {
  const e = entries(counts);
  if (!e.length) return '';
  return `<dl class="counts">${e.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(fmtNum(v))}</dd></div>`).join('')}</dl>`;
}

function policyText(s: Summary): string {
  const p = s.policy;
  if (!p) return '—';
  const b = p.backoff;
  const parts = [
    `connect timeout ${fmtDuration(p.connectTimeoutMs)}`,
    b ? `backoff ${fmtDuration(b.initialMs)} × ${esc(b.multiplier)} up to ${fmtDuration(b.maxMs)}, jitter ${esc(b.jitter)}` : 'backoff —',
    `max ${esc(p.maxAttempts)} attempts${p.resetOnOpen ? ' (reset on open)' : ' (no reset on open)'}`,
    p.heartbeat ? `heartbeat every ${fmtDuration(p.heartbeat.intervalMs)}, dead after ${fmtDuration(p.heartbeat.deadAfterMs)}` : 'heartbeat off',
    p.ackTimeoutMs != null ? `ack timeout ${fmtDuration(p.ackTimeoutMs)}` : 'ack timeout off',
    `resume ${p.resume ? 'on' : 'off'}`,
  ];
  return parts.map((x) => `<span class="item">${x}</span>`).join('');
}

function metaRow(label: string, html: string): string {
  return `<div><dt>${esc(label)}</dt><dd>${html}</dd></div>`;
}

function renderHeader(s: Summary): string {
  const verdict = String(s.verdict);
  const failed = s.failedChecks ?? [];
  const versions = Object.entries(s.target?.versions ?? {})
    .map(([k, v]) => `<span class="item"><b>${esc(k)}</b> ${esc(v)}</span>`)
    .join('');
  const plannedFaults = (s.faults ?? [])
    .map((f) => `<span class="item"><b>${esc(f.id)}</b> ${esc(f.type)} at traffic +${fmtDuration(f.atMs)} for ${fmtDuration(f.durationMs)}</span>`)
    .join('');
  const thresholds = Object.entries(s.thresholds ?? {})
    .map(([metric, exprs]) => `<span class="item"><b>${esc(metric)}</b> ${(exprs ?? []).map((e) => `<code>${esc(e)}</code>`).join(' ')}</span>`)
    .join('');
  const ph = s.phases;
  const phases = ph
    ? `connected ${fmtAt(ph.connected)} · traffic ${fmtAt(ph.trafficStart)}–${fmtAt(ph.trafficEnd)} · drained ${fmtAt(ph.drained)}${s.drainComplete ? '' : ' <b class="warn">(drain incomplete)</b>'} · end ${fmtAt(ph.end)}`
    : '—';
  const interrupted = s.interrupted
    ? `<div class="alert alert-strong" role="alert"><b>Interrupted.</b> The run was stopped early (${esc(s.interruptedBy ?? 'Ctrl-C or SIGTERM')}); the checks judge only what was recorded until then, and none can pass.</div>`
    : '';
  const remote = s.remoteTarget ? `<div class="alert" role="note"><b>Remote target.</b> ${esc(s.remoteTarget)} is not on this machine; allowed with --allow-remote.</div>` : '';
  const refused = s.httpRefusals ? `<div class="alert alert-error" role="alert"><b>Upgrades refused with an HTTP status:</b> ${Object.entries(s.httpRefusals).map(([st, n]) => `HTTP ${esc(st)} ×${esc(n)}`).join(', ')}</div>` : '';
  const runtime = (s.runtimeErrors ?? []).length
    ? `<div class="alert alert-error" role="alert"><b>Runtime errors</b> — the run itself broke:<ul>${s.runtimeErrors
        .map((e) => `<li><code>${esc(e.code)}</code> ${esc(e.message)}</li>`)
        .join('')}</ul></div>`
    : '';
  return `<header class="hero ${verdictClass(verdict)}">
  <div class="badge" aria-label="verdict">${esc(VERDICT_LABEL[verdict as Verdict] ?? verdict.toUpperCase())}</div>
  <div class="hero-main">
    <h1>${esc(s.scenario?.name)}</h1>
    <p class="desc">${esc(s.scenario?.description)}</p>
    <p class="failed">${failed.length
      ? `Checks not passed: ${failed.map((n) => `<span class="chip">${esc(n)}</span>`).join(' ')}`
      : 'Every check passed.'}</p>
  </div>
  <div class="exit"><span>exit code</span><b>${esc(s.exitCode)}</b></div>
</header>
${interrupted}${remote}${runtime}${refused}
<section class="card meta">
  <dl class="meta-grid">
    ${metaRow('Target', `<span class="item"><b>${esc(s.target?.provider)}</b> via proxy <code>${esc(s.target?.gatewayUrl)}</code></span><span class="item">direct <code>${esc(s.target?.directUrl)}</code></span><span class="item">protocol <b>${esc(s.protocol ?? 'chat-v1')}</b></span>`)}
    ${metaRow('Versions', versions || '—')}
    ${metaRow('Client policy', policyText(s))}
    ${metaRow('Load', `${fmtNum(s.clients)} clients in ${fmtNum(s.chats)} chats of ${fmtNum(s.chatSize)} · seed ${esc(s.seed)}`)}
    ${metaRow('Duration', `${fmtAt(s.durationSeconds)} · ${phases}`)}
    ${metaRow('Faults planned', plannedFaults || 'none')}
    ${metaRow('Thresholds', thresholds || 'none')}
    ${metaRow('Run', `<code>${esc(s.runId)}</code> · started ${esc(s.startedAt)} · <code>${esc(s.scenario?.file)}</code>${s.scenario?.profile ? ` · profile <b>${esc(s.scenario.profile)}</b>` : ''}`)}
    ${metaRow('Tool', `${esc(s.tool?.name)} ${esc(s.tool?.version)} on node ${esc(s.tool?.node)} · summary schema ${esc(s.schemaVersion)}`)}
  </dl>
</section>`;
}

function thresholdTable(c: CheckResult): string {
  const ts = c.thresholds ?? [];
  if (!ts.length) return '';
  return `<table class="mini"><thead><tr><th>metric</th><th>expression</th><th class="num">observed</th><th class="num">limit</th><th class="num">headroom</th><th>window</th><th></th></tr></thead><tbody>${ts
    .map(
      (t) =>
        `<tr class="${t.ok ? '' : 'bad'}"><td>${esc(t.metric)}</td><td><code>${esc(t.expression)}</code></td><td class="num">${esc(fmtNum(t.observed))}</td><td class="num">${esc(fmtNum(t.limit))}</td><td class="num">${esc(fmtNum(t.headroom))}</td><td>${esc(t.window)}</td><td>${t.ok ? '<span class="ok">ok</span>' : '<span class="ko">breached</span>'}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function renderChecks(s: Summary): string {
  const checks = s.checks ?? [];
  const rows = checks
    .map((c, i) => {
      const breach = isNum(c.firstBreachAt) ? `<b class="ko">${fmtAt(c.firstBreachAt)}</b>` : '<span class="muted">—</span>';
      const main = `<tr class="check ${verdictClass(c.verdict)}" id="check-${esc(c.name)}"><th scope="row">${esc(c.name)}</th><td>${pill(c.verdict)}</td><td><p class="sentence">${esc(c.summary)}</p>${countsList(c.counts)}${thresholdTable(c)}</td><td class="num breach" title="seconds since the run started">${breach}</td></tr>`;
      if (c.verdict === 'pass') return main;
      const n = (c.examples ?? []).length;
      // Filled in by the page script from the embedded JSON: the examples are stored once.
      const ex = n
        ? `<div class="examples" data-examples="${i}"><noscript>${n} example(s) are in the embedded data (script #chatstorm-data); enable scripts to list them.</noscript></div>`
        : `<p class="muted">No examples recorded.</p>`;
      return `${main}<tr class="examples-row ${verdictClass(c.verdict)}"><td></td><td colspan="3"><p class="ex-title">Evidence: ${n} example${n === 1 ? '' : 's'}</p>${ex}</td></tr>`;
    })
    .join('\n');
  return `<section class="card" id="checks">
  <h2>Checks</h2>
  ${checks.length ? `<table class="checks"><thead><tr><th>check</th><th>verdict</th><th>what was found</th><th class="num">first breach</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No checks were run.</p>'}
</section>`;
}

/** A chart's figure: caption and canvas; the page script draws into the canvas by its id. */
export function chart(id: string, kind: string, title: string, note = '', tall = false, wide = false): string {
  return `<figure class="chart${wide ? ' wide' : ''}"><figcaption>${esc(title)}${note ? ` <span class="muted">${note}</span>` : ''}</figcaption><div class="canvas-box${tall ? ' tall' : ''}"><canvas id="${id}" data-chart="${kind}" role="img" aria-label="${esc(title)}"></canvas></div></figure>`;
}

function faultLegend(s: Summary): string {
  const fs = s.metrics?.faults ?? [];
  const bands = fs.length
    ? `Red bands: ${fs.map((f) => `${esc(f.id)} ${fmtAt(f.start)}–${fmtAt(f.end)}`).join(', ')}.`
    : 'No fault windows.';
  const steady = (s.metrics?.steadyWindows ?? []).length
    ? ` Green rule under the plot: steady-state windows (${(s.metrics?.steadyWindows ?? []).map(([a, b]) => `${fmtAt(a)}–${fmtAt(b)}`).join(', ')}) in which latency thresholds are judged.`
    : ' No steady-state window.';
  return `<p class="legend-note">${bands}${steady}</p>`;
}

function renderTimeline(s: Summary): string {
  return `<section class="card" id="timeline">
  <h2>Timeline</h2>
  ${faultLegend(s)}
  <div class="charts">
    ${chart('chart-sockets', 'sockets', 'Open and connecting sockets')}
    ${chart('chart-attempts', 'attempts', 'Connect attempts and failures per second', '(line: attempts; bars: failed attempts by reason)')}
    ${chart('chart-closes', 'closes', 'Open sockets closed per second, by close code')}
    ${chart('chart-messages', 'messages', 'Messages sent and received per second')}
    ${chart('chart-latency-series', 'latency-series', 'Delivery latency per second', '(ms; p50, p95, p99, max of the messages received in each second)', false, true)}
  </div>
</section>`;
}

function resilienceRow(f: FaultResilience, withError: boolean): string {
  const never = '<b class="ko">never</b>';
  const d = f.delivery;
  const bad = (v: number | null | undefined) => `<td class="num${isNum(v) && v > 0 ? ' ko' : ''}">${d ? fmtNum(v) : '—'}</td>`;
  return `<tr><th scope="row">${esc(f.id)}</th><td>${esc(f.type)}</td><td class="num">${fmtAt(f.start)}–${fmtAt(f.end)}</td><td class="num">${fmtNum(f.affected)}</td><td class="num">${fmtMs(f.detect?.p50)}</td><td class="num">${fmtMs(f.detect?.max)}</td><td class="num">${fmtMs(f.recover?.p50, never)}</td><td class="num">${fmtMs(f.recover?.p99, never)}</td><td class="num">${fmtMs(f.recover?.p100, never)}</td><td class="num${f.notRecovered ? ' ko' : ''}">${fmtNum(f.notRecovered)}</td><td class="num">${d ? fmtNum(d.messages) : '—'}</td>${bad(d?.lost)}${bad(d?.duplicated)}<td class="num${d?.late ? ' warn' : ''}">${d ? fmtNum(d.late) : '—'}</td>${withError ? `<td>${f.error ? `<span class="ko">${esc(f.error)}</span>` : ''}</td>` : ''}</tr>`;
}

/** Per fault: how fast clients noticed and came back, and what it cost in messages. */
function resilienceTable(faults: FaultResilience[]): string {
  const withError = faults.some((f) => f.error);
  const lateBars = [...new Set(faults.map((f) => f.delivery?.lateAfterMs).filter(isNum))];
  const late = lateBars.length === 1 ? `late (&gt; ${esc(fmtNum(lateBars[0]))} ms)` : 'late';
  return `<div class="scroll"><table class="data resilience"><thead>
<tr><th rowspan="2">fault</th><th rowspan="2">type</th><th rowspan="2" class="num">window</th><th rowspan="2" class="num">affected</th><th colspan="2" class="grp">time to detect</th><th colspan="3" class="grp">clients back, from the fault's end</th><th rowspan="2" class="num">not back</th><th colspan="4" class="grp">messages around the fault</th>${withError ? '<th rowspan="2">error</th>' : ''}</tr>
<tr><th class="num">p50</th><th class="num">max</th><th class="num">50 %</th><th class="num">99 %</th><th class="num">100 %</th><th class="num">acked</th><th class="num">lost</th><th class="num">duplicated</th><th class="num">${late}</th></tr>
</thead><tbody>${faults.map((f) => resilienceRow(f, withError)).join('')}</tbody></table></div>
  <p class="muted small-note">Detect: from the fault's start until the affected clients' sockets closed. Back: from the fault's end until 50 / 99 / 100 % of them were open again. Messages: acked messages sent or acked from the fault's start until its last affected client was back (plus the settle time), and their deliveries to the chat's members that were lost, duplicated, or arrived later than the strictest delivery_latency limit.</p>`;
}

function smallTable(title: string, head: [string, string], rows: [string, string][], empty: string): string {
  return `<div class="small"><h3>${esc(title)}</h3>${rows.length
    ? `<table class="mini"><thead><tr><th>${esc(head[0])}</th><th class="num">${esc(head[1])}</th></tr></thead><tbody>${rows.map(([k, v]) => `<tr><td>${k}</td><td class="num">${v}</td></tr>`).join('')}</tbody></table>`
    : `<p class="muted">${esc(empty)}</p>`}</div>`;
}

/** The reconnect storm after each restore: connect attempts per second (metrics/reconnect-storm.ts). */
function stormTable(storms: ReconnectStorm[] | undefined): string {
  if (!storms?.length) return '';
  const rows = storms
    .map((x) => `<tr><td class="fault-id">${esc(x.fault)}</td><td class="num">${fmtAt(x.from)}–${fmtAt(x.to)}</td><td class="num"><b>${fmtNum(x.peak)}</b></td><td class="num">${x.peakAt === null ? '—' : fmtAt(x.peakAt)}</td><td class="num">${fmtNum(x.p99)}</td><td class="num">${fmtNum(x.attempts)}</td><td class="num${x.failures ? ' warn' : ''}">${fmtNum(x.failures)}</td><td>${esc(Object.entries(x.failuresByReason).map(([k, v]) => `${k} ${v}`).join(', ') || '—')}</td><td class="num">${x.gatewayAcceptErrors === null ? '<span class="muted">not visible</span>' : fmtNum(x.gatewayAcceptErrors)}</td></tr>`)
    .join('');
  return `<h3 id="reconnect-storm">Reconnect storm after each restore</h3>
  <div class="scroll"><table class="data storm"><thead><tr><th>after</th><th class="num">window</th><th class="num">peak attempts/s</th><th class="num">at</th><th class="num">p99 attempts/s</th><th class="num">attempts</th><th class="num">failed</th><th>failed by reason</th><th class="num">gateway accept errors</th></tr></thead><tbody>${rows}</tbody></table></div>
  <p class="muted small-note">Connect attempts per second from the second the fault was removed until every client waiting in backoff has had its first attempt (backoff max + connect timeout), or the next fault. Peak: the busiest second; p99: of the seconds in the window.</p>`;
}

function renderResilience(s: Summary): string {
  const m = s.metrics;
  const faults = m?.faults ?? [];
  const table = faults.length ? resilienceTable(faults) : '<p class="muted">No fault was applied in this run.</p>';
  const reasons = entries(m?.failureReasons)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]): [string, string] => [esc(k), esc(fmtNum(v))]);
  const codes = entries(m?.closeCodes)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([k, v]): [string, string] => [`<code>${esc(k)}</code>${CLOSE_CODES[k] ? ` <span class="muted">${esc(CLOSE_CODES[k])}</span>` : ''}`, esc(fmtNum(v))]);
  return `<section class="card" id="resilience">
  <h2>Resilience</h2>
  ${table}
  ${stormTable(m?.reconnectStorm)}
  <div class="charts">
    ${chart('chart-reconnect-delays', 'reconnect-delays', 'Reconnect delay per attempt against the policy envelope', `(ms; tolerance ±${esc(fmtNum(m?.toleranceMs))} ms)`)}
    ${chart('chart-reconnect-histogram', 'reconnect-histogram', 'Reconnect delays: histogram per attempt', '(lanes on top: each attempt\'s policy envelope, thin line ± tolerance)')}
    ${chart('chart-attempts-per-client', 'attempts-per-client', 'Attempts per client', '(clients by number of attempts)')}
    <div class="smalls">
      ${smallTable('Connect failure reasons', ['reason', 'failures'], reasons, 'No connect attempt failed.')}
      ${smallTable('Close codes', ['code', 'closes'], codes, 'No socket closed.')}
    </div>
  </div>
</section>`;
}

function latencyRow(label: string, l: LatencySummary | undefined): string {
  if (!l) return `<tr><th scope="row">${esc(label)}</th><td colspan="9" class="muted">no data</td></tr>`;
  return `<tr><th scope="row">${esc(label)}</th><td class="num">${fmtNum(l.count)}</td>${[l.min, l.mean, l.p50, l.p90, l.p95, l.p99, l.p999, l.max]
    .map((v) => `<td class="num">${fmtMs(v)}</td>`)
    .join('')}</tr>`;
}

function renderLatency(s: Summary): string {
  const l = s.metrics?.latency;
  return `<section class="card" id="latency">
  <h2>Latency</h2>
  <div class="charts one">
    ${chart('chart-latency-spectrum', 'latency-spectrum', 'Delivery latency percentile spectrum', '(ms; the x axis spreads the tail; dashed lines: delivery_latency thresholds)', true)}
  </div>
  <table class="data"><thead><tr><th>window</th><th class="num">count</th><th class="num">min</th><th class="num">mean</th><th class="num">p50</th><th class="num">p90</th><th class="num">p95</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th></tr></thead><tbody>
    ${latencyRow('steady state', l?.steady)}
    ${latencyRow('all (incl. faults and recovery)', l?.all)}
  </tbody></table>
</section>`;
}

function renderGenerator(s: Summary): string {
  const gen = s.metrics?.generator ?? [];
  const workers = new Set(gen.map((g) => g.worker)).size;
  return `<section class="card" id="generator">
  <h2>Generator and stack health</h2>
  <p class="legend-note">${workers ? `${workers} fleet process${workers === 1 ? '' : 'es'}, sampled once per second.` : 'No generator samples were recorded.'} A generator that falls behind makes every other number suspect.</p>
  <div class="charts">
    ${chart('chart-generator-eld', 'generator-eld', 'Event-loop delay per worker', '(ms; solid p99, dashed max)')}
    ${chart('chart-generator-cpu', 'generator-cpu', 'CPU per worker', '(% of one core)')}
    ${chart('chart-stack-cpu', 'stack-cpu', 'Gateway and Toxiproxy CPU', '(% of one core; local stack only)')}
    ${chart('chart-stack-memory', 'stack-memory', 'Gateway and Toxiproxy memory', '(resident MB; local stack only)')}
  </div>
</section>`;
}

/** The pages' CSS (index.html and compare.html share it). */
export const BASE_CSS = `
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f6f7f9;--card:#fff;--pass:#15803d;--fail:#c81e1e;--inconclusive:#b45309;--error:#7e22ce;
--pass-bg:#ecfdf3;--fail-bg:#fef2f2;--inconclusive-bg:#fffbeb;--error-bg:#faf5ff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
main{max-width:1240px;margin:0 auto;padding:20px 20px 40px}
h1{font-size:22px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:16px;margin:0 0 10px;letter-spacing:.01em}
h3{font-size:13px;margin:0 0 6px;color:var(--muted);font-weight:600}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f5f9;border-radius:4px;padding:1px 4px;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 16px}
.hero{display:flex;gap:18px;align-items:center;background:var(--card);border:1px solid var(--line);border-left:10px solid var(--c);border-radius:10px;padding:16px 18px;margin:0 0 16px}
.v-pass{--c:var(--pass);--cb:var(--pass-bg)}.v-fail{--c:var(--fail);--cb:var(--fail-bg)}.v-inconclusive{--c:var(--inconclusive);--cb:var(--inconclusive-bg)}.v-error{--c:var(--error);--cb:var(--error-bg)}
.badge{background:var(--c);color:#fff;font-weight:800;font-size:28px;letter-spacing:.06em;padding:14px 22px;border-radius:8px;min-width:130px;text-align:center}
.hero-main{flex:1;min-width:0}
.desc{margin:0 0 6px;color:#334155;max-width:80ch}
.failed{margin:0}
.chip{display:inline-block;background:var(--fail-bg);color:var(--fail);border:1px solid #fecaca;border-radius:999px;padding:0 9px;font-weight:600;font-size:13px}
.exit{text-align:center;color:var(--muted);font-size:12px}.exit b{display:block;font-size:30px;color:var(--c);line-height:1.1}
.alert{border-radius:10px;padding:12px 16px;margin:0 0 16px;border:1px solid}
.alert ul{margin:6px 0 0;padding-left:20px}
.alert-strong{background:var(--inconclusive-bg);border-color:#fcd34d;color:#78350f;font-size:15px}
.alert-error{background:var(--error-bg);border-color:#d8b4fe;color:#581c87}
.meta-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:6px 24px;margin:0}
.meta-grid>div{display:grid;grid-template-columns:110px 1fr;gap:8px;padding:3px 0;border-bottom:1px dashed var(--line)}
.meta-grid dt{color:var(--muted);font-size:12px;padding-top:1px}
.meta-grid dd{margin:0;overflow-wrap:anywhere}
.item{display:inline-block;margin-right:12px}
.warn{color:var(--inconclusive)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
thead th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;border-bottom:1.5px solid #cbd5e1}
.num{text-align:right;white-space:nowrap}
table.data td,table.data th{white-space:nowrap}
table.checks>tbody>tr.check>th{font-weight:700;white-space:nowrap;border-left:4px solid var(--c)}
table.checks>tbody>tr.check>td:nth-child(2){white-space:nowrap}
.examples-row>td{background:var(--cb);border-bottom:1px solid var(--line)}
.examples-row>td:first-child{border-left:4px solid var(--c)}
.sentence{margin:0 0 4px}
.pill{display:inline-block;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:var(--c);background:var(--cb);border:1px solid var(--c)}
.counts{display:flex;flex-wrap:wrap;gap:2px 14px;margin:2px 0 4px;font-size:12px}
.counts>div{display:flex;gap:4px}.counts dt{color:var(--muted)}.counts dd{margin:0;font-weight:600}
table.mini{width:auto;font-size:12px;margin:6px 0 2px}
table.mini th,table.mini td{padding:3px 10px 3px 0}
tr.bad td{color:var(--fail)}
.ok{color:var(--pass);font-weight:600}.ko{color:var(--fail);font-weight:600}
.breach{white-space:nowrap}
.scroll{overflow-x:auto}
th.grp{text-align:center;border-bottom:1px solid var(--line)}
figure.chart.wide{grid-column:1/-1}
.ex-title{margin:0 0 4px;font-size:12px;font-weight:600;color:var(--muted)}
.examples{overflow-x:auto}
table.ex{font-size:12px;background:#fff;border:1px solid var(--line)}
table.ex th,table.ex td{padding:3px 8px}
table.ex td.detail{white-space:normal;min-width:280px}
table.ex td{white-space:nowrap}
.legend-note{margin:-4px 0 10px;color:var(--muted);font-size:12px}
.small-note{font-size:12px;margin:6px 0 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:14px;margin:10px 0}
.charts.one{grid-template-columns:1fr}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px 10px 6px;background:#fff;break-inside:avoid}
figcaption{font-size:13px;font-weight:600;margin:0 0 4px}
figcaption .muted{font-weight:400;font-size:12px}
.canvas-box{position:relative;height:250px}
.canvas-box.tall{height:320px}
.chart-error{color:var(--fail);font-size:12px;margin:4px 0 0}
.smalls{display:flex;flex-wrap:wrap;align-content:flex-start;gap:24px;margin-top:8px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
@media (max-width:640px){.hero{flex-wrap:wrap}.charts{grid-template-columns:1fr}}
@media print{
  @page{margin:12mm}
  body{background:#fff;font-size:11px}
  main{max-width:none;padding:0}
  .card,.hero,.alert{break-inside:avoid-page;box-shadow:none}
  #checks,#resilience{break-inside:auto}
  tr{break-inside:avoid}
  .charts{grid-template-columns:1fr 1fr}
  .charts.one{grid-template-columns:1fr}
  /* chart.js fixes the canvas size in px for the screen; scale the drawn bitmap to the paper. */
  .canvas-box,.canvas-box.tall{height:auto}
  canvas{max-width:100% !important;height:auto !important}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

/**
 * The chart kit: the part of the page script that index.html and compare.html share. It is script
 * text, not a module: each page inlines it at the top of its own function body, so everything here
 * is a local of that function. It parses the embedded JSON (#chatstorm-data) into DATA, and gives
 * the helpers every chart needs: chart.js defaults, the plugin that marks a canvas data-drawn="true"
 * once drawn (the browser test waits for it) and says "no data" on an empty chart, the fault-band
 * plugin, the time axis, the tail-spreading percentile axis and threshold lines. Plain ES2017, no
 * network. It avoids `window`, where chart.js would take it as a sign of a DOM, so that it also runs
 * against a stub canvas in a unit test.
 */
export const CHART_KIT = String.raw`
  var dataEl = document.getElementById('chatstorm-data');
  var DATA = JSON.parse(dataEl ? dataEl.textContent : '{}') || {};
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var PALETTE = ['#2563eb', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#dc2626', '#4b5563', '#9333ea'];
  var CLOSE_CODES = ${JSON.stringify(CLOSE_CODES)};

  function arr(x) { return Array.isArray(x) ? x : []; }
  function isNum(x) { return typeof x === 'number' && isFinite(x); }
  function num(x) { return isNum(x) ? x : null; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(v, digits) {
    if (!isNum(v)) return '\u2014';
    var d = digits === undefined ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits;
    return Number(v.toFixed(d)).toLocaleString('en-US');
  }
  /** "#2563eb" at opacity a, as rgba(). */
  function alpha(hex, a) {
    var h = String(hex).replace('#', '');
    var n = parseInt(h.length === 3 ? h.replace(/(.)/g, '$1$1') : h, 16);
    return 'rgba(' + ((n >> 16) & 255) + ', ' + ((n >> 8) & 255) + ', ' + (n & 255) + ', ' + a + ')';
  }
  /** The smallest 1, 2 or 5 × 10^k not below x: bin widths a reader can add up. */
  function niceStep(x) {
    if (!(x > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(x)));
    var m = x / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  var C = typeof Chart === 'function' ? Chart : null;
  function fail(id, message) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    canvas.dataset.drawn = 'error';
    var box = canvas.parentNode;
    if (box && box.parentNode) box.parentNode.appendChild(el('p', 'chart-error', message));
  }

  function hasData(chart) {
    var ds = chart.data.datasets || [];
    for (var i = 0; i < ds.length; i++) {
      if (ds[i].isReference) continue;
      var d = ds[i].data || [];
      for (var j = 0; j < d.length; j++) {
        var p = d[j];
        if (p === null || p === undefined) continue;
        if (Array.isArray(p) || typeof p !== 'object' || (p.y !== null && p.y !== undefined)) return true;
      }
    }
    return false;
  }

  /** Sets chart.js up once; without chart.js every canvas says so (and is not marked drawn). */
  function chartsReady() {
    if (!C) {
      var all = document.querySelectorAll('canvas[data-chart]');
      for (var a = 0; a < all.length; a++) fail(all[a].id, 'chart.js did not load; the data is in #chatstorm-data.');
      return false;
    }
    C.defaults.font.family = FONT;
    C.defaults.font.size = 11;
    C.defaults.color = '#475569';
    C.defaults.borderColor = 'rgba(15, 23, 42, 0.08)';
    C.defaults.animation = false;
    C.defaults.responsive = true;
    C.defaults.maintainAspectRatio = false;
    C.defaults.plugins.legend.labels.boxWidth = 12;
    C.defaults.plugins.legend.labels.boxHeight = 8;
    // Marks a canvas as drawn (for the browser test) and says "no data" on empty charts.
    C.register({
      id: 'chatstormDrawn',
      afterDraw: function (chart) {
        if (!hasData(chart) && chart.chartArea) {
          var ctx = chart.ctx, area = chart.chartArea;
          ctx.save();
          ctx.fillStyle = '#94a3b8';
          ctx.font = '12px ' + FONT;
          ctx.textAlign = 'center';
          ctx.textBaseline = 'middle';
          ctx.fillText('no data', (area.left + area.right) / 2, (area.top + area.bottom) / 2);
          ctx.restore();
        }
        chart.canvas.dataset.drawn = 'true';
      }
    });
    return true;
  }

  /**
   * Fault windows as translucent bands with their id, steady-state windows as a thin green rule
   * under the plot. bands: [{ id, start, end, color? }] in seconds; one colour per run on the
   * compare page, red on a single run's page.
   */
  function faultBands(bands, steady) {
    var B = arr(bands).filter(function (f) { return f && isNum(f.start) && isNum(f.end); });
    var W = arr(steady).filter(function (w) { return Array.isArray(w) && isNum(w[0]) && isNum(w[1]); });
    return {
      id: 'chatstormFaultBands',
      beforeDraw: function (chart) {
        var area = chart.chartArea, x = chart.scales.x;
        if (!area || !x) return;
        var ctx = chart.ctx;
        ctx.save();
        ctx.beginPath();
        ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
        ctx.clip();
        for (var i = 0; i < B.length; i++) {
          var f = B[i], color = f.color || '#dc2626';
          var x0 = x.getPixelForValue(f.start), x1 = x.getPixelForValue(Math.max(f.end, f.start));
          ctx.fillStyle = alpha(color, 0.11);
          ctx.fillRect(x0, area.top, Math.max(1, x1 - x0), area.bottom - area.top);
          ctx.fillStyle = alpha(color, 0.55);
          ctx.fillRect(x0, area.top, 1, area.bottom - area.top);
          ctx.fillStyle = f.color ? color : 'rgba(153, 27, 27, 0.9)';
          ctx.font = '600 10px ' + FONT;
          ctx.textAlign = 'left';
          ctx.textBaseline = 'top';
          ctx.fillText(String(f.label || f.id), x0 + 3, area.top + 3 + (f.lane || 0) * 12);
        }
        ctx.fillStyle = 'rgba(22, 163, 74, 0.6)';
        for (var j = 0; j < W.length; j++) {
          var s0 = x.getPixelForValue(W[j][0]), s1 = x.getPixelForValue(W[j][1]);
          ctx.fillRect(s0, area.bottom - 3, Math.max(1, s1 - s0), 3);
        }
        ctx.restore();
      }
    };
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    try {
      new C(canvas, config); // eslint-disable-line no-new
    } catch (e) {
      fail(id, 'This chart could not be drawn: ' + (e && e.message ? e.message : String(e)));
      if (typeof console !== 'undefined') console.error(e);
    }
  }

  function line(label, color, data, extra) {
    var d = { type: 'line', label: label, data: data, borderColor: color, backgroundColor: color, borderWidth: 1.5,
      pointRadius: 0, pointHoverRadius: 3, pointHitRadius: 6, spanGaps: false, tension: 0 };
    if (extra) for (var k in extra) d[k] = extra[k];
    return d;
  }

  function positiveOnly(datasets) {
    var any = false;
    for (var i = 0; i < datasets.length; i++) {
      var d = datasets[i].data;
      for (var j = 0; j < d.length; j++) {
        var y = d[j] && typeof d[j] === 'object' ? d[j].y : d[j];
        if (y === null || y === undefined) continue;
        if (!(y > 0)) return false;
        any = true;
      }
    }
    return any;
  }

  // chart.js's own log-axis formatter decides which ticks get a label; this one only drops the ".0".
  function logTicks() {
    return {
      callback: function (v, i, ticks) {
        var label = C.Ticks.formatters.logarithmic.call(this, v, i, ticks);
        if (label === '' || !isNum(v)) return label;
        return v >= 1 ? Number(v.toPrecision(6)).toLocaleString('en-US') : String(Number(v.toPrecision(2)));
      }
    };
  }

  /** The shared timeline's x axis: seconds since the run started, 0 to xMax on every chart. */
  function timeAxis(xMax, stacked) {
    var x = { type: 'linear', min: 0, max: xMax, title: { display: true, text: 'seconds since start' }, ticks: { maxTicksLimit: 14 } };
    if (stacked) { x.stacked = true; x.offset = false; }
    return x;
  }

  /** A line chart on the shared timeline. opts: log, integer, digits, unit, suggestedMax, bands. */
  function timeChart(id, datasets, yTitle, xMax, opts) {
    opts = opts || {};
    var yType = opts.log && positiveOnly(datasets) ? 'logarithmic' : 'linear';
    var y = { type: yType, title: { display: true, text: yTitle } };
    if (yType === 'logarithmic') y.ticks = logTicks();
    if (yType === 'linear') { y.beginAtZero = true; if (opts.suggestedMax !== undefined) y.suggestedMax = opts.suggestedMax; }
    if (opts.integer && yType === 'linear') y.ticks = { precision: 0 };
    draw(id, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        parsing: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: timeAxis(xMax), y: y },
        plugins: {
          legend: { position: 'top', align: 'end' },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? 't = ' + items[0].parsed.x + ' s' : ''; },
              label: function (item) { return item.dataset.label + ': ' + fmt(item.parsed.y, opts.digits) + (opts.unit ? ' ' + opts.unit : ''); }
            }
          }
        }
      },
      plugins: opts.bands ? [opts.bands] : []
    });
  }

  /**
   * Stacked bars per second (one bar spans the second it counts) with lines over them, on the
   * shared timeline. Bars are { x: s + 0.5, y } for every second, zeros included, so that every
   * bar gets the width of one second.
   */
  function barTimeChart(id, bars, lines, yTitle, xMax, bands) {
    var datasets = bars.map(function (b) {
      return { type: 'bar', label: b.label, data: b.data, backgroundColor: b.color, borderWidth: 0,
        barPercentage: 1, categoryPercentage: 0.9, stack: 'bars', order: 1 };
    }).concat(lines.map(function (l, i) { l.stack = 'line-' + i; l.order = 0; return l; }));
    draw(id, {
      type: 'bar',
      data: { datasets: datasets },
      options: {
        interaction: { mode: 'index', axis: 'x', intersect: false },
        scales: {
          x: timeAxis(xMax, true),
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: yTitle } }
        },
        plugins: {
          legend: { position: 'top', align: 'end' },
          tooltip: {
            filter: function (item) { return item.parsed.y !== 0; },
            callbacks: {
              title: function (items) {
                if (!items.length) return '';
                var s = Math.floor(items[0].parsed.x);
                return s + '\u2013' + (s + 1) + ' s';
              },
              label: function (item) { return item.dataset.label + ': ' + fmt(item.parsed.y, 0); }
            }
          }
        }
      },
      plugins: bands ? [bands] : []
    });
  }

  // --- the percentile axis: x = -log10(1 - p/100) spreads the tail (90 %, 99 %, 99.9 % equally apart)
  function tailX(p) { return -Math.log10(1 - p / 100); }
  function tailLabel(x) {
    if (x <= 0) return '0%';
    var p = 100 * (1 - Math.pow(10, -x));
    return String(Number(p.toFixed(6))) + '%';
  }
  /** Valid spectrum points, sorted: [{ percentile, value }]. */
  function spectrumPoints(spec) {
    return arr(spec).filter(function (p) { return p && isNum(p.percentile) && isNum(p.value) && p.percentile >= 0 && p.percentile <= 100; })
      .slice().sort(function (a, b) { return a.percentile - b.percentile; });
  }
  /**
   * The axis for some spectra: at least three nines; "max" (100 %) drawn a little right of the last
   * nine. Returns { px(p), xEnd, scale } where scale is the chart.js x scale.
   */
  function percentileAxis(spectra, hasMax) {
    var finiteMax = 0;
    spectra.forEach(function (spec) {
      spec.forEach(function (p) { if (p.percentile < 100) finiteMax = Math.max(finiteMax, tailX(p.percentile)); });
      if (spec.some(function (p) { return p.percentile >= 100; })) hasMax = true;
    });
    var K = Math.max(3, Math.ceil(finiteMax - 1e-9));
    var xEnd = hasMax ? K + 0.6 : K;
    var ticks = [0, Math.log10(2)];
    for (var k = 1; k <= K; k++) ticks.push(k);
    if (hasMax) ticks.push(xEnd);
    return {
      xEnd: xEnd,
      px: function (p) { return p >= 100 ? xEnd : tailX(p); },
      scale: {
        type: 'linear', min: 0, max: xEnd,
        title: { display: true, text: 'percentile' },
        afterBuildTicks: function (axis) { axis.ticks = ticks.map(function (v) { return { value: v }; }); },
        ticks: { autoSkip: false, callback: function (v) { return hasMax && Math.abs(v - xEnd) < 1e-9 ? 'max' : tailLabel(v); } }
      }
    };
  }
  var TH = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|max|min|avg|med)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
  /** delivery_latency thresholds as dashed horizontal lines across a percentile axis. */
  function thresholdLines(exprs, xEnd) {
    var colors = ['#dc2626', '#b45309', '#7c3aed', '#be185d'];
    var out = [];
    arr(exprs).forEach(function (expr, i) {
      var m = TH.exec(String(expr));
      if (!m) return;
      var limit = Number(m[4]);
      if (!isNum(limit)) return;
      out.push(line(String(expr).trim(), colors[i % colors.length], [{ x: 0, y: limit }, { x: xEnd, y: limit }],
        { borderDash: [7, 4], borderWidth: 1.5, isReference: true, pointHitRadius: 0 }));
    });
    return out;
  }
  function spectrumChart(id, datasets, axis) {
    draw(id, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: axis.scale,
          y: positiveOnly(datasets)
            ? { type: 'logarithmic', ticks: logTicks(), title: { display: true, text: 'latency (ms)' } }
            : { type: 'linear', beginAtZero: true, title: { display: true, text: 'latency (ms)' } }
        },
        plugins: {
          legend: { position: 'top', align: 'end' },
          tooltip: {
            callbacks: {
              title: function () { return ''; },
              label: function (item) {
                var r = item.raw || {};
                if (item.dataset.isReference) return 'threshold ' + item.dataset.label;
                return item.dataset.label + ' ' + (r.p >= 100 ? 'max' : 'p' + r.p) + ': ' + fmt(r.y) + ' ms';
              }
            }
          }
        }
      }
    });
  }

  /** min, median, max and count of a list of numbers (null when empty). */
  function spread(list) {
    var d = arr(list).filter(isNum).slice().sort(function (a, b) { return a - b; });
    if (!d.length) return null;
    var mid = Math.floor(d.length / 2);
    return { n: d.length, min: d[0], max: d[d.length - 1], med: d.length % 2 ? d[mid] : (d[mid - 1] + d[mid]) / 2 };
  }
`;

/**
 * index.html's own script, after the kit: fills in the example tables from the one copy of the
 * examples in the data, then draws every chart.
 */
const INDEX_SCRIPT = String.raw`
  var S = DATA;
  var M = S.metrics || {};

  // --- evidence: example tables, from the one copy of the examples in the data ---------------
  var COLS = [
    ['category', 'category'], ['client', 'client'], ['user', 'user'], ['chat', 'chat'],
    ['message', 'message id'], ['seq', 'seq'], ['at', 'at (s)'], ['detail', 'detail']
  ];
  var holders = document.querySelectorAll('[data-examples]');
  for (var h = 0; h < holders.length; h++) {
    var holder = holders[h];
    var check = arr(S.checks)[Number(holder.dataset.examples)];
    var examples = check ? arr(check.examples) : [];
    if (!examples.length) continue;
    var table = el('table', 'ex');
    var thead = el('thead');
    var hr = el('tr');
    for (var c = 0; c < COLS.length; c++) hr.appendChild(el('th', COLS[c][0] === 'seq' || COLS[c][0] === 'at' || COLS[c][0] === 'client' ? 'num' : '', COLS[c][1]));
    thead.appendChild(hr);
    table.appendChild(thead);
    var tbody = el('tbody');
    for (var i = 0; i < examples.length; i++) {
      var ex = examples[i] || {};
      var tr = el('tr');
      for (var k = 0; k < COLS.length; k++) {
        var key = COLS[k][0];
        var v = ex[key];
        var text = v === undefined || v === null ? '' : key === 'at' && isNum(v) ? String(Math.round(v * 1000) / 1000) : String(v);
        tr.appendChild(el('td', key === 'detail' ? 'detail' : key === 'seq' || key === 'at' || key === 'client' ? 'num' : '', text));
      }
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    holder.appendChild(table);
  }

  // --- charts ---------------------------------------------------------------------------------
  if (!chartsReady()) return;

  var BANDS = faultBands(arr(M.faults), M.steadyWindows);
  var SERIES = arr(M.series).filter(function (p) { return p && isNum(p.s); }).slice().sort(function (a, b) { return a.s - b.s; });
  var GEN = arr(M.generator).filter(function (g) { return g && isNum(g.s); });
  var xMax = 1;
  [num(S.durationSeconds)].concat(
    SERIES.map(function (p) { return p.s + 1; }),
    GEN.map(function (g) { return g.s + 1; }),
    arr(M.faults).map(function (f) { return f && f.end; })
  ).forEach(function (v) { if (isNum(v) && v > xMax) xMax = v; });
  xMax = Math.ceil(xMax);

  // Counts per second are drawn in the middle of the second they count; socket states were
  // sampled at its end. Either way a drop shows where it happened against the fault bands.
  function seriesOf(key, at) {
    var dx = at === 'end' ? 1 : 0.5;
    return SERIES.map(function (p) { return { x: p.s + dx, y: num(p[key]) }; });
  }
  /** The keys of a per-second breakdown (failuresByReason, closesByCode), largest total first. */
  function breakdownKeys(key) {
    var totals = {};
    SERIES.forEach(function (p) {
      var r = p[key];
      if (!r || typeof r !== 'object') return;
      for (var k in r) if (isNum(r[k])) totals[k] = (totals[k] || 0) + r[k];
    });
    return Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a] || (a < b ? -1 : a > b ? 1 : 0); });
  }
  function barsOf(pick) {
    return SERIES.map(function (p) { var v = num(pick(p)); return { x: p.s + 0.5, y: v === null ? 0 : v }; });
  }
  var REASON_COLORS = { timeout: '#dc2626', refused: '#f97316', closed: '#a855f7', error: '#64748b' };
  function reasonColor(key, i) {
    var base = String(key).split(' ')[0];
    if (/ 44\d\d$/.test(String(key))) return '#7e22ce';
    return REASON_COLORS[base] || PALETTE[(i + 3) % PALETTE.length];
  }
  function codeColor(code, i) {
    if (code === '1000') return '#94a3b8';
    if (code === '1006') return '#dc2626';
    if (/^44\d\d$/.test(code)) return '#7e22ce';
    return PALETTE[(i + 2) % PALETTE.length];
  }

  // (a) sockets
  timeChart('chart-sockets', [
    line('open', '#2563eb', seriesOf('open', 'end'), { fill: { target: 'origin' }, backgroundColor: 'rgba(37, 99, 235, 0.08)' }),
    line('connecting', '#d97706', seriesOf('connecting', 'end'))
  ], 'sockets', xMax, { integer: true, digits: 0, bands: BANDS });

  // (b) connect attempts, and failures stacked by reason (older summaries: failures in one bar)
  (function () {
    var reasons = breakdownKeys('failuresByReason');
    var bars = reasons.map(function (r, i) {
      return { label: 'failed: ' + r, color: alpha(reasonColor(r, i), 0.75), data: barsOf(function (p) { return p.failuresByReason ? p.failuresByReason[r] || 0 : 0; }) };
    });
    if (!bars.length && SERIES.some(function (p) { return p.failures > 0; })) {
      bars = [{ label: 'failed', color: 'rgba(220, 38, 38, 0.75)', data: barsOf(function (p) { return p.failures; }) }];
    }
    var attempts = line('attempts', '#2563eb', seriesOf('attempts'), { type: 'line' });
    barTimeChart('chart-attempts', bars, [attempts], 'per second', xMax, BANDS);
  })();

  // (c) closes of open sockets, stacked by close code
  (function () {
    var codes = breakdownKeys('closesByCode');
    var bars = codes.map(function (code, i) {
      return { label: code + (CLOSE_CODES[code] ? ' ' + CLOSE_CODES[code] : ''), color: alpha(codeColor(code, i), 0.75),
        data: barsOf(function (p) { return p.closesByCode ? p.closesByCode[code] || 0 : 0; }) };
    });
    barTimeChart('chart-closes', bars, [], 'closes per second', xMax, BANDS);
  })();

  // (d) messages, (e) latency per second
  timeChart('chart-messages', [
    line('sent', '#7c3aed', seriesOf('sent')),
    line('received', '#059669', seriesOf('received'))
  ], 'messages per second', xMax, { integer: true, digits: 0, bands: BANDS });
  timeChart('chart-latency-series', [
    line('p50', '#059669', seriesOf('p50')),
    line('p95', '#2563eb', seriesOf('p95')),
    line('p99', '#d97706', seriesOf('p99')),
    line('max', '#dc2626', seriesOf('max'), { borderWidth: 1, borderDash: [4, 3] })
  ], 'ms', xMax, { log: true, unit: 'ms', bands: BANDS });

  // --- reconnect delays against the policy envelope ---------------------------------------------
  var TOL = num(M.toleranceMs) || 0;
  var DELAY_ROWS = arr(M.reconnectDelays).filter(function (r) { return r && isNum(r.attempt); })
    .slice().sort(function (a, b) { return a.attempt - b.attempt; });
  function outsideCount(r) {
    if (!isNum(r.envelopeMin) || !isNum(r.envelopeMax)) return 0;
    return arr(r.delays).filter(function (d) { return isNum(d) && (d < r.envelopeMin - TOL || d > r.envelopeMax + TOL); }).length;
  }
  (function () {
    var rows = DELAY_ROWS;
    var stats = rows.map(function (r) { return spread(r.delays); });
    var outside = rows.map(function (r) { return outsideCount(r) > 0; });
    var labels = rows.map(function (r, i) { return '#' + r.attempt + ' (n=' + (stats[i] ? stats[i].n : 0) + ')'; });
    function envelope(r, pad) {
      return isNum(r.envelopeMin) && isNum(r.envelopeMax) ? [Math.max(0, r.envelopeMin - pad), r.envelopeMax + pad] : null;
    }
    draw('chart-reconnect-delays', {
      type: 'bar',
      data: {
        labels: labels,
        datasets: [
          { type: 'bar', label: 'policy envelope \u00b1 tolerance', data: rows.map(function (r) { return envelope(r, TOL); }),
            backgroundColor: 'rgba(148, 163, 184, 0.10)', borderColor: 'rgba(100, 116, 139, 0.6)', borderWidth: 1,
            grouped: false, barPercentage: 0.9, categoryPercentage: 0.9, minBarLength: 2, order: 3 },
          { type: 'bar', label: 'policy envelope', data: rows.map(function (r) { return envelope(r, 0); }),
            backgroundColor: 'rgba(37, 99, 235, 0.18)', borderWidth: 0,
            grouped: false, barPercentage: 0.9, categoryPercentage: 0.9, minBarLength: 2, order: 2 },
          { type: 'bar', label: 'observed min\u2013max', data: stats.map(function (s) { return s ? [s.min, s.max] : null; }),
            backgroundColor: outside.map(function (o) { return o ? 'rgba(220, 38, 38, 0.75)' : 'rgba(15, 23, 42, 0.6)'; }), borderWidth: 0,
            grouped: false, barPercentage: 0.28, categoryPercentage: 0.9, minBarLength: 2, order: 1 },
          { type: 'line', label: 'observed median', data: stats.map(function (s) { return s ? s.med : null; }),
            showLine: false, pointStyle: 'line', pointRadius: 12, pointHoverRadius: 12, pointBorderWidth: 3,
            borderColor: '#f59e0b', backgroundColor: '#f59e0b', order: 0 }
        ]
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { title: { display: true, text: 'attempt in the reconnect series' } },
          y: { beginAtZero: true, title: { display: true, text: 'delay before the attempt (ms)' } }
        },
        plugins: {
          legend: { position: 'top', align: 'end' },
          tooltip: {
            callbacks: {
              label: function (item) {
                var r = item.raw;
                if (Array.isArray(r)) return item.dataset.label + ': ' + fmt(r[0]) + '\u2013' + fmt(r[1]) + ' ms';
                return item.dataset.label + ': ' + fmt(r) + ' ms';
              }
            }
          }
        }
      }
    });
  })();

  // --- the reconnect delay histogram: stacked by attempt, each attempt's envelope as a lane on top
  (function () {
    var rows = DELAY_ROWS;
    var hi = 0;
    rows.forEach(function (r) {
      arr(r.delays).forEach(function (d) { if (isNum(d) && d > hi) hi = d; });
      if (isNum(r.envelopeMax)) hi = Math.max(hi, r.envelopeMax + TOL);
    });
    if (!(hi > 0)) hi = 1000;
    var width = niceStep(hi / 40);
    var bins = Math.min(400, Math.floor(hi / width) + 1);
    var colorOf = function (i) { return PALETTE[i % PALETTE.length]; };
    var datasets = rows.map(function (r, i) {
      var counts = [];
      for (var b = 0; b < bins; b++) counts.push(0);
      var n = 0;
      arr(r.delays).forEach(function (d) { if (!isNum(d)) return; n++; counts[Math.max(0, Math.min(bins - 1, Math.floor(d / width)))]++; });
      var out = outsideCount(r);
      return { type: 'bar', label: '#' + r.attempt + ' (n=' + n + (out ? ', ' + out + ' outside' : '') + ')',
        data: counts.map(function (v, b) { return { x: (b + 0.5) * width, y: v }; }),
        backgroundColor: alpha(colorOf(i), 0.7), borderWidth: 0, barPercentage: 1, categoryPercentage: 0.95, stack: 'delays' };
    });
    var LANE = 9;
    var lanes = {
      id: 'chatstormEnvelopeLanes',
      afterDraw: function (chart) {
        var area = chart.chartArea, x = chart.scales.x;
        if (!area || !x) return;
        var ctx = chart.ctx;
        ctx.save();
        rows.forEach(function (r, i) {
          if (!isNum(r.envelopeMin) || !isNum(r.envelopeMax)) return;
          var y = area.top - 10 - (rows.length - i) * LANE;
          var x0 = x.getPixelForValue(r.envelopeMin), x1 = x.getPixelForValue(r.envelopeMax);
          var t0 = x.getPixelForValue(Math.max(0, r.envelopeMin - TOL)), t1 = x.getPixelForValue(r.envelopeMax + TOL);
          ctx.fillStyle = alpha(colorOf(i), 0.35);
          ctx.fillRect(t0, y + 3, Math.max(1, t1 - t0), 1);
          ctx.fillStyle = alpha(colorOf(i), 0.85);
          ctx.fillRect(x0, y + 1, Math.max(2, x1 - x0), 5);
          ctx.font = '600 9px ' + FONT;
          ctx.textAlign = 'right';
          ctx.textBaseline = 'middle';
          ctx.fillText('#' + r.attempt, area.left - 4, y + 3.5);
        });
        ctx.restore();
      }
    };
    draw('chart-reconnect-histogram', {
      type: 'bar',
      data: { datasets: datasets },
      options: {
        layout: { padding: { top: 14 + rows.length * LANE } },
        interaction: { mode: 'index', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', min: 0, max: bins * width, stacked: true, offset: false, title: { display: true, text: 'delay before the attempt (ms); bins of ' + fmt(width, 0) + ' ms' } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'reconnect attempts' } }
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            filter: function (item) { return item.parsed.y !== 0; },
            callbacks: {
              title: function (items) {
                if (!items.length) return '';
                var b = Math.floor(items[0].parsed.x / width);
                return fmt(b * width, 0) + '\u2013' + fmt((b + 1) * width, 0) + ' ms';
              },
              label: function (item) { return 'attempt ' + item.dataset.label + ': ' + item.parsed.y; }
            }
          }
        }
      },
      plugins: [lanes]
    });
  })();

  // --- attempts per client --------------------------------------------------------------------------
  (function () {
    var apc = M.attemptsPerClient && typeof M.attemptsPerClient === 'object' ? M.attemptsPerClient : {};
    var keys = Object.keys(apc).sort(function (a, b) { return (Number(a) - Number(b)) || (a < b ? -1 : a > b ? 1 : 0); });
    draw('chart-attempts-per-client', {
      type: 'bar',
      data: {
        labels: keys,
        datasets: [{ label: 'clients', data: keys.map(function (k) { return num(apc[k]); }),
          backgroundColor: 'rgba(37, 99, 235, 0.55)', borderColor: '#2563eb', borderWidth: 1, maxBarThickness: 48 }]
      },
      options: {
        scales: {
          x: { title: { display: true, text: 'connect attempts' } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'clients' } }
        },
        plugins: { legend: { display: false } }
      }
    });
  })();

  // --- latency spectrum ------------------------------------------------------------------------------
  (function () {
    var lat = M.latency || {};
    var spec = spectrumPoints(lat.spectrum);
    // The all-deliveries summary reaches p99.9 and max, so the axis shows at least three nines and max.
    var axis = percentileAxis([spec], !!(lat.all && isNum(lat.all.max)));
    var datasets = [
      line('spectrum', '#2563eb', spec.map(function (p) { return { x: axis.px(p.percentile), y: p.value, p: p.percentile }; }),
        { pointRadius: 2.5, borderWidth: 2 })
    ];
    var all = lat.all;
    if (all && all.count) {
      var pts = [[50, all.p50], [90, all.p90], [95, all.p95], [99, all.p99], [99.9, all.p999], [100, all.max]]
        .filter(function (q) { return isNum(q[1]); })
        .map(function (q) { return { x: axis.px(q[0]), y: q[1], p: q[0] }; });
      datasets.push(line('all deliveries (incl. faults and recovery)', '#94a3b8', pts, { pointRadius: 2, borderDash: [3, 3], borderWidth: 1 }));
    }
    var exprs = S.thresholds && Array.isArray(S.thresholds.delivery_latency) ? S.thresholds.delivery_latency : [];
    spectrumChart('chart-latency-spectrum', datasets.concat(thresholdLines(exprs, axis.xEnd)), axis);
  })();

  // --- generator health per worker --------------------------------------------------------------
  (function () {
    var workers = [];
    GEN.forEach(function (g) { if (workers.indexOf(g.worker) < 0) workers.push(g.worker); });
    workers.sort(function (a, b) { return a - b; });
    var eld = [], cpu = [];
    workers.forEach(function (w, i) {
      var color = PALETTE[i % PALETTE.length];
      var rows = GEN.filter(function (g) { return g.worker === w; }).sort(function (a, b) { return a.s - b.s; });
      function pts(key, scale) { return rows.map(function (g) { var v = num(g[key]); return { x: g.s, y: v === null ? null : v * scale }; }); }
      eld.push(line('worker ' + w + ' p99', color, pts('eldP99', 1)));
      eld.push(line('worker ' + w + ' max', color, pts('eldMax', 1), { borderDash: [4, 3], borderWidth: 1 }));
      cpu.push(line('worker ' + w, color, pts('cpu', 100)));
    });
    timeChart('chart-generator-eld', eld, 'event-loop delay (ms)', xMax, { unit: 'ms', bands: BANDS });
    timeChart('chart-generator-cpu', cpu, '% of one core', xMax, { unit: '%', suggestedMax: 100, digits: 0, bands: BANDS });
  })();

  // --- what the load did to the stack: gateway and Toxiproxy per second ------------------------
  (function () {
    var rows = arr(M.stack).filter(function (x) { return x && isNum(x.s) && x.name !== undefined; });
    var names = [];
    rows.forEach(function (x) { if (names.indexOf(String(x.name)) < 0) names.push(String(x.name)); });
    names.sort();
    function per(key, scale) {
      return names.map(function (n, i) {
        var pts = rows.filter(function (x) { return String(x.name) === n; }).sort(function (a, b) { return a.s - b.s; })
          .map(function (x) { var v = num(x[key]); return { x: x.s, y: v === null ? null : v * scale }; });
        return line(n, PALETTE[(i + 4) % PALETTE.length], pts);
      });
    }
    timeChart('chart-stack-cpu', per('cpu', 100), '% of one core', xMax, { unit: '%', digits: 0, bands: BANDS });
    timeChart('chart-stack-memory', per('rssMb', 1), 'resident MB', xMax, { unit: 'MB', digits: 0, bands: BANDS });
  })();
`;

/** A page script: the kit and a page's own part in one function scope, so they share the helpers. */
export function pageScript(body: string): string {
  return `\n(function () {\n  'use strict';\n${CHART_KIT}\n${body}\n})();\n`;
}

/**
 * The whole document around a page's body: strict CSP (nothing can be fetched: scripts and styles
 * inline only, images from data: only), the CSS, the data as JSON in a non-executed script
 * element, chart.js, and the page script.
 */
export function pageShell(o: { title: string; version: string | undefined; css: string; body: string; data: unknown; script: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="color-scheme" content="light">
<meta name="generator" content="chatstorm ${esc(o.version)}">
<title>${esc(o.title)}</title>
<link rel="icon" href="data:,">
<style>${o.css}</style>
</head>
<body>
<main>
${o.body}
</main>
<script type="application/json" id="chatstorm-data">${embedJson(o.data)}</script>
<script>${chartJs()}</script>
<script>${o.script}</script>
</body>
</html>
`;
}

/** A self-contained HTML page: chart.js inlined from node_modules, data embedded as JSON, nothing fetched. */
export function renderHtml(summary: Summary): string {
  const title = `${VERDICT_LABEL[summary.verdict] ?? String(summary.verdict).toUpperCase()} · ${summary.scenario?.name ?? ''} · chatstorm`;
  return pageShell({
    title,
    version: summary.tool?.version,
    css: BASE_CSS,
    data: summary,
    script: pageScript(INDEX_SCRIPT),
    body: `${renderHeader(summary)}
${renderChecks(summary)}
${renderTimeline(summary)}
${renderResilience(summary)}
${renderLatency(summary)}
${renderGenerator(summary)}
<footer>chatstorm ${esc(summary.tool?.version)} · run <code>${esc(summary.runId)}</code> · self-contained report: the full summary is embedded in this file (script #chatstorm-data)</footer>`,
  });
}
