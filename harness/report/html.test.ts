import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHtml } from './html.ts';
import type { Summary } from './summary.ts';
import { DATA_RE, embedded, runPage, urls } from './testing/stub-page.ts';

const FIXTURE = new URL('../../test/fixtures/summary-fail.json', import.meta.url);

function fixture(): Summary {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Summary;
}

function umdSource(): string {
  const dir = dirname(createRequire(import.meta.url).resolve('chart.js'));
  return readFileSync(join(dir, 'chart.umd.js'), 'utf8');
}

/** Every chart of index.html, in page order: the timeline, resilience, latency, generator health. */
const CHART_IDS = [
  'chart-sockets',
  'chart-attempts',
  'chart-closes',
  'chart-messages',
  'chart-latency-series',
  'chart-reconnect-delays',
  'chart-reconnect-histogram',
  'chart-attempts-per-client',
  'chart-latency-spectrum',
  'chart-generator-eld',
  'chart-generator-cpu',
  'chart-stack-cpu',
  'chart-stack-memory',
];

/** A summary with nothing in it: no series, no faults, no checks, null latencies. */
function emptySummary(): Summary {
  const s = fixture();
  const none = { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null };
  return {
    ...s,
    verdict: 'error',
    exitCode: 3,
    failedChecks: [],
    faults: [],
    thresholds: {},
    checks: [],
    runtimeErrors: [{ code: 'GATEWAY_EXITED', message: 'the gateway exited with code 1 before it was ready' }],
    metrics: {
      latency: { steady: none, all: none, spectrum: [] },
      series: [],
      failureReasons: {},
      closeCodes: {},
      faults: [],
      reconnectDelays: [],
      attemptsPerClient: {},
      generator: [],
      steadyWindows: [],
      toleranceMs: 250,
    },
  };
}

describe('renderHtml', () => {
  const summary = fixture();
  const html = renderHtml(summary);

  it('shows the verdict, the exit code and every failed check', () => {
    expect(summary.failedChecks.length).toBeGreaterThan(0);
    expect(html).toContain('<div class="badge" aria-label="verdict">FAIL</div>');
    expect(html).toContain('<header class="hero v-fail">');
    expect(html).toMatch(/exit code<\/span><b>1<\/b>/);
    for (const name of summary.failedChecks) expect(html).toContain(`<span class="chip">${name}</span>`);
    for (const c of summary.checks) expect(html).toContain(`id="check-${c.name}"`);
  });

  it('shows the run context: scenario, target, policy, seed, load and ids', () => {
    for (const text of [
      summary.scenario.name,
      summary.scenario.description,
      summary.target.gatewayUrl,
      summary.runId,
      summary.startedAt,
      summary.tool.version,
      'connect timeout 10 s',
      'backoff 1 s × 2 up to 30 s, jitter equal',
      'max 10 attempts',
      'heartbeat every 10 s, dead after 25 s',
      'ack timeout 5 s',
      'resume on',
      'seed 1',
      '100 clients in 10 chats of 10',
    ]) {
      expect(html).toContain(text);
    }
  });

  it('puts the sections in the documented order', () => {
    const at = (needle: string) => {
      const i = html.indexOf(needle);
      expect(i, needle).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      'class="hero',
      'id="checks"',
      'id="timeline"',
      'id="resilience"',
      'id="latency"',
      'id="generator"',
    ].map(at);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('shows thresholds with observed, limit, headroom and window, and the first breach', () => {
    expect(html).toContain('<code>p(99)&lt;250</code>');
    expect(html).toContain('238.696');
    expect(html).toContain('<th class="num">first breach</th>');
    expect(html).toContain('<b class="ko">20.218 s</b>');
    expect(html).toContain('<td>steady</td>');
  });

  it('inlines the chart.js UMD build', () => {
    const umd = umdSource();
    expect(umd).toMatch(/^\/\*!\s*\n \* Chart\.js v4\./);
    expect(html).toContain('Chart.js v4.');
    expect(html).toContain(umd.trim());
  });

  it('fetches nothing: no external URL in an attribute, CSS or script of its own', () => {
    expect(html).not.toMatch(/\b(?:src|href|action|poster|srcset|data)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<link[^>]+rel=["']?stylesheet/i);
    expect(html).not.toContain('fetch(');
    expect(html).not.toContain('import(');
    expect(html).not.toContain('XMLHttpRequest');
    expect(html).not.toContain('sendBeacon');
    // The only http(s) URLs are the ones in chart.js's own comments (its licence banner).
    const own = [...urls(html)].filter((u) => !urls(umdSource()).has(u));
    expect(own).toEqual([]);
  });

  it('embeds the summary as JSON that parses back to the input', () => {
    expect(embedded(html)).toEqual(summary);
    expect(DATA_RE.exec(html)![1]).not.toContain('<');
  });

  it('stores the examples once, and leaves room for each non-passing check to list them', () => {
    const delivery = summary.checks.find((c) => c.name === 'delivery')!;
    for (const ex of delivery.examples) expect(html.split(ex.detail).length - 1).toBe(1);
    const index = summary.checks.indexOf(delivery);
    expect(html).toContain(`data-examples="${index}"`);
    expect(html).toContain(`Evidence: ${delivery.examples.length} examples`);
    // Passing checks have no evidence block.
    expect(html.match(/data-examples="/g)?.length).toBe(
      summary.checks.filter((c) => c.verdict !== 'pass' && c.examples.length).length,
    );
  });

  it('gives every canvas a unique id and a data-chart name', () => {
    const canvases = [...html.matchAll(/<canvas\b[^>]*>/g)].map((m) => m[0]);
    expect(canvases.length).toBe(CHART_IDS.length);
    const ids = canvases.map((c) => /\bid="([^"]+)"/.exec(c)?.[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of canvases) expect(c).toMatch(/\bdata-chart="[a-z-]+"/);
  });

  it('does not let a hostile string out of its element', () => {
    const hostile = fixture();
    hostile.scenario.description = '</script><script>alert(1)</script>';
    hostile.scenario.name = '<img src=x onerror=alert(2)>';
    hostile.checks[0].examples[0].detail = '</SCRIPT ><!--<script>alert(3)</script>';
    hostile.checks[0].summary = '"><script>alert(4)</script>';
    hostile.runtimeErrors = [{ code: '<b>X</b>', message: '</script><script>alert(5)</script>' }];
    hostile.thresholds = { delivery_latency: ['</script><script>alert(6)</script>'] };
    hostile.target.versions = { '<i>k</i>': '</style><script>alert(7)</script>' };
    const out = renderHtml(hostile);
    expect(out).not.toContain('</script><script>alert');
    expect(out).not.toMatch(/<script>alert/i);
    expect(out).not.toContain('<img src=x');
    expect(out).not.toContain('</style><script>');
    expect(out).not.toContain('<!--<script>');
    // the summary and the close-code labels (JSON, not executed), chart.js, the page script
    expect(out.match(/<script\b/gi)?.length).toBe(4);
    expect(out.match(/<\/script/gi)?.length).toBe(4);
    expect(embedded(out)).toEqual(hostile);
  });

  it('says prominently when the run was interrupted, and lists runtime errors', () => {
    expect(html).not.toContain('Interrupted.');
    const s = {
      ...fixture(),
      interrupted: true,
      verdict: 'error' as const,
      runtimeErrors: [{ code: 'PROXY_UNREACHABLE', message: 'Toxiproxy API did not answer' }],
    };
    const out = renderHtml(s);
    expect(out).toContain('<b>Interrupted.</b>');
    expect(out).toContain('<div class="badge" aria-label="verdict">ERROR</div>');
    expect(out).toContain('<code>PROXY_UNREACHABLE</code> Toxiproxy API did not answer');
  });

  it('shows "never" for a recovery that did not happen, and each verdict colour', () => {
    const s = fixture();
    s.metrics.faults[0].recover = { p50: 900, p99: null, p100: null };
    s.metrics.faults[0].notRecovered = 3;
    expect(renderHtml(s)).toContain('<b class="ko">never</b>');
    for (const v of ['pass', 'inconclusive', 'error'] as const) {
      expect(renderHtml({ ...s, verdict: v })).toContain(`<header class="hero v-${v}">`);
    }
  });

  it('shows per fault the messages lost, duplicated and late, and a dash where a summary has none', () => {
    const s = fixture();
    expect(renderHtml(s)).toContain('<th class="num">late</th>');
    s.metrics.faults[0].delivery = {
      messages: 335,
      required: 3350,
      lost: 113,
      duplicated: 2,
      late: 1076,
      lateAfterMs: 250,
      from: 15,
      to: 29.9,
    };
    const out = renderHtml(s);
    expect(out).toContain('<th class="num">late (&gt; 250 ms)</th>');
    expect(out).toMatch(
      /<td class="num">335<\/td><td class="num ko">113<\/td><td class="num ko">2<\/td><td class="num warn">1,076<\/td>/,
    );
  });

  it('shows the reconnect storm after each restore in the resilience section, and nothing for a summary without one', () => {
    const s = fixture();
    expect(renderHtml(s)).not.toContain('id="reconnect-storm"');
    s.metrics.reconnectStorm = [
      {
        fault: 'cut#1',
        from: 20,
        to: 52,
        peak: 987,
        peakAt: 27,
        p99: 987,
        attempts: 1_000,
        failures: 13,
        failuresByReason: { 'refused 1006': 13 },
        gatewayAcceptErrors: null,
      },
    ];
    const out = renderHtml(s);
    const section = out.slice(
      out.indexOf('<section class="card" id="resilience">'),
      out.indexOf('<section class="card" id="latency">'),
    );
    expect(section).toContain('<h3 id="reconnect-storm">Reconnect storm after each restore</h3>');
    expect(section).toMatch(
      /<td class="fault-id">cut#1<\/td><td class="num">20 s–52 s<\/td><td class="num"><b>987<\/b><\/td>/,
    );
    expect(section).toContain('refused 1006 13');
    expect(section).toContain('not visible');
  });

  it('renders a summary with no data at all', () => {
    const out = renderHtml(emptySummary());
    expect(out).toContain('No checks were run.');
    expect(out).toContain('No fault was applied in this run.');
    expect(out).toContain('GATEWAY_EXITED');
    expect(embedded(out)).toEqual(emptySummary());
  });
});

// The page script, run in a VM with the real chart.js against a stub DOM (testing/stub-page.ts).
describe('the page script', () => {
  it('draws every chart of the fixture, and lists the examples', () => {
    const summary = fixture();
    const { canvases, holders, logged, chartOf } = runPage(renderHtml(summary));
    expect(logged).toEqual([]);
    expect(canvases.map((c) => c.id)).toEqual(CHART_IDS);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');

    // Fault bands: the fault id is written on every timeline chart.
    for (const id of [
      'chart-sockets',
      'chart-attempts',
      'chart-closes',
      'chart-messages',
      'chart-latency-series',
      'chart-generator-eld',
      'chart-generator-cpu',
      'chart-stack-cpu',
      'chart-stack-memory',
    ]) {
      const canvas = canvases.find((c) => c.id === id)!;
      expect(
        canvas.calls.some((k) => k.fn === 'fillText' && k.args[0] === 'cut#1'),
        id,
      ).toBe(true);
    }

    // Spectrum: tail-spreading axis, thresholds as lines at their limits.
    const spectrum = chartOf('chart-latency-spectrum')!;
    const labels = spectrum.scales.x.ticks.map((t) => t.label);
    expect(labels).toEqual(expect.arrayContaining(['50%', '90%', '99%', '99.9%', 'max']));
    expect(spectrum.scales.y.type).toBe('logarithmic');
    const p99 = spectrum.data.datasets.find((d) => d.label === 'p(99)<250')!;
    expect(p99.data).toEqual([expect.objectContaining({ y: 250 }), expect.objectContaining({ y: 250 })]);
    expect(spectrum.data.datasets.some((d) => d.label === 'max<2000')).toBe(true);

    // Reconnect delays: envelope as floating bars, one per attempt number.
    const delays = chartOf('chart-reconnect-delays')!;
    const envelope = delays.data.datasets.find((d) => d.label === 'policy envelope')!;
    expect(envelope.data).toEqual(summary.metrics.reconnectDelays.map((r) => [r.envelopeMin, r.envelopeMax]));

    // Examples: one table row per example, under the failing check.
    expect(holders.length).toBe(1);
    const rows = holders[0].find('tbody')[0].find('tr');
    expect(rows.length).toBe(summary.checks[0].examples.length);
    expect(rows[0].textContent).toContain(summary.checks[0].examples[0].message!);
  });

  it('stacks failures by reason and closes by close code per second, attempts drawn over them', () => {
    const s = fixture();
    const p = s.metrics.series;
    p[15] = { ...p[15], failuresByReason: { 'refused 1006': 60, timeout: 3 }, closesByCode: { '1006': 100 } };
    p[16] = { ...p[16], failuresByReason: { 'refused 1006': 40 } };
    p[31] = { ...p[31], closesByCode: { '1000': 100, '4401': 2 } };
    const { canvases, logged, chartOf } = runPage(renderHtml(s));
    expect(logged).toEqual([]);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');
    const attempts = chartOf('chart-attempts')!;
    expect(attempts.data.datasets.map((d) => d.label)).toEqual(['failed: refused 1006', 'failed: timeout', 'attempts']);
    const refused = attempts.data.datasets[0].data as { x: number; y: number }[];
    expect(refused.length).toBe(p.length);
    expect(refused.find((d) => d.x === 15.5)!.y).toBe(60);
    expect(refused.reduce((a, d) => a + d.y, 0)).toBe(100);
    const closes = chartOf('chart-closes')!;
    expect(closes.data.datasets.map((d) => d.label)).toEqual([
      '1000 normal closure',
      '1006 abnormal: no close frame (network)',
      '4401 bad or expired token',
    ]);
  });

  it('falls back to one failures bar for a summary written before the breakdown existed', () => {
    const s = fixture();
    s.metrics.series[15] = { ...s.metrics.series[15], failures: 7 };
    const { chartOf } = runPage(renderHtml(s));
    expect(chartOf('chart-attempts')!.data.datasets.map((d) => d.label)).toEqual(['failed', 'attempts']);
    expect(chartOf('chart-closes')!.data.datasets).toEqual([]);
  });

  it('bins every reconnect delay into the histogram, one stack per attempt, with the envelopes as lanes', () => {
    const s = fixture();
    const rows = s.metrics.reconnectDelays;
    rows[0].delays.push(5_000); // far outside attempt 1's envelope
    const { canvases, chartOf } = runPage(renderHtml(s));
    const hist = chartOf('chart-reconnect-histogram')!;
    expect(hist.data.datasets.length).toBe(rows.length);
    hist.data.datasets.forEach((d, i) => {
      const total = (d.data as { y: number }[]).reduce((a, b) => a + b.y, 0);
      expect(total, d.label).toBe(rows[i].delays.length);
      expect(d.label).toContain(`#${rows[i].attempt} (n=${rows[i].delays.length}`);
    });
    expect(hist.data.datasets[0].label).toContain('1 outside');
    const canvas = canvases.find((c) => c.id === 'chart-reconnect-histogram')!;
    for (const r of rows)
      expect(
        canvas.calls.some((k) => k.fn === 'fillText' && k.args[0] === `#${r.attempt}`),
        `lane #${r.attempt}`,
      ).toBe(true);
  });

  it('draws the gateway and Toxiproxy CPU and memory, one line per process', () => {
    const s = fixture();
    s.metrics.stack = [0, 1, 2].flatMap((t) => [
      { s: t, name: 'gateway', cpu: 0.25, rssMb: 80 + t },
      { s: t, name: 'toxiproxy', cpu: 0.1, rssMb: 30 },
    ]);
    const { canvases, logged, chartOf } = runPage(renderHtml(s));
    expect(logged).toEqual([]);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');
    const cpu = chartOf('chart-stack-cpu')!;
    expect(cpu.data.datasets.map((d) => d.label)).toEqual(['gateway', 'toxiproxy']);
    expect(cpu.data.datasets[0].data).toEqual([
      { x: 0, y: 25 },
      { x: 1, y: 25 },
      { x: 2, y: 25 },
    ]);
    expect(chartOf('chart-stack-memory')!.data.datasets[0].data).toEqual([
      { x: 0, y: 80 },
      { x: 1, y: 81 },
      { x: 2, y: 82 },
    ]);
    // Without samples (older summaries, other stacks) the charts say "no data".
    const none = runPage(renderHtml(fixture())).canvases.find((c) => c.id === 'chart-stack-cpu')!;
    expect(none.calls.some((k) => k.fn === 'fillText' && k.args[0] === 'no data')).toBe(true);
  });

  it('draws every chart of a summary with no data, without a console message', () => {
    const { canvases, logged } = runPage(renderHtml(emptySummary()));
    expect(logged).toEqual([]);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');
    expect(
      canvases.find((c) => c.id === 'chart-sockets')!.calls.some((k) => k.fn === 'fillText' && k.args[0] === 'no data'),
    ).toBe(true);
  });

  it('copes with nulls, a lone worker and a 100th percentile only', () => {
    const s = fixture();
    s.metrics.series = s.metrics.series.map((p) => ({ ...p, p50: null, p95: null, p99: null, max: null }));
    s.metrics.generator = s.metrics.generator.filter((g) => g.worker === 0);
    s.metrics.latency.spectrum = [{ percentile: 100, value: 64 }];
    s.metrics.reconnectDelays = [{ attempt: 1, envelopeMin: 1000, envelopeMax: 1000, delays: [] }];
    s.thresholds = { delivery_latency: ['p(99.9)<=1000', 'count==0'] };
    const { canvases, logged } = runPage(renderHtml(s));
    expect(logged).toEqual([]);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');
  });
});
