// @ts-check
/**
 * compare.html's own script, after the chart kit: overlays per run on the shared timeline and on
 * the percentile axis. Each run brings its own fault bands (its colour, its letter). inline.ts
 * copies it into the page.
 */
import {
  DATA,
  alpha,
  arr,
  chartsReady,
  delaysChart,
  faultBands,
  fmt,
  isNum,
  line,
  num,
  percentileAxis,
  spectrumChart,
  spectrumPoints,
  spread,
  thresholdLines,
  timeChart,
} from './chart-kit.js';

/** @typedef {import('./chart-kit.js').Json} Json */
/** @typedef {import('./chart-kit.js').Dataset} Dataset */
/** @typedef {import('./chart-kit.js').Band} Band */

const RUNS = arr(DATA.runs).filter((r) => r?.summary);

function onlyDiffToggle() {
  const onlyDiff = /** @type {HTMLInputElement | null} */ (document.getElementById('only-diff'));
  if (!onlyDiff) return;
  const box = onlyDiff;
  box.addEventListener('change', () => {
    const section = document.getElementById('settings');
    if (section) section.classList.toggle('only-diff', box.checked);
  });
}

function drawCharts() {
  let xMax = 1;
  RUNS.forEach((r) => {
    const s = r.summary,
      m = s.metrics || {};
    [num(s.durationSeconds)].concat(arr(m.series).map((p) => (p && isNum(p.s) ? p.s + 1 : null))).forEach((v) => {
      if (isNum(v) && v > xMax) xMax = v;
    });
  });
  xMax = Math.ceil(xMax);
  /** @type {Band[]} */
  const bands = [];
  RUNS.forEach((r, i) => {
    arr(r.summary.metrics?.faults).forEach((f) => {
      if (f && isNum(f.start) && isNum(f.end))
        bands.push({ id: f.id, start: f.start, end: f.end, color: r.color, label: `${r.label}: ${f.id}`, lane: i });
    });
  });
  const BANDS = faultBands(bands, []);
  /** @param {Json} r */
  function series(r) {
    return arr(r.summary.metrics?.series)
      .filter((p) => p && isNum(p.s))
      .slice()
      .sort((a, b) => a.s - b.s);
  }
  /**
   * @param {string} key
   * @param {number} dx
   */
  function perRun(key, dx) {
    return RUNS.map((r) =>
      line(
        `${r.label} \u00b7 ${r.summary.runId}`,
        r.color,
        series(r).map((p) => ({ x: p.s + dx, y: num(p[key]) })),
      ),
    );
  }
  timeChart('chart-cmp-open', perRun('open', 1), 'open sockets', xMax, { integer: true, digits: 0, bands: BANDS });
  timeChart('chart-cmp-received', perRun('received', 0.5), 'messages per second', xMax, {
    integer: true,
    digits: 0,
    bands: BANDS,
  });
  timeChart('chart-cmp-p99', perRun('p99', 0.5), 'ms', xMax, { log: true, unit: 'ms', bands: BANDS });

  // --- spectra -----------------------------------------------------------------------------------
  (() => {
    const specs = RUNS.map((r) => spectrumPoints(r.summary.metrics?.latency?.spectrum));
    const axis = percentileAxis(specs, false);
    const datasets = RUNS.map((r, i) =>
      line(
        `${r.label} \u00b7 ${r.summary.runId}`,
        r.color,
        specs[i].map((p) => ({ x: axis.px(p.percentile), y: p.value, p: p.percentile })),
        { pointRadius: 2, borderWidth: 2 },
      ),
    );
    /** @type {string[]} */
    const exprs = [];
    RUNS.forEach((r) => {
      const t = r.summary.thresholds?.delivery_latency;
      arr(t).forEach((e) => {
        if (exprs.indexOf(e) < 0) exprs.push(e);
      });
    });
    spectrumChart('chart-cmp-spectrum', datasets.concat(thresholdLines(exprs, axis.xEnd)), axis);
  })();

  // --- reconnect delays per attempt: for each run its envelope (wide, light) and min-max (narrow)
  (() => {
    /** @type {number[]} */
    const attempts = [];
    RUNS.forEach((r) => {
      arr(r.summary.metrics?.reconnectDelays).forEach((d) => {
        if (d && isNum(d.attempt) && attempts.indexOf(d.attempt) < 0) attempts.push(d.attempt);
      });
    });
    attempts.sort((a, b) => a - b);
    /** @type {Dataset[]} */
    const datasets = [];
    /** @type {Record<number, ReturnType<typeof spread>[]>} */
    const stats = {};
    RUNS.forEach((r, i) => {
      const rows = arr(r.summary.metrics?.reconnectDelays);
      const tol = num(r.summary.metrics?.toleranceMs) || 0;
      /** @param {number} n */
      function rowOf(n) {
        for (let k = 0; k < rows.length; k++) if (rows[k] && rows[k].attempt === n) return rows[k];
        return null;
      }
      stats[i] = attempts.map((n) => {
        const row = rowOf(n);
        return row ? spread(row.delays) : null;
      });
      datasets.push({
        type: 'bar',
        label: `${r.label} envelope`,
        stack: `run${i}`,
        order: 2,
        data: attempts.map((n) => {
          const row = rowOf(n);
          return row && isNum(row.envelopeMin) && isNum(row.envelopeMax)
            ? [Math.max(0, row.envelopeMin - tol), row.envelopeMax + tol]
            : null;
        }),
        backgroundColor: alpha(r.color, 0.14),
        borderColor: alpha(r.color, 0.5),
        borderWidth: 1,
        barPercentage: 0.92,
        categoryPercentage: 0.85,
        minBarLength: 2,
      });
      datasets.push({
        type: 'bar',
        label: `${r.label} observed`,
        stack: `run${i}`,
        order: 1,
        run: i,
        data: stats[i].map((s) => (s ? [s.min, s.max] : null)),
        backgroundColor: alpha(r.color, 0.85),
        borderWidth: 0,
        barPercentage: 0.4,
        categoryPercentage: 0.85,
        minBarLength: 2,
      });
    });
    delaysChart(
      'chart-cmp-delays',
      attempts.map((n) => `#${n}`),
      datasets,
      (item) => {
        const r = item.raw;
        if (!Array.isArray(r)) return '';
        const d = /** @type {Dataset} */ (item.dataset);
        const s = d.run !== undefined && stats[d.run] ? stats[d.run][item.dataIndex] : null;
        return `${d.label}: ${fmt(r[0])}\u2013${fmt(r[1])} ms${s ? ` (n=${s.n}, median ${fmt(s.med)} ms)` : ''}`;
      },
    );
  })();
}

onlyDiffToggle();
if (chartsReady()) drawCharts();
