// @ts-check
/**
 * capacity.html's own script (harness/tuning/capacity-page.ts), after the chart kit: the figures of
 * every step against load, each point coloured by the step's outcome. inline.ts copies it into the
 * page.
 */
import { DATA, arr, chartsReady, draw, isNum, line, logTicks, positiveOnly } from './chart-kit.js';
import { PALETTE } from './constants.js';

/** @typedef {import('./chart-kit.js').Json} Json */
/** @typedef {import('./chart-kit.js').Dataset} Dataset */
/** @typedef {import('./chart-kit.js').Item} Item */

function drawCharts() {
  /** @type {Json} */
  const R = DATA || {};
  const steps = arr(R.steps)
    .filter((s) => s && isNum(s.load))
    .slice()
    .sort((a, b) => a.load - b.load);
  const unit = R.unit || 'load';
  /** @type {Record<string, string>} */
  const COLOR = { pass: '#15803d', fail: '#c81e1e', instrument: '#b45309', error: '#7e22ce', interrupted: '#64748b' };
  /** @param {(f: Json) => unknown} get */
  function pts(get) {
    return steps.map((s) => {
      const f = s.figures || {};
      const v = get(f);
      return { x: s.load, y: isNum(v) ? v : null };
    });
  }
  function pointColors() {
    return steps.map((s) => COLOR[s.outcome] || '#64748b');
  }
  /**
   * @param {string} id
   * @param {Dataset[]} datasets
   * @param {string} yTitle
   * @param {{ log?: boolean, y2?: string }} [opts]
   */
  function loadChart(id, datasets, yTitle, opts) {
    const o = opts || {};
    /** @type {Record<string, unknown>} */
    const y = {
      type: o.log && positiveOnly(datasets) ? 'logarithmic' : 'linear',
      title: { display: true, text: yTitle },
    };
    if (y.type === 'linear') y.beginAtZero = true;
    else y.ticks = logTicks();
    /** @type {Record<string, unknown>} */
    const scales = {
      x: { type: 'linear', title: { display: true, text: `${unit} (point colour: the step's outcome)` } },
      y: y,
    };
    if (o.y2)
      scales.y2 = {
        type: 'linear',
        position: 'right',
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: true, text: o.y2 },
      };
    draw(id, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: scales,
        plugins: {
          legend: { position: 'top', align: 'end' },
          tooltip: {
            callbacks: {
              /** @param {Item[]} items */
              title: (items) => (items.length ? `${items[0].parsed.x} ${unit}` : ''),
            },
          },
        },
      },
    });
  }
  /**
   * @param {string} label
   * @param {string} color
   * @param {(f: Json) => unknown} get
   * @param {Dataset} [extra]
   */
  function series(label, color, get, extra) {
    const d = line(label, color, pts(get), {
      pointRadius: 4,
      pointBackgroundColor: pointColors(),
      pointBorderColor: color,
      borderWidth: 2,
      spanGaps: true,
    });
    if (extra) for (const k in extra) d[k] = extra[k];
    return d;
  }
  loadChart(
    'chart-cap-latency',
    [
      series('p50', PALETTE[0], (f) => f.latency?.p50),
      series('p99', PALETTE[2], (f) => f.latency?.p99),
      series('max', PALETTE[7], (f) => f.latency?.max),
    ],
    'delivery latency, steady state (ms)',
    { log: true },
  );
  loadChart(
    'chart-cap-failures',
    [series('failed connect attempts', PALETTE[7], (f) => f.connectFailures)],
    'failed connect attempts',
  );
  loadChart(
    'chart-cap-recovery',
    [
      series('recovery p99 (worst fault)', PALETTE[3], (f) => f.recoveryP99),
      series('detect max (worst fault)', PALETTE[5], (f) => f.detectMax),
    ],
    'ms after the fault',
  );
  loadChart(
    'chart-cap-gateway',
    [
      series('gateway CPU per 1,000 sockets (% of a core)', PALETTE[0], (f) =>
        f.gateway ? f.gateway.cpuPer1kSockets * 100 : null,
      ),
      series('gateway memory per socket (KB)', PALETTE[4], (f) => (f.gateway ? f.gateway.rssKbPerSocket : null), {
        yAxisID: 'y2',
      }),
    ],
    '% of a core per 1,000 sockets',
    { y2: 'KB resident per socket' },
  );
}

if (chartsReady()) drawCharts();
