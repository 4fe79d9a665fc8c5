import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { renderHtml } from './html.ts';
import type { Summary } from './summary.ts';

const FIXTURE = new URL('../../test/fixtures/summary-fail.json', import.meta.url);

function fixture(): Summary {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Summary;
}

function umdSource(): string {
  const dir = dirname(createRequire(import.meta.url).resolve('chart.js'));
  return readFileSync(join(dir, 'chart.umd.js'), 'utf8');
}

const DATA_RE = /<script type="application\/json" id="chatstorm-data">([\s\S]*?)<\/script>/;

function embedded(html: string): unknown {
  const m = DATA_RE.exec(html);
  if (!m) throw new Error('no #chatstorm-data script element');
  return JSON.parse(m[1]);
}

/** The executable inline scripts, in order: chart.js, then the page's own. */
function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

function urls(text: string): Set<string> {
  return new Set(text.match(/https?:\/\/[^\s"'<>)]+/gi) ?? []);
}

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
    const order = ['class="hero', 'id="checks"', 'id="timeline"', 'id="resilience"', 'id="latency"', 'id="generator"'].map(at);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('shows thresholds with observed, limit, headroom and window, and the first breach', () => {
    expect(html).toContain('<code>p(99)&lt;250</code>');
    expect(html).toContain('238.696');
    expect(html).toContain('first breach at <b>20.218 s</b>');
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
    expect(html.match(/data-examples="/g)?.length).toBe(summary.checks.filter((c) => c.verdict !== 'pass' && c.examples.length).length);
  });

  it('gives every canvas a unique id and a data-chart name', () => {
    const canvases = [...html.matchAll(/<canvas\b[^>]*>/g)].map((m) => m[0]);
    expect(canvases.length).toBe(9);
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
    expect(out.match(/<script\b/gi)?.length).toBe(3);
    expect(out.match(/<\/script/gi)?.length).toBe(3);
    expect(embedded(out)).toEqual(hostile);
  });

  it('says prominently when the run was interrupted, and lists runtime errors', () => {
    expect(html).not.toContain('Interrupted.');
    const s = { ...fixture(), interrupted: true, verdict: 'error' as const, runtimeErrors: [{ code: 'PROXY_UNREACHABLE', message: 'Toxiproxy API did not answer' }] };
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

  it('renders a summary with no data at all', () => {
    const out = renderHtml(emptySummary());
    expect(out).toContain('No checks were run.');
    expect(out).toContain('No fault was applied in this run.');
    expect(out).toContain('GATEWAY_EXITED');
    expect(embedded(out)).toEqual(emptySummary());
  });
});

// ---------------------------------------------------------------------------------------------
// The page script, run in a VM with the real chart.js and a stub DOM and canvas. Without `window`
// chart.js picks its DOM-less platform, so this checks the configurations and the page's own code
// (no exception, no console output, every canvas drawn); the browser test checks the pixels.

interface Call { fn: string; args: unknown[] }

class StubElement {
  tagName: string;
  id = '';
  className = '';
  children: StubElement[] = [];
  parentNode: StubElement | null = null;
  dataset: Record<string, string> = {};
  style: Record<string, string> = {};
  attributes: Record<string, string> = {};
  width = 640;
  height = 250;
  calls: Call[] = [];
  private text = '';
  private context: object | null = null;
  constructor(tag: string) {
    this.tagName = tag.toUpperCase();
  }
  get textContent(): string {
    return this.text + this.children.map((c) => c.textContent).join('');
  }
  set textContent(v: string) {
    this.text = String(v);
    this.children = [];
  }
  appendChild(c: StubElement): StubElement {
    c.parentNode = this;
    this.children.push(c);
    return c;
  }
  setAttribute(k: string, v: string): void {
    this.attributes[k] = String(v);
  }
  getAttribute(k: string): string | null {
    return this.attributes[k] ?? null;
  }
  addEventListener(): void {}
  removeEventListener(): void {}
  find(tag: string): StubElement[] {
    return this.children.flatMap((c) => (c.tagName === tag.toUpperCase() ? [c] : []).concat(c.find(tag)));
  }
  getContext(): object {
    if (!this.context) {
      const calls = this.calls;
      const base: Record<string | symbol, unknown> = {
        canvas: this,
        font: '10px sans-serif',
        measureText: (t: string) => ({ width: String(t).length * 6, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 }),
        createLinearGradient: () => ({ addColorStop() {} }),
        createRadialGradient: () => ({ addColorStop() {} }),
        createPattern: () => ({}),
        getLineDash: () => [],
        isPointInPath: () => false,
        getImageData: () => ({ data: new Uint8ClampedArray(4) }),
      };
      this.context = new Proxy(base, {
        get(t, k) {
          if (k in t) return t[k];
          return (...args: unknown[]) => {
            calls.push({ fn: String(k), args });
          };
        },
        set(t, k, v) {
          t[k] = v;
          return true;
        },
      });
    }
    return this.context;
  }
}

function runPage(html: string) {
  const byId = new Map<string, StubElement>();
  const data = new StubElement('script');
  data.id = 'chatstorm-data';
  data.textContent = DATA_RE.exec(html)![1];
  byId.set(data.id, data);
  const canvases: StubElement[] = [];
  for (const m of html.matchAll(/<canvas id="([^"]+)" data-chart="([^"]+)"/g)) {
    const figure = new StubElement('figure');
    const box = figure.appendChild(new StubElement('div'));
    const canvas = box.appendChild(new StubElement('canvas'));
    canvas.id = m[1];
    canvas.dataset.chart = m[2];
    byId.set(canvas.id, canvas);
    canvases.push(canvas);
  }
  const holders = [...html.matchAll(/data-examples="(\d+)"/g)].map((m) => {
    const d = new StubElement('div');
    d.dataset.examples = m[1];
    return d;
  });
  const document = {
    getElementById: (id: string) => byId.get(id) ?? null,
    createElement: (tag: string) => new StubElement(tag),
    querySelectorAll: (sel: string) => {
      if (sel === '[data-examples]') return holders;
      if (sel === 'canvas[data-chart]') return canvases;
      throw new Error(`stub DOM: unsupported selector ${sel}`);
    },
  };
  const logged: { level: string; args: unknown[] }[] = [];
  const log = (level: string) => (...args: unknown[]) => logged.push({ level, args });
  const context = vm.createContext({
    document,
    console: { log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') },
    setTimeout,
    clearTimeout,
  });
  const [chartJs, page] = inlineScripts(html);
  vm.runInContext(chartJs, context, { filename: 'chart.umd.js' });
  vm.runInContext(page, context, { filename: 'page.js' });
  const Chart = (context as { Chart: { getChart(c: StubElement): ChartLike | undefined } }).Chart;
  return { canvases, holders, logged, chartOf: (id: string) => Chart.getChart(byId.get(id)!) };
}

interface ChartLike {
  scales: Record<string, { type: string; ticks: { value: number; label: string | string[] }[] }>;
  data: { datasets: { label: string; data: unknown[] }[] };
}

describe('the page script', () => {
  it('draws every chart of the fixture, and lists the examples', () => {
    const summary = fixture();
    const { canvases, holders, logged, chartOf } = runPage(renderHtml(summary));
    expect(logged).toEqual([]);
    expect(canvases.length).toBe(9);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');

    // Fault bands: the fault id is written on every timeline chart.
    for (const id of ['chart-sockets', 'chart-attempts', 'chart-messages', 'chart-latency-series', 'chart-generator-eld', 'chart-generator-cpu']) {
      const canvas = canvases.find((c) => c.id === id)!;
      expect(canvas.calls.some((k) => k.fn === 'fillText' && k.args[0] === 'cut#1'), id).toBe(true);
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

  it('draws every chart of a summary with no data, without a console message', () => {
    const { canvases, logged } = runPage(renderHtml(emptySummary()));
    expect(logged).toEqual([]);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');
    expect(canvases.find((c) => c.id === 'chart-sockets')!.calls.some((k) => k.fn === 'fillText' && k.args[0] === 'no data')).toBe(true);
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
