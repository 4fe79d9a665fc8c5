/**
 * Test helpers for the report pages: the embedded data, the inline scripts, and the page script
 * run in a VM with the real chart.js against a stub DOM and canvas. Without `window` chart.js picks
 * its DOM-less platform, so this checks the chart configurations and the pages' own code (no
 * exception, no console output, every canvas drawn); the browser tests check the pixels.
 */
import vm from 'node:vm';

export const DATA_RE = /<script type="application\/json" id="chatstorm-data">([\s\S]*?)<\/script>/;

export function embedded(html: string): unknown {
  const m = DATA_RE.exec(html);
  if (!m) throw new Error('no #chatstorm-data script element');
  return JSON.parse(m[1]);
}

/** The executable inline scripts, in order: chart.js, then the page's own. */
export function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

export function urls(text: string): Set<string> {
  return new Set(text.match(/https?:\/\/[^\s"'<>)]+/gi) ?? []);
}

export interface Call {
  fn: string;
  args: unknown[];
}

export class StubElement {
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
        measureText: (t: string) => ({
          width: String(t).length * 6,
          actualBoundingBoxAscent: 8,
          actualBoundingBoxDescent: 2,
        }),
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

export function runPage(html: string) {
  const byId = new Map<string, StubElement>();
  // Every JSON data element: the summary (#chatstorm-data) and the close-code labels (#chatstorm-close-codes).
  for (const m of html.matchAll(/<script type="application\/json" id="([^"]+)">([\s\S]*?)<\/script>/g)) {
    const data = new StubElement('script');
    data.id = m[1];
    data.textContent = m[2];
    byId.set(data.id, data);
  }
  if (!byId.has('chatstorm-data')) throw new Error('no #chatstorm-data script element');
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
  const log =
    (level: string) =>
    (...args: unknown[]) =>
      logged.push({ level, args });
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

export interface ChartLike {
  scales: Record<string, { type: string; ticks: { value: number; label: string | string[] }[] }>;
  data: { datasets: { label: string; data: unknown[] }[] };
}
