// @ts-check
/**
 * index.html's own script, after the chart kit: fills in the example tables from the one copy of
 * the examples in the data, then draws every chart. inline.ts copies it into the page.
 */
import {
  DATA,
  alpha,
  arr,
  barTimeChart,
  chartsReady,
  delaysChart,
  draw,
  el,
  faultBands,
  fmt,
  FONT,
  isNum,
  line,
  niceStep,
  num,
  percentileAxis,
  spectrumChart,
  spectrumPoints,
  spread,
  thresholdLines,
  timeChart,
} from './chart-kit.js';
import { BROWSER_CLOSE_CODES, PALETTE } from './constants.js';

/** @typedef {import('./chart-kit.js').Json} Json */
/** @typedef {import('./chart-kit.js').Dataset} Dataset */
/** @typedef {import('./chart-kit.js').Item} Item */
/** @typedef {import('./chart-kit.js').ChartInstance} ChartInstance */

/** @type {Json} */
const S = DATA;
/** @type {Json} */
const M = S.metrics || {};
/**
 * Close-code labels: the browser's and every protocol codec's, embedded by html.ts.
 * @type {Record<string, string>}
 */
const CLOSE_CODES = {
  ...BROWSER_CLOSE_CODES,
  ...JSON.parse(document.getElementById('chatstorm-close-codes')?.textContent || '{}'),
};

// --- evidence: example tables, from the one copy of the examples in the data ---------------------
function exampleTables() {
  const COLS = [
    ['category', 'category'],
    ['client', 'client'],
    ['user', 'user'],
    ['chat', 'chat'],
    ['message', 'message id'],
    ['seq', 'seq'],
    ['at', 'at (s)'],
    ['detail', 'detail'],
  ];
  /** @param {string} key */
  function numeric(key) {
    return key === 'seq' || key === 'at' || key === 'client';
  }
  const holders = /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-examples]'));
  for (let h = 0; h < holders.length; h++) {
    const holder = holders[h];
    const check = arr(S.checks)[Number(holder.dataset.examples)];
    const examples = check ? arr(check.examples) : [];
    if (!examples.length) continue;
    const table = el('table', 'ex');
    const thead = el('thead');
    const hr = el('tr');
    for (let c = 0; c < COLS.length; c++) hr.appendChild(el('th', numeric(COLS[c][0]) ? 'num' : '', COLS[c][1]));
    thead.appendChild(hr);
    table.appendChild(thead);
    const tbody = el('tbody');
    for (let i = 0; i < examples.length; i++) {
      const ex = examples[i] || {};
      const tr = el('tr');
      for (let k = 0; k < COLS.length; k++) {
        const key = COLS[k][0];
        const v = ex[key];
        const text =
          v === undefined || v === null
            ? ''
            : key === 'at' && isNum(v)
              ? String(Math.round(v * 1000) / 1000)
              : String(v);
        tr.appendChild(el('td', key === 'detail' ? 'detail' : numeric(key) ? 'num' : '', text));
      }
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    holder.appendChild(table);
  }
}

// --- charts -------------------------------------------------------------------------------------
function drawCharts() {
  const BANDS = faultBands(arr(M.faults), M.steadyWindows);
  const SERIES = arr(M.series)
    .filter((p) => p && isNum(p.s))
    .slice()
    .sort((a, b) => a.s - b.s);
  const GEN = arr(M.generator).filter((g) => g && isNum(g.s));
  let xMax = 1;
  [num(S.durationSeconds)]
    .concat(
      SERIES.map((p) => p.s + 1),
      GEN.map((g) => g.s + 1),
      arr(M.faults).map((f) => f?.end),
    )
    .forEach((v) => {
      if (isNum(v) && v > xMax) xMax = v;
    });
  xMax = Math.ceil(xMax);

  // Counts per second are drawn in the middle of the second they count; socket states were
  // sampled at its end. Either way a drop shows where it happened against the fault bands.
  /**
   * @param {string} key
   * @param {'end'} [at]
   */
  function seriesOf(key, at) {
    const dx = at === 'end' ? 1 : 0.5;
    return SERIES.map((p) => ({ x: p.s + dx, y: num(p[key]) }));
  }
  /**
   * The keys of a per-second breakdown (failuresByReason, closesByCode), largest total first.
   * @param {string} key
   */
  function breakdownKeys(key) {
    /** @type {Record<string, number>} */
    const totals = {};
    SERIES.forEach((p) => {
      const r = p[key];
      if (!r || typeof r !== 'object') return;
      for (const k in r) if (isNum(r[k])) totals[k] = (totals[k] || 0) + r[k];
    });
    return Object.keys(totals).sort((a, b) => totals[b] - totals[a] || (a < b ? -1 : a > b ? 1 : 0));
  }
  /** @param {(p: Json) => unknown} pick */
  function barsOf(pick) {
    return SERIES.map((p) => {
      const v = num(pick(p));
      return { x: p.s + 0.5, y: v === null ? 0 : v };
    });
  }
  /** @type {Record<string, string>} */
  const REASON_COLORS = { timeout: '#dc2626', refused: '#f97316', closed: '#a855f7', error: '#64748b' };
  /**
   * @param {string} key
   * @param {number} i
   */
  function reasonColor(key, i) {
    const base = String(key).split(' ')[0];
    if (/ 44\d\d$/.test(String(key))) return '#7e22ce';
    return REASON_COLORS[base] || PALETTE[(i + 3) % PALETTE.length];
  }
  /**
   * @param {string} code
   * @param {number} i
   */
  function codeColor(code, i) {
    if (code === '1000') return '#94a3b8';
    if (code === '1006') return '#dc2626';
    if (/^44\d\d$/.test(code)) return '#7e22ce';
    return PALETTE[(i + 2) % PALETTE.length];
  }

  // (a) sockets
  timeChart(
    'chart-sockets',
    [
      line('open', '#2563eb', seriesOf('open', 'end'), {
        fill: { target: 'origin' },
        backgroundColor: 'rgba(37, 99, 235, 0.08)',
      }),
      line('connecting', '#d97706', seriesOf('connecting', 'end')),
    ],
    'sockets',
    xMax,
    { integer: true, digits: 0, bands: BANDS },
  );

  // (b) connect attempts, and failures stacked by reason (older summaries: failures in one bar)
  (() => {
    const reasons = breakdownKeys('failuresByReason');
    let bars = reasons.map((r, i) => ({
      label: `failed: ${r}`,
      color: alpha(reasonColor(r, i), 0.75),
      data: barsOf((p) => (p.failuresByReason ? p.failuresByReason[r] || 0 : 0)),
    }));
    if (!bars.length && SERIES.some((p) => p.failures > 0)) {
      bars = [{ label: 'failed', color: 'rgba(220, 38, 38, 0.75)', data: barsOf((p) => p.failures) }];
    }
    const attempts = line('attempts', '#2563eb', seriesOf('attempts'), { type: 'line' });
    barTimeChart('chart-attempts', bars, [attempts], 'per second', xMax, BANDS);
  })();

  // (c) closes of open sockets, stacked by close code
  (() => {
    const codes = breakdownKeys('closesByCode');
    const bars = codes.map((code, i) => ({
      label: code + (CLOSE_CODES[code] ? ` ${CLOSE_CODES[code]}` : ''),
      color: alpha(codeColor(code, i), 0.75),
      data: barsOf((p) => (p.closesByCode ? p.closesByCode[code] || 0 : 0)),
    }));
    barTimeChart('chart-closes', bars, [], 'closes per second', xMax, BANDS);
  })();

  // (d) messages, (e) latency per second
  timeChart(
    'chart-messages',
    [line('sent', '#7c3aed', seriesOf('sent')), line('received', '#059669', seriesOf('received'))],
    'messages per second',
    xMax,
    { integer: true, digits: 0, bands: BANDS },
  );
  timeChart(
    'chart-latency-series',
    [
      line('p50', '#059669', seriesOf('p50')),
      line('p95', '#2563eb', seriesOf('p95')),
      line('p99', '#d97706', seriesOf('p99')),
      line('max', '#dc2626', seriesOf('max'), { borderWidth: 1, borderDash: [4, 3] }),
    ],
    'ms',
    xMax,
    { log: true, unit: 'ms', bands: BANDS },
  );

  // --- reconnect delays against the policy envelope -----------------------------------------------
  const TOL = num(M.toleranceMs) || 0;
  const DELAY_ROWS = arr(M.reconnectDelays)
    .filter((r) => r && isNum(r.attempt))
    .slice()
    .sort((a, b) => a.attempt - b.attempt);
  /** @param {Json} r */
  function outsideCount(r) {
    if (!isNum(r.envelopeMin) || !isNum(r.envelopeMax)) return 0;
    return arr(r.delays).filter((d) => isNum(d) && (d < r.envelopeMin - TOL || d > r.envelopeMax + TOL)).length;
  }
  (() => {
    const rows = DELAY_ROWS;
    const stats = rows.map((r) => spread(r.delays));
    const outside = rows.map((r) => outsideCount(r) > 0);
    const labels = rows.map((r, i) => {
      const s = stats[i];
      return `#${r.attempt} (n=${s ? s.n : 0})`;
    });
    /**
     * @param {Json} r
     * @param {number} pad
     */
    function envelope(r, pad) {
      return isNum(r.envelopeMin) && isNum(r.envelopeMax)
        ? [Math.max(0, r.envelopeMin - pad), r.envelopeMax + pad]
        : null;
    }
    delaysChart(
      'chart-reconnect-delays',
      labels,
      [
        {
          type: 'bar',
          label: 'policy envelope \u00b1 tolerance',
          data: rows.map((r) => envelope(r, TOL)),
          backgroundColor: 'rgba(148, 163, 184, 0.10)',
          borderColor: 'rgba(100, 116, 139, 0.6)',
          borderWidth: 1,
          grouped: false,
          barPercentage: 0.9,
          categoryPercentage: 0.9,
          minBarLength: 2,
          order: 3,
        },
        {
          type: 'bar',
          label: 'policy envelope',
          data: rows.map((r) => envelope(r, 0)),
          backgroundColor: 'rgba(37, 99, 235, 0.18)',
          borderWidth: 0,
          grouped: false,
          barPercentage: 0.9,
          categoryPercentage: 0.9,
          minBarLength: 2,
          order: 2,
        },
        {
          type: 'bar',
          label: 'observed min\u2013max',
          data: stats.map((s) => (s ? [s.min, s.max] : null)),
          backgroundColor: outside.map((o) => (o ? 'rgba(220, 38, 38, 0.75)' : 'rgba(15, 23, 42, 0.6)')),
          borderWidth: 0,
          grouped: false,
          barPercentage: 0.28,
          categoryPercentage: 0.9,
          minBarLength: 2,
          order: 1,
        },
        {
          type: 'line',
          label: 'observed median',
          data: stats.map((s) => (s ? s.med : null)),
          showLine: false,
          pointStyle: 'line',
          pointRadius: 12,
          pointHoverRadius: 12,
          pointBorderWidth: 3,
          borderColor: '#f59e0b',
          backgroundColor: '#f59e0b',
          order: 0,
        },
      ],
      (item) => {
        const r = item.raw;
        if (Array.isArray(r)) return `${item.dataset.label}: ${fmt(r[0])}\u2013${fmt(r[1])} ms`;
        return `${item.dataset.label}: ${fmt(r)} ms`;
      },
    );
  })();

  // --- the reconnect delay histogram: stacked by attempt, each attempt's envelope as a lane on top
  (() => {
    const rows = DELAY_ROWS;
    let hi = 0;
    rows.forEach((r) => {
      arr(r.delays).forEach((d) => {
        if (isNum(d) && d > hi) hi = d;
      });
      if (isNum(r.envelopeMax)) hi = Math.max(hi, r.envelopeMax + TOL);
    });
    if (!(hi > 0)) hi = 1000;
    const width = niceStep(hi / 40);
    const bins = Math.min(400, Math.floor(hi / width) + 1);
    /** @param {number} i */
    const colorOf = (i) => PALETTE[i % PALETTE.length];
    const datasets = rows.map((r, i) => {
      /** @type {number[]} */
      const counts = [];
      for (let b = 0; b < bins; b++) counts.push(0);
      let n = 0;
      arr(r.delays).forEach((d) => {
        if (!isNum(d)) return;
        n++;
        counts[Math.max(0, Math.min(bins - 1, Math.floor(d / width)))]++;
      });
      const out = outsideCount(r);
      return {
        type: 'bar',
        label: `#${r.attempt} (n=${n}${out ? `, ${out} outside` : ''})`,
        data: counts.map((v, b) => ({ x: (b + 0.5) * width, y: v })),
        backgroundColor: alpha(colorOf(i), 0.7),
        borderWidth: 0,
        barPercentage: 1,
        categoryPercentage: 0.95,
        stack: 'delays',
      };
    });
    const LANE = 9;
    const lanes = {
      id: 'chatstormEnvelopeLanes',
      /** @param {ChartInstance} chart */
      afterDraw: (chart) => {
        const area = chart.chartArea,
          x = chart.scales.x;
        if (!area || !x) return;
        const ctx = chart.ctx;
        ctx.save();
        rows.forEach((r, i) => {
          if (!isNum(r.envelopeMin) || !isNum(r.envelopeMax)) return;
          const y = area.top - 10 - (rows.length - i) * LANE;
          const x0 = x.getPixelForValue(r.envelopeMin),
            x1 = x.getPixelForValue(r.envelopeMax);
          const t0 = x.getPixelForValue(Math.max(0, r.envelopeMin - TOL)),
            t1 = x.getPixelForValue(r.envelopeMax + TOL);
          ctx.fillStyle = alpha(colorOf(i), 0.35);
          ctx.fillRect(t0, y + 3, Math.max(1, t1 - t0), 1);
          ctx.fillStyle = alpha(colorOf(i), 0.85);
          ctx.fillRect(x0, y + 1, Math.max(2, x1 - x0), 5);
          ctx.font = `600 9px ${FONT}`;
          ctx.textAlign = 'right';
          ctx.textBaseline = 'middle';
          ctx.fillText(`#${r.attempt}`, area.left - 4, y + 3.5);
        });
        ctx.restore();
      },
    };
    draw('chart-reconnect-histogram', {
      type: 'bar',
      data: { datasets: datasets },
      options: {
        layout: { padding: { top: 14 + rows.length * LANE } },
        interaction: { mode: 'index', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'linear',
            min: 0,
            max: bins * width,
            stacked: true,
            offset: false,
            title: { display: true, text: `delay before the attempt (ms); bins of ${fmt(width, 0)} ms` },
          },
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: { precision: 0 },
            title: { display: true, text: 'reconnect attempts' },
          },
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: {
            /** @param {Item} item */
            filter: (item) => item.parsed.y !== 0,
            callbacks: {
              /** @param {Item[]} items */
              title: (items) => {
                if (!items.length) return '';
                const b = Math.floor(items[0].parsed.x / width);
                return `${fmt(b * width, 0)}\u2013${fmt((b + 1) * width, 0)} ms`;
              },
              /** @param {Item} item */
              label: (item) => `attempt ${item.dataset.label}: ${item.parsed.y}`,
            },
          },
        },
      },
      plugins: [lanes],
    });
  })();

  // --- attempts per client -----------------------------------------------------------------------
  (() => {
    const apc = M.attemptsPerClient && typeof M.attemptsPerClient === 'object' ? M.attemptsPerClient : {};
    const keys = Object.keys(apc).sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
    draw('chart-attempts-per-client', {
      type: 'bar',
      data: {
        labels: keys,
        datasets: [
          {
            label: 'clients',
            data: keys.map((k) => num(apc[k])),
            backgroundColor: 'rgba(37, 99, 235, 0.55)',
            borderColor: '#2563eb',
            borderWidth: 1,
            maxBarThickness: 48,
          },
        ],
      },
      options: {
        scales: {
          x: { title: { display: true, text: 'connect attempts' } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'clients' } },
        },
        plugins: { legend: { display: false } },
      },
    });
  })();

  // --- latency spectrum --------------------------------------------------------------------------
  (() => {
    const lat = M.latency || {};
    const spec = spectrumPoints(lat.spectrum);
    // The all-deliveries summary reaches p99.9 and max, so the axis shows at least three nines and max.
    const axis = percentileAxis([spec], !!(lat.all && isNum(lat.all.max)));
    const datasets = [
      line(
        'spectrum',
        '#2563eb',
        spec.map((p) => ({ x: axis.px(p.percentile), y: p.value, p: p.percentile })),
        { pointRadius: 2.5, borderWidth: 2 },
      ),
    ];
    const all = lat.all;
    if (all?.count) {
      const pts = [
        [50, all.p50],
        [90, all.p90],
        [95, all.p95],
        [99, all.p99],
        [99.9, all.p999],
        [100, all.max],
      ]
        .filter((q) => isNum(q[1]))
        .map((q) => ({ x: axis.px(q[0]), y: q[1], p: q[0] }));
      datasets.push(
        line('all deliveries (incl. faults and recovery)', '#94a3b8', pts, {
          pointRadius: 2,
          borderDash: [3, 3],
          borderWidth: 1,
        }),
      );
    }
    const exprs = S.thresholds && Array.isArray(S.thresholds.delivery_latency) ? S.thresholds.delivery_latency : [];
    spectrumChart('chart-latency-spectrum', datasets.concat(thresholdLines(exprs, axis.xEnd)), axis);
  })();

  // --- generator health per worker -------------------------------------------------------------
  (() => {
    /** @type {number[]} */
    const workers = [];
    GEN.forEach((g) => {
      if (workers.indexOf(g.worker) < 0) workers.push(g.worker);
    });
    workers.sort((a, b) => a - b);
    /** @type {Dataset[]} */
    const eld = [];
    /** @type {Dataset[]} */
    const cpu = [];
    workers.forEach((w, i) => {
      const color = PALETTE[i % PALETTE.length];
      const rows = GEN.filter((g) => g.worker === w).sort((a, b) => a.s - b.s);
      /**
       * @param {string} key
       * @param {number} scale
       */
      function pts(key, scale) {
        return rows.map((g) => {
          const v = num(g[key]);
          return { x: g.s, y: v === null ? null : v * scale };
        });
      }
      eld.push(line(`worker ${w} p99`, color, pts('eldP99', 1)));
      eld.push(line(`worker ${w} max`, color, pts('eldMax', 1), { borderDash: [4, 3], borderWidth: 1 }));
      cpu.push(line(`worker ${w}`, color, pts('cpu', 100)));
    });
    timeChart('chart-generator-eld', eld, 'event-loop delay (ms)', xMax, { unit: 'ms', bands: BANDS });
    timeChart('chart-generator-cpu', cpu, '% of one core', xMax, {
      unit: '%',
      suggestedMax: 100,
      digits: 0,
      bands: BANDS,
    });
  })();

  // --- what the load did to the stack: gateway and Toxiproxy per second ------------------------
  (() => {
    const rows = arr(M.stack).filter((x) => x && isNum(x.s) && x.name !== undefined);
    /** @type {string[]} */
    const names = [];
    rows.forEach((x) => {
      if (names.indexOf(String(x.name)) < 0) names.push(String(x.name));
    });
    names.sort();
    /**
     * @param {string} key
     * @param {number} scale
     */
    function per(key, scale) {
      return names.map((n, i) => {
        const pts = rows
          .filter((x) => String(x.name) === n)
          .sort((a, b) => a.s - b.s)
          .map((x) => {
            const v = num(x[key]);
            return { x: x.s, y: v === null ? null : v * scale };
          });
        return line(n, PALETTE[(i + 4) % PALETTE.length], pts);
      });
    }
    timeChart('chart-stack-cpu', per('cpu', 100), '% of one core', xMax, { unit: '%', digits: 0, bands: BANDS });
    timeChart('chart-stack-memory', per('rssMb', 1), 'resident MB', xMax, { unit: 'MB', digits: 0, bands: BANDS });
  })();
}

exampleTables();
if (chartsReady()) drawCharts();
