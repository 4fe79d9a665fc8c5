/**
 * Per-second series over the whole run, from the client histories: sockets open and connecting
 * (sampled at the end of each second), attempts, failures (also by reason), closes by close code,
 * sends and receipts per second, and delivery latency percentiles of the messages received in each second.
 *
 * Built part by part (any split of the clients) and merged exactly: counts are summed on the same
 * wall-clock seconds and each second's latency histograms are added; percentiles are read only
 * from the merged histograms, never averaged.
 */
import type { ClientEvent, History } from '../record/history.ts';
import { newHistogram, recorded, type Histogram } from './histogram.ts';

/** One second of the run's series. */
export interface SeriesPoint {
  /** Second since run start. */
  s: number;
  open: number;
  connecting: number;
  attempts: number;
  failures: number;
  sent: number;
  received: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /**
   * Connect attempts that failed in this second, by reason (keys as in Metrics.failureReasons).
   * Optional, added after the first release: absent in older summaries and in seconds without failures.
   */
  failuresByReason?: Record<string, number>;
  /** Open sockets that closed in this second, by close code. Optional; absent in seconds without closes. */
  closesByCode?: Record<string, number>;
}

export interface SeriesPart {
  origin: number;
  seconds: number;
  openDelta: Int32Array;
  connectingDelta: Int32Array;
  attempts: Int32Array;
  failures: Int32Array;
  sent: Int32Array;
  received: Int32Array;
  failuresByReason: (Record<string, number> | undefined)[];
  closesByCode: (Record<string, number> | undefined)[];
  /** Per second; read it through `latencyOf`, which first records `latencyRuns` when the part still holds them. */
  latency: (Histogram | null)[];
  /**
   * The latencies of a part as collectSeries gathered them, not yet recorded into `latency`:
   * second × 2²² + value, and its count, in pairs. Merging records these (a few distinct values a
   * second) into the sum, instead of adding whole histograms, whose every index a packed histogram
   * must read; a part that is only merged is never recorded on its own. Gone once recorded.
   */
  latencyRuns?: Float64Array;
}

/** How many seconds the series has: from the run's start to its end or its last event, whichever is later. */
export function seriesSeconds(origin: number, end: number, lastEvent: number): number {
  const last = Math.max(end, lastEvent);
  return Math.max(1, Math.ceil((last - origin) / 1_000) + 1);
}

/** Above the largest recorded latency (3,600,000 ms). */
const KEY_SPAN = 2 ** 22;

export function emptySeries(origin: number, seconds: number): SeriesPart {
  return {
    origin,
    seconds,
    openDelta: new Int32Array(seconds + 1),
    connectingDelta: new Int32Array(seconds + 1),
    attempts: new Int32Array(seconds),
    failures: new Int32Array(seconds),
    sent: new Int32Array(seconds),
    received: new Int32Array(seconds),
    // Sparse: most seconds have no failure and no close, and an empty breakdown is left out.
    failuresByReason: new Array(seconds),
    closesByCode: new Array(seconds),
    latency: new Array(seconds).fill(null),
  };
}

/**
 * The series of some clients' events (each list one client's, in time order). `receipts`, when
 * given: their receipts in columns (record/receipts.ts), rows [from, to) each, with each receipt's
 * send time as `sendTimeOf` gives it, NaN for none (computed already); a receipt's place among the
 * other events does not matter here.
 */
export function collectSeries(
  lists: ClientEvent[][],
  origin: number,
  seconds: number,
  sendTimeOf: (sender: string, id: string) => number | undefined,
  receipts?: { t: Float64Array; sent: Float64Array; rows: [number, number][] },
): SeriesPart {
  const p = emptySeries(origin, seconds);
  const { openDelta, connectingDelta, attempts, failures, sent, received, failuresByReason, closesByCode } = p;
  const bump = (rows: (Record<string, number> | undefined)[], s: number, key: string) => {
    const row = (rows[s] ??= {});
    row[key] = (row[key] ?? 0) + 1;
  };
  const sec = (t: number) => Math.min(seconds - 1, Math.max(0, Math.floor((t - origin) / 1_000)));
  // Latencies are gathered as second × 2²² + recorded value and put into the (packed, slow to
  // record) per-second histograms at the end, each distinct value once with its count: the same
  // histograms as one record per receipt, for a fraction of the work.
  let keys = new Float64Array(1 << 12);
  let nKeys = 0;
  const receipt = (t: number, t0: number | undefined) => {
    const s = sec(t);
    received[s]++;
    if (t0 !== undefined) {
      if (nKeys === keys.length) {
        const more = new Float64Array(keys.length * 2);
        more.set(keys);
        keys = more;
      }
      keys[nKeys++] = s * KEY_SPAN + recorded(t - t0);
    }
  };
  if (receipts) {
    const { t, sent } = receipts;
    for (const [from, to] of receipts.rows)
      for (let r = from; r < to; r++) receipt(t[r], Number.isNaN(sent[r]) ? undefined : sent[r]);
  }
  for (let l = 0; l < lists.length; l++) {
    const events = lists[l];
    let open = false;
    let connecting = false;
    const toggle = (ev: ClientEvent, o: boolean, cn: boolean) => {
      if (o !== open) openDelta[sec(ev.t) + 1] += o ? 1 : -1;
      if (cn !== connecting) connectingDelta[sec(ev.t) + 1] += cn ? 1 : -1;
      open = o;
      connecting = cn;
    };
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      switch (ev.k) {
        case 'attempt':
          attempts[sec(ev.t)]++;
          toggle(ev, false, true);
          break;
        case 'open':
          toggle(ev, true, false);
          break;
        case 'fail':
          failures[sec(ev.t)]++;
          // Keyed like Metrics.failureReasons ("timeout", "closed 4401"), so the two can be read together.
          bump(failuresByReason, sec(ev.t), ev.code ? `${ev.why} ${ev.code}` : ev.why);
          toggle(ev, false, false);
          break;
        case 'close':
          bump(closesByCode, sec(ev.t), String(ev.code));
          toggle(ev, false, false);
          break;
        case 'stopped':
          toggle(ev, false, false);
          break;
        case 'send':
          sent[sec(ev.t)]++;
          break;
        case 'recv':
          receipt(ev.t, sendTimeOf(ev.sender, ev.id));
          break;
      }
    }
  }
  const sorted = keys.subarray(0, nKeys).sort();
  const runs: number[] = [];
  for (let i = 0; i < nKeys; ) {
    const key = sorted[i];
    let j = i + 1;
    while (j < nKeys && sorted[j] === key) j++;
    runs.push(key, j - i);
    i = j;
  }
  p.latencyRuns = Float64Array.from(runs);
  return p;
}

/** Adds `b` into `a` (same origin and seconds); b's keys come after a's, as in client order. Changes `a` only. */
export function mergeSeries(a: SeriesPart, b: SeriesPart): SeriesPart {
  if (a.origin !== b.origin || a.seconds !== b.seconds)
    throw new Error(
      `series of different runs cannot merge (origin ${a.origin}/${b.origin}, seconds ${a.seconds}/${b.seconds})`,
    );
  for (const k of ['openDelta', 'connectingDelta', 'attempts', 'failures', 'sent', 'received'] as const) {
    const x = a[k];
    const y = b[k];
    for (let i = 0; i < x.length; i++) x[i] += y[i];
  }
  for (const k of ['failuresByReason', 'closesByCode'] as const) {
    for (let s = 0; s < a.seconds; s++) {
      const from = b[k][s];
      if (!from) continue;
      const row = (a[k][s] ??= {});
      for (const [key, v] of Object.entries(from)) row[key] = (row[key] ?? 0) + v;
    }
  }
  const into = latencyOf(a);
  if (b.latencyRuns) recordRuns(into, b.latencyRuns);
  else {
    for (let s = 0; s < a.seconds; s++) {
      const h = b.latency[s];
      if (!h) continue;
      (into[s] ??= newHistogram()).add(h);
    }
  }
  return a;
}

/**
 * A part's per-second latency histograms, its `latencyRuns` recorded into them first if it still
 * holds them (which changes how the part is held, not what it holds).
 */
export function latencyOf(p: SeriesPart): (Histogram | null)[] {
  if (p.latencyRuns) {
    recordRuns(p.latency, p.latencyRuns);
    delete p.latencyRuns;
  }
  return p.latency;
}

/** Records second × 2²² + value, count pairs into per-second histograms. */
function recordRuns(latency: (Histogram | null)[], runs: Float64Array): void {
  for (let i = 0; i < runs.length; i += 2) {
    const s = Math.floor(runs[i] / KEY_SPAN);
    (latency[s] ??= newHistogram()).recordValueWithCount(runs[i] - s * KEY_SPAN, runs[i + 1]);
  }
}

export function finishSeries(p: SeriesPart): SeriesPoint[] {
  const latency = latencyOf(p);
  const out: SeriesPoint[] = [];
  let open = 0;
  let connecting = 0;
  for (let s = 0; s < p.seconds; s++) {
    open += p.openDelta[s + 1];
    connecting += p.connectingDelta[s + 1];
    const h = latency[s];
    out.push({
      s,
      open,
      connecting,
      attempts: p.attempts[s],
      failures: p.failures[s],
      sent: p.sent[s],
      received: p.received[s],
      p50: h ? h.getValueAtPercentile(50) : null,
      p95: h ? h.getValueAtPercentile(95) : null,
      p99: h ? h.getValueAtPercentile(99) : null,
      max: h ? h.maxValue : null,
      ...(p.failuresByReason[s] ? { failuresByReason: p.failuresByReason[s] } : {}),
      ...(p.closesByCode[s] ? { closesByCode: p.closesByCode[s] } : {}),
    });
  }
  return out;
}

/** The series of a whole history in memory. */
export function perSecondSeries(
  history: History,
  sendTimeOf: (sender: string, id: string) => number | undefined,
): SeriesPoint[] {
  const origin = history.phases.start;
  const lastEvent = Math.max(origin, ...history.byClient.map((l) => (l.length ? l[l.length - 1].t : origin)));
  const seconds = seriesSeconds(origin, history.phases.end, lastEvent);
  return finishSeries(collectSeries(history.byClient, origin, seconds, sendTimeOf));
}

/**
 * `p` moved onto a longer span that starts `offset` whole seconds earlier (origin, seconds): what
 * shards need to be summed on the same wall-clock seconds. A new part; `p` is unchanged.
 */
export function alignSeries(p: SeriesPart, origin: number, seconds: number, offset: number): SeriesPart {
  if (offset < 0 || offset + p.seconds > seconds)
    throw new Error(`series of ${p.seconds} s at +${offset} s does not fit ${seconds} s`);
  const out = emptySeries(origin, seconds);
  const latency = latencyOf(p);
  for (const k of ['openDelta', 'connectingDelta', 'attempts', 'failures', 'sent', 'received'] as const)
    out[k].set(p[k], offset);
  for (let s = 0; s < p.seconds; s++) {
    if (p.failuresByReason[s]) out.failuresByReason[s + offset] = { ...p.failuresByReason[s] };
    if (p.closesByCode[s]) out.closesByCode[s + offset] = { ...p.closesByCode[s] };
    out.latency[s + offset] = latency[s];
  }
  return out;
}
