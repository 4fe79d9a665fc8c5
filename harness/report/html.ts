/**
 * index.html: one self-contained page per run. Everything it needs travels inside it — chart.js
 * (inlined from node_modules), the summary (as JSON in a non-executed script element) and the CSS —
 * so it can be opened from a CI artifact, an e-mail or a laptop without a network, and fetches
 * nothing. The static parts (verdict, tables) are rendered here, escaped; the charts and the
 * example tables are drawn in the browser from the embedded JSON, so the evidence, the bulk of
 * the data, is in the file exactly once.
 *
 * The browser code and the CSS are real files in page/ (index.js, the chart kit shared with
 * compare.html, base.css), inlined by inline.ts. compare.html is built from the same parts,
 * exported here: the page shell (CSP, inlined chart.js, embedded JSON) and the formatting helpers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CheckResult, FaultResilience, LatencySummary, Verdict } from '../oracle/types.ts';
import { pageCss, pageScript } from './inline.ts';
import { BROWSER_CLOSE_CODES } from './page/constants.js';
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
      chartJsSource = readFileSync(file, 'utf8')
        .replace(/<\/(script)/gi, '<\\/$1')
        .replace(/<!--/g, '<\\!--');
      return chartJsSource;
    }
  }
  throw new Error(
    `chart.js UMD build not found: looked for chart.umd.js and chart.umd.min.js in ${dir} (resolved from ${entry})`,
  );
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

export const VERDICT_LABEL: Record<Verdict, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  error: 'ERROR',
};

export function verdictClass(v: string): string {
  return v in VERDICT_LABEL ? `v-${v}` : 'v-error';
}

export function pill(v: string): string {
  return `<span class="pill ${verdictClass(v)}">${esc(v)}</span>`;
}

/**
 * The close codes a browser can produce (page/constants.js), and those of every protocol codec
 * (harness/protocol), for the reader who does not know them by heart. The page gets the same table
 * in #chatstorm-close-codes (pageShell), so its chart legends and this renderer label alike.
 */
export const CLOSE_CODES: Record<string, string> = {
  ...BROWSER_CLOSE_CODES,
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
    b
      ? `backoff ${fmtDuration(b.initialMs)} × ${esc(b.multiplier)} up to ${fmtDuration(b.maxMs)}, jitter ${esc(b.jitter)}`
      : 'backoff —',
    `max ${esc(p.maxAttempts)} attempts${p.resetOnOpen ? ' (reset on open)' : ' (no reset on open)'}`,
    p.heartbeat
      ? `heartbeat every ${fmtDuration(p.heartbeat.intervalMs)}, dead after ${fmtDuration(p.heartbeat.deadAfterMs)}`
      : 'heartbeat off',
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
    .map(
      (f) =>
        `<span class="item"><b>${esc(f.id)}</b> ${esc(f.type)} at traffic +${fmtDuration(f.atMs)} for ${fmtDuration(f.durationMs)}</span>`,
    )
    .join('');
  const thresholds = Object.entries(s.thresholds ?? {})
    .map(
      ([metric, exprs]) =>
        `<span class="item"><b>${esc(metric)}</b> ${(exprs ?? []).map((e) => `<code>${esc(e)}</code>`).join(' ')}</span>`,
    )
    .join('');
  const ph = s.phases;
  const phases = ph
    ? `connected ${fmtAt(ph.connected)} · traffic ${fmtAt(ph.trafficStart)}–${fmtAt(ph.trafficEnd)} · drained ${fmtAt(ph.drained)}${s.drainComplete ? '' : ' <b class="warn">(drain incomplete)</b>'} · end ${fmtAt(ph.end)}`
    : '—';
  const interrupted = s.interrupted
    ? `<div class="alert alert-strong" role="alert"><b>Interrupted.</b> The run was stopped early (${esc(s.interruptedBy ?? 'Ctrl-C or SIGTERM')}); the checks judge only what was recorded until then, and none can pass.</div>`
    : '';
  const remote = s.remoteTarget
    ? `<div class="alert" role="note"><b>Remote target.</b> ${esc(s.remoteTarget)} is not on this machine; allowed with --allow-remote.</div>`
    : '';
  const refused = s.httpRefusals
    ? `<div class="alert alert-error" role="alert"><b>Upgrades refused with an HTTP status:</b> ${Object.entries(
        s.httpRefusals,
      )
        .map(([st, n]) => `HTTP ${esc(st)} ×${esc(n)}`)
        .join(', ')}</div>`
    : '';
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
    <p class="failed">${
      failed.length
        ? `Checks not passed: ${failed.map((n) => `<span class="chip">${esc(n)}</span>`).join(' ')}`
        : 'Every check passed.'
    }</p>
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
    ${s.shards ? metaRow('Shards', s.shards.map((x) => `<span class="item"><b>shard ${esc(x.index)}</b> ${esc(x.verdict)} · ${fmtNum(x.clients)} clients · clock ${x.clock?.offsetMs == null ? '—' : `${esc(x.clock.offsetMs)} ± ${esc(x.clock.uncertaintyMs)} ms vs gateway`}${x.offsetToFirstMs == null ? '' : ` · ${esc(x.offsetToFirstMs)} ms vs shard 0`} · <code>${esc(x.dir)}</code></span>`).join('')) : ''}
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
      const breach = isNum(c.firstBreachAt)
        ? `<b class="ko">${fmtAt(c.firstBreachAt)}</b>`
        : '<span class="muted">—</span>';
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
  const bad = (v: number | null | undefined) =>
    `<td class="num${isNum(v) && v > 0 ? ' ko' : ''}">${d ? fmtNum(v) : '—'}</td>`;
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
  return `<div class="small"><h3>${esc(title)}</h3>${
    rows.length
      ? `<table class="mini"><thead><tr><th>${esc(head[0])}</th><th class="num">${esc(head[1])}</th></tr></thead><tbody>${rows.map(([k, v]) => `<tr><td>${k}</td><td class="num">${v}</td></tr>`).join('')}</tbody></table>`
      : `<p class="muted">${esc(empty)}</p>`
  }</div>`;
}

/** The reconnect storm after each restore: connect attempts per second (metrics/reconnect-storm.ts). */
function stormTable(storms: ReconnectStorm[] | undefined): string {
  if (!storms?.length) return '';
  const rows = storms
    .map(
      (x) =>
        `<tr><td class="fault-id">${esc(x.fault)}</td><td class="num">${fmtAt(x.from)}–${fmtAt(x.to)}</td><td class="num"><b>${fmtNum(x.peak)}</b></td><td class="num">${x.peakAt === null ? '—' : fmtAt(x.peakAt)}</td><td class="num">${fmtNum(x.p99)}</td><td class="num">${fmtNum(x.attempts)}</td><td class="num${x.failures ? ' warn' : ''}">${fmtNum(x.failures)}</td><td>${esc(
          Object.entries(x.failuresByReason)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || '—',
        )}</td><td class="num">${x.gatewayAcceptErrors === null ? '<span class="muted">not visible</span>' : fmtNum(x.gatewayAcceptErrors)}</td></tr>`,
    )
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
    .map(([k, v]): [string, string] => [
      `<code>${esc(k)}</code>${CLOSE_CODES[k] ? ` <span class="muted">${esc(CLOSE_CODES[k])}</span>` : ''}`,
      esc(fmtNum(v)),
    ]);
  return `<section class="card" id="resilience">
  <h2>Resilience</h2>
  ${table}
  ${stormTable(m?.reconnectStorm)}
  <div class="charts">
    ${chart('chart-reconnect-delays', 'reconnect-delays', 'Reconnect delay per attempt against the policy envelope', `(ms; tolerance ±${esc(fmtNum(m?.toleranceMs))} ms)`)}
    ${chart('chart-reconnect-histogram', 'reconnect-histogram', 'Reconnect delays: histogram per attempt', "(lanes on top: each attempt's policy envelope, thin line ± tolerance)")}
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
  return `<tr><th scope="row">${esc(label)}</th><td class="num">${fmtNum(l.count)}</td>${[
    l.min,
    l.mean,
    l.p50,
    l.p90,
    l.p95,
    l.p99,
    l.p999,
    l.max,
  ]
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

/**
 * The whole document around a page's body: strict CSP (nothing can be fetched: scripts and styles
 * inline only, images from data: only), the CSS, the data as JSON in a non-executed script
 * element, chart.js, and the page script.
 */
export function pageShell(o: {
  title: string;
  version: string | undefined;
  css: string;
  body: string;
  data: unknown;
  script: string;
  /** Close-code labels for the page's legends (CLOSE_CODES): they depend on the protocol codecs, so they travel as data. */
  closeCodes?: Record<string, string>;
}): string {
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
${o.closeCodes ? `<script type="application/json" id="chatstorm-close-codes">${embedJson(o.closeCodes)}</script>\n` : ''}<script>${chartJs()}</script>
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
    css: pageCss('base.css'),
    data: summary,
    closeCodes: CLOSE_CODES,
    script: pageScript('index.js'),
    body: `${renderHeader(summary)}
${renderChecks(summary)}
${renderTimeline(summary)}
${renderResilience(summary)}
${renderLatency(summary)}
${renderGenerator(summary)}
<footer>chatstorm ${esc(summary.tool?.version)} · run <code>${esc(summary.runId)}</code> · self-contained report: the full summary is embedded in this file (script #chatstorm-data)</footer>`,
  });
}
