// @ts-check
/**
 * The chart kit: the one chart configuration that index.html and compare.html share. It parses the
 * embedded JSON (#chatstorm-data), and gives the helpers every chart needs: chart.js defaults, the
 * plugin that marks a canvas data-drawn="true" once drawn (the browser test waits for it) and says
 * "no data" on an empty chart, the fault-band plugin, the time axis, the tail-spreading percentile
 * axis, threshold lines and the reconnect-delay chart. Plain ES2017 in the browser, no network.
 *
 * It is an ES module for the type checker and the linter; inline.ts copies it, without its import
 * and export keywords, into the one function that is each page's script, so its names are locals
 * there. It avoids `window`, where chart.js would take it as a sign of a DOM, so that it also runs
 * against a stub canvas in a unit test.
 */

/** @typedef {import('chart.js').Chart} ChartInstance */
/** @typedef {import('chart.js').ChartArea} ChartArea */
/**
 * The embedded summary, as read from JSON: older summaries lack newer fields, so every page reads it
 * defensively (arr, isNum, num) instead of trusting a type.
 * @typedef {any} Json
 */
/** A fault window on the time axis, in seconds. @typedef {{ id: string, start: number, end: number, color?: string, label?: string, lane?: number }} Band */
/** A chart.js dataset with chatstorm's own marks (isReference: a threshold line, not data). @typedef {Record<string, any>} Dataset */
/** A chart.js tooltip item. @typedef {import('chart.js').TooltipItem<any>} Item */
/** chart.js's UMD build. @typedef {typeof import('chart.js').Chart & { Ticks: typeof import('chart.js').Ticks }} ChartJs */

const dataEl = document.getElementById('chatstorm-data');
/** @type {Json} */
export const DATA = JSON.parse(dataEl?.textContent ? dataEl.textContent : '{}') || {};
export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
/** The legend of every chart with a legend (a new object each time: chart.js owns what it is given). */
export function legendTop() {
  return { position: 'top', align: 'end' };
}

/**
 * @param {unknown} x
 * @returns {Json[]}
 */
export function arr(x) {
  return Array.isArray(x) ? x : [];
}
/**
 * @param {unknown} x
 * @returns {x is number}
 */
export function isNum(x) {
  return typeof x === 'number' && Number.isFinite(x);
}
/**
 * @param {unknown} x
 * @returns {number | null}
 */
export function num(x) {
  return isNum(x) ? x : null;
}
/**
 * @param {string} tag
 * @param {string} [cls]
 * @param {unknown} [text]
 */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
/**
 * @param {unknown} v
 * @param {number} [digits]
 */
export function fmt(v, digits) {
  if (!isNum(v)) return '\u2014';
  const d = digits === undefined ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits;
  return Number(v.toFixed(d)).toLocaleString('en-US');
}
/**
 * "#2563eb" at opacity a, as rgba().
 * @param {string} hex
 * @param {number} a
 */
export function alpha(hex, a) {
  const h = String(hex).replace('#', '');
  const n = parseInt(h.length === 3 ? h.replace(/(.)/g, '$1$1') : h, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}
/**
 * The smallest 1, 2 or 5 × 10^k not below x: bin widths a reader can add up.
 * @param {number} x
 */
export function niceStep(x) {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** chart.js, from its inlined UMD build (which sets globalThis.Chart); null when it did not load. */
const G = /** @type {{ Chart?: ChartJs }} */ (/** @type {unknown} */ (globalThis));
const C = typeof G.Chart === 'function' ? G.Chart : null;

/**
 * @param {string} id
 * @param {string} message
 */
function fail(id, message) {
  const canvas = document.getElementById(id);
  if (!canvas) return;
  canvas.dataset.drawn = 'error';
  const box = canvas.parentNode;
  if (box?.parentNode) box.parentNode.appendChild(el('p', 'chart-error', message));
}

/** @param {ChartInstance} chart */
function hasData(chart) {
  const ds = /** @type {Dataset[]} */ (chart.data.datasets || []);
  for (let i = 0; i < ds.length; i++) {
    if (ds[i].isReference) continue;
    const d = ds[i].data || [];
    for (let j = 0; j < d.length; j++) {
      const p = d[j];
      if (p === null || p === undefined) continue;
      if (Array.isArray(p) || typeof p !== 'object' || (p.y !== null && p.y !== undefined)) return true;
    }
  }
  return false;
}

/** Sets chart.js up once; without chart.js every canvas says so (and is not marked drawn). */
export function chartsReady() {
  if (!C) {
    const all = document.querySelectorAll('canvas[data-chart]');
    for (let a = 0; a < all.length; a++) fail(all[a].id, 'chart.js did not load; the data is in #chatstorm-data.');
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
    /** @param {ChartInstance} chart */
    afterDraw: (chart) => {
      if (!hasData(chart) && chart.chartArea) {
        const ctx = chart.ctx,
          area = chart.chartArea;
        ctx.save();
        ctx.fillStyle = '#94a3b8';
        ctx.font = `12px ${FONT}`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText('no data', (area.left + area.right) / 2, (area.top + area.bottom) / 2);
        ctx.restore();
      }
      chart.canvas.dataset.drawn = 'true';
    },
  });
  return true;
}

/**
 * Fault windows as translucent bands with their id, steady-state windows as a thin green rule
 * under the plot. Bands in seconds; one colour per run on the compare page, red on a single run's
 * page.
 * @param {Json[]} bands
 * @param {Json} steady
 */
export function faultBands(bands, steady) {
  /** @type {Band[]} */
  const B = arr(bands).filter((f) => f && isNum(f.start) && isNum(f.end));
  /** @type {[number, number][]} */
  const W = arr(steady).filter((w) => Array.isArray(w) && isNum(w[0]) && isNum(w[1]));
  return {
    id: 'chatstormFaultBands',
    /** @param {ChartInstance} chart */
    beforeDraw: (chart) => {
      const area = chart.chartArea,
        x = chart.scales.x;
      if (!area || !x) return;
      const ctx = chart.ctx;
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
      ctx.clip();
      for (let i = 0; i < B.length; i++) {
        const f = B[i],
          color = f.color || '#dc2626';
        const x0 = x.getPixelForValue(f.start),
          x1 = x.getPixelForValue(Math.max(f.end, f.start));
        ctx.fillStyle = alpha(color, 0.11);
        ctx.fillRect(x0, area.top, Math.max(1, x1 - x0), area.bottom - area.top);
        ctx.fillStyle = alpha(color, 0.55);
        ctx.fillRect(x0, area.top, 1, area.bottom - area.top);
        ctx.fillStyle = f.color ? color : 'rgba(153, 27, 27, 0.9)';
        ctx.font = `600 10px ${FONT}`;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(String(f.label || f.id), x0 + 3, area.top + 3 + (f.lane || 0) * 12);
      }
      ctx.fillStyle = 'rgba(22, 163, 74, 0.6)';
      for (let j = 0; j < W.length; j++) {
        const s0 = x.getPixelForValue(W[j][0]),
          s1 = x.getPixelForValue(W[j][1]);
        ctx.fillRect(s0, area.bottom - 3, Math.max(1, s1 - s0), 3);
      }
      ctx.restore();
    },
  };
}

/**
 * Draws one chart into the canvas of that id; a chart that cannot be drawn says why under it.
 * The configuration is chart.js's, plus chatstorm's own dataset marks (isReference, run), which
 * chart.js's types do not know: hence `any` at this one boundary.
 * @param {string} id
 * @param {any} config
 */
export function draw(id, config) {
  const canvas = /** @type {HTMLCanvasElement | null} */ (document.getElementById(id));
  if (!canvas || !C) return;
  try {
    new C(canvas, config);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    fail(id, `This chart could not be drawn: ${message}`);
    if (typeof console !== 'undefined') console.error(e);
  }
}

/**
 * @param {string} label
 * @param {string} color
 * @param {Json[]} data
 * @param {Dataset} [extra]
 * @returns {Dataset}
 */
export function line(label, color, data, extra) {
  /** @type {Dataset} */
  const d = {
    type: 'line',
    label: label,
    data: data,
    borderColor: color,
    backgroundColor: color,
    borderWidth: 1.5,
    pointRadius: 0,
    pointHoverRadius: 3,
    pointHitRadius: 6,
    spanGaps: false,
    tension: 0,
  };
  if (extra) for (const k in extra) d[k] = extra[k];
  return d;
}

/** @param {Dataset[]} datasets */
export function positiveOnly(datasets) {
  let any = false;
  for (let i = 0; i < datasets.length; i++) {
    const d = datasets[i].data;
    for (let j = 0; j < d.length; j++) {
      const y = d[j] && typeof d[j] === 'object' ? d[j].y : d[j];
      if (y === null || y === undefined) continue;
      if (!(y > 0)) return false;
      any = true;
    }
  }
  return any;
}

// chart.js's own log-axis formatter decides which ticks get a label; this one only drops the ".0".
export function logTicks() {
  return {
    /**
     * @this {import('chart.js').Scale}
     * @param {number} v
     * @param {number} i
     * @param {import('chart.js').Tick[]} ticks
     */
    callback: function (v, i, ticks) {
      const label = C ? C.Ticks.formatters.logarithmic.call(this, v, i, ticks) : '';
      if (label === '' || !isNum(v)) return label;
      return v >= 1 ? Number(v.toPrecision(6)).toLocaleString('en-US') : String(Number(v.toPrecision(2)));
    },
  };
}

/**
 * The shared timeline's x axis: seconds since the run started, 0 to xMax on every chart.
 * @param {number} xMax
 * @param {boolean} [stacked]
 */
function timeAxis(xMax, stacked) {
  /** @type {Record<string, unknown>} */
  const x = {
    type: 'linear',
    min: 0,
    max: xMax,
    title: { display: true, text: 'seconds since start' },
    ticks: { maxTicksLimit: 14 },
  };
  if (stacked) {
    x.stacked = true;
    x.offset = false;
  }
  return x;
}

/**
 * @typedef {object} TimeChartOptions
 * @property {boolean} [log] a log y axis when every value is positive
 * @property {boolean} [integer] integer ticks
 * @property {number} [digits] digits in the tooltip
 * @property {string} [unit] unit in the tooltip
 * @property {number} [suggestedMax]
 * @property {object} [bands] the fault-band plugin (faultBands)
 */

/**
 * A line chart on the shared timeline.
 * @param {string} id
 * @param {Dataset[]} datasets
 * @param {string} yTitle
 * @param {number} xMax
 * @param {TimeChartOptions} [opts]
 */
export function timeChart(id, datasets, yTitle, xMax, opts) {
  const o = opts || {};
  const yType = o.log && positiveOnly(datasets) ? 'logarithmic' : 'linear';
  /** @type {Record<string, unknown>} */
  const y = { type: yType, title: { display: true, text: yTitle } };
  if (yType === 'logarithmic') y.ticks = logTicks();
  if (yType === 'linear') {
    y.beginAtZero = true;
    if (o.suggestedMax !== undefined) y.suggestedMax = o.suggestedMax;
  }
  if (o.integer && yType === 'linear') y.ticks = { precision: 0 };
  draw(id, {
    type: 'line',
    data: { datasets: datasets },
    options: {
      parsing: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: { x: timeAxis(xMax), y: y },
      plugins: {
        legend: legendTop(),
        tooltip: {
          callbacks: {
            /** @param {Item[]} items */
            title: (items) => (items.length ? `t = ${items[0].parsed.x} s` : ''),
            /** @param {Item} item */
            label: (item) => `${item.dataset.label}: ${fmt(item.parsed.y, o.digits)}${o.unit ? ` ${o.unit}` : ''}`,
          },
        },
      },
    },
    plugins: o.bands ? [o.bands] : [],
  });
}

/**
 * Stacked bars per second (one bar spans the second it counts) with lines over them, on the
 * shared timeline. Bars are { x: s + 0.5, y } for every second, zeros included, so that every
 * bar gets the width of one second.
 * @param {string} id
 * @param {{ label: string, color: string, data: Json[] }[]} bars
 * @param {Dataset[]} lines
 * @param {string} yTitle
 * @param {number} xMax
 * @param {object} [bands]
 */
export function barTimeChart(id, bars, lines, yTitle, xMax, bands) {
  const datasets = bars
    .map((b) => ({
      type: 'bar',
      label: b.label,
      data: b.data,
      backgroundColor: b.color,
      borderWidth: 0,
      barPercentage: 1,
      categoryPercentage: 0.9,
      stack: 'bars',
      order: 1,
    }))
    .concat(
      lines.map((l, i) => {
        l.stack = `line-${i}`;
        l.order = 0;
        return /** @type {any} */ (l);
      }),
    );
  draw(id, {
    type: 'bar',
    data: { datasets: datasets },
    options: {
      interaction: { mode: 'index', axis: 'x', intersect: false },
      scales: {
        x: timeAxis(xMax, true),
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: yTitle } },
      },
      plugins: {
        legend: legendTop(),
        tooltip: {
          /** @param {Item} item */
          filter: (item) => item.parsed.y !== 0,
          callbacks: {
            /** @param {Item[]} items */
            title: (items) => {
              if (!items.length) return '';
              const s = Math.floor(items[0].parsed.x);
              return `${s}\u2013${s + 1} s`;
            },
            /** @param {Item} item */
            label: (item) => `${item.dataset.label}: ${fmt(item.parsed.y, 0)}`,
          },
        },
      },
    },
    plugins: bands ? [bands] : [],
  });
}

/**
 * Reconnect delays per attempt (one category per attempt) as floating bars against the policy's
 * envelope; index.html draws one run, compare.html every run.
 * @param {string} id
 * @param {string[]} labels
 * @param {Dataset[]} datasets
 * @param {(item: Item) => string} label the tooltip line of a bar
 */
export function delaysChart(id, labels, datasets, label) {
  draw(id, {
    type: 'bar',
    data: { labels: labels, datasets: datasets },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { title: { display: true, text: 'attempt in the reconnect series' } },
        y: { stacked: false, beginAtZero: true, title: { display: true, text: 'delay before the attempt (ms)' } },
      },
      plugins: { legend: legendTop(), tooltip: { callbacks: { label: label } } },
    },
  });
}

// --- the percentile axis: x = -log10(1 - p/100) spreads the tail (90 %, 99 %, 99.9 % equally apart)

/** @param {number} p */
function tailX(p) {
  return -Math.log10(1 - p / 100);
}
/** @param {number} x */
function tailLabel(x) {
  if (x <= 0) return '0%';
  const p = 100 * (1 - 10 ** -x);
  return `${String(Number(p.toFixed(6)))}%`;
}
/**
 * Valid spectrum points, sorted.
 * @param {Json} spec
 * @returns {{ percentile: number, value: number }[]}
 */
export function spectrumPoints(spec) {
  return arr(spec)
    .filter((p) => p && isNum(p.percentile) && isNum(p.value) && p.percentile >= 0 && p.percentile <= 100)
    .slice()
    .sort((a, b) => a.percentile - b.percentile);
}
/**
 * The axis for some spectra: at least three nines; "max" (100 %) drawn a little right of the last
 * nine. Returns { px(p), xEnd, scale } where scale is the chart.js x scale.
 * @param {{ percentile: number }[][]} spectra
 * @param {boolean} hasMax
 */
export function percentileAxis(spectra, hasMax) {
  let finiteMax = 0;
  spectra.forEach((spec) => {
    spec.forEach((p) => {
      if (p.percentile < 100) finiteMax = Math.max(finiteMax, tailX(p.percentile));
    });
    if (spec.some((p) => p.percentile >= 100)) hasMax = true;
  });
  const K = Math.max(3, Math.ceil(finiteMax - 1e-9));
  const xEnd = hasMax ? K + 0.6 : K;
  const ticks = [0, Math.log10(2)];
  for (let k = 1; k <= K; k++) ticks.push(k);
  if (hasMax) ticks.push(xEnd);
  return {
    xEnd: xEnd,
    /** @param {number} p */
    px: (p) => (p >= 100 ? xEnd : tailX(p)),
    scale: {
      type: 'linear',
      min: 0,
      max: xEnd,
      title: { display: true, text: 'percentile' },
      /** @param {{ ticks: { value: number }[] }} axis */
      afterBuildTicks: (axis) => {
        axis.ticks = ticks.map((v) => ({ value: v }));
      },
      ticks: {
        autoSkip: false,
        /** @param {number} v */
        callback: (v) => (hasMax && Math.abs(v - xEnd) < 1e-9 ? 'max' : tailLabel(v)),
      },
    },
  };
}
const TH = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|max|min|avg|med)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
/**
 * delivery_latency thresholds as dashed horizontal lines across a percentile axis.
 * @param {Json} exprs
 * @param {number} xEnd
 */
export function thresholdLines(exprs, xEnd) {
  const colors = ['#dc2626', '#b45309', '#7c3aed', '#be185d'];
  /** @type {Dataset[]} */
  const out = [];
  arr(exprs).forEach((expr, i) => {
    const m = TH.exec(String(expr));
    if (!m) return;
    const limit = Number(m[4]);
    if (!isNum(limit)) return;
    out.push(
      line(
        String(expr).trim(),
        colors[i % colors.length],
        [
          { x: 0, y: limit },
          { x: xEnd, y: limit },
        ],
        { borderDash: [7, 4], borderWidth: 1.5, isReference: true, pointHitRadius: 0 },
      ),
    );
  });
  return out;
}
/**
 * @param {string} id
 * @param {Dataset[]} datasets
 * @param {ReturnType<typeof percentileAxis>} axis
 */
export function spectrumChart(id, datasets, axis) {
  draw(id, {
    type: 'line',
    data: { datasets: datasets },
    options: {
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: axis.scale,
        y: positiveOnly(datasets)
          ? { type: 'logarithmic', ticks: logTicks(), title: { display: true, text: 'latency (ms)' } }
          : { type: 'linear', beginAtZero: true, title: { display: true, text: 'latency (ms)' } },
      },
      plugins: {
        legend: legendTop(),
        tooltip: {
          callbacks: {
            title: () => '',
            /** @param {Item} item */
            label: (item) => {
              const r = /** @type {{ p: number, y: number }} */ (item.raw || {});
              if (/** @type {Dataset} */ (item.dataset).isReference) return `threshold ${item.dataset.label}`;
              return `${item.dataset.label} ${r.p >= 100 ? 'max' : `p${r.p}`}: ${fmt(r.y)} ms`;
            },
          },
        },
      },
    },
  });
}

/**
 * min, median, max and count of a list of numbers (null when empty).
 * @param {Json} list
 * @returns {{ n: number, min: number, max: number, med: number } | null}
 */
export function spread(list) {
  const d = arr(list)
    .filter(isNum)
    .slice()
    .sort((a, b) => a - b);
  if (!d.length) return null;
  const mid = Math.floor(d.length / 2);
  return { n: d.length, min: d[0], max: d[d.length - 1], med: d.length % 2 ? d[mid] : (d[mid - 1] + d[mid]) / 2 };
}
