/** HDR histograms for latencies (ms, 3 significant digits, up to an hour). */
import hdr from 'hdr-histogram-js';

/** Percentiles of one histogram (ms); null when it is empty. */
export interface LatencySummary {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export type Histogram = ReturnType<typeof hdr.build>;

/**
 * packed (default): small in memory, slower to record — for the many per-second histograms.
 * Unpacked (64-bit counts): about 110 KB, fast — for the few that take every delivery. Same values either way.
 */
export function newHistogram(packed = true): Histogram {
  return hdr.build({
    bitBucketSize: packed ? 'packed' : 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** The value a latency in ms is recorded as: whole ms, at least 1 (the histogram's resolution), at most an hour. */
export function recorded(ms: number): number {
  return Math.min(3_600_000, Math.max(1, Math.round(ms)));
}

/** Records a latency in ms; values under 1 ms are recorded as 1 ms (the histogram's resolution). */
export function record(h: Histogram, ms: number): void {
  h.recordValue(recorded(ms));
}

/** Values below this are counted in a plain array by `Tally`; larger ones go to the histogram at once. */
const TALLIED = 1 << 16;

/**
 * Latencies recorded into a histogram in one go: each value counted in a plain array, then given
 * to the histogram once with its count (`flush`). The histogram ends exactly as with one
 * `record` per latency — counts, total, min and max are sums and extremes, whatever the order —
 * for a fraction of the work (recording into an HDR histogram is slow in JavaScript).
 */
export class Tally {
  private readonly counts = new Float64Array(TALLIED);
  readonly h: Histogram;
  constructor(h: Histogram) {
    this.h = h;
  }
  add(ms: number): void {
    const v = recorded(ms);
    if (v < TALLIED) this.counts[v]++;
    else this.h.recordValue(v);
  }
  /** Gives the counted values to the histogram; returns it. */
  flush(): Histogram {
    const counts = this.counts;
    for (let v = 0; v < TALLIED; v++) {
      if (counts[v] === 0) continue;
      this.h.recordValueWithCount(v, counts[v]);
      counts[v] = 0;
    }
    return this.h;
  }
}

export function summarize(h: Histogram): LatencySummary {
  const n = h.totalCount;
  const at = (p: number) => (n ? h.getValueAtPercentile(p) : null);
  return {
    count: n,
    min: n ? h.minNonZeroValue : null,
    mean: n ? Math.round(h.mean * 100) / 100 : null,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: n ? h.maxValue : null,
  };
}

const SPECTRUM = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100,
];

export function spectrum(h: Histogram): { percentile: number; value: number }[] {
  if (!h.totalCount) return [];
  return SPECTRUM.map((p) => ({ percentile: p, value: p === 100 ? h.maxValue : h.getValueAtPercentile(p) }));
}

/** The statistic a threshold reads, or null when it does not apply to a histogram. */
export function statistic(h: Histogram, kind: string, q?: number): number | null {
  if (kind === 'count') return h.totalCount;
  if (!h.totalCount) return null;
  switch (kind) {
    case 'p':
      return h.getValueAtPercentile(q!);
    case 'max':
      return h.maxValue;
    case 'min':
      return h.minNonZeroValue;
    case 'avg':
      return h.mean;
    case 'med':
      return h.getValueAtPercentile(50);
    default:
      return null;
  }
}

/**
 * A histogram as it travels between processes and run folders: HDR's compressed base64 encoding,
 * plus the exact min and max (a decoded histogram knows them only to its resolution).
 */
export interface EncodedHistogram {
  hdr: string;
  count: number;
  min: number | null;
  max: number | null;
}

export function encodeHistogram(h: Histogram): EncodedHistogram {
  const n = h.totalCount;
  return {
    hdr: hdr.encodeIntoCompressedBase64(h),
    count: n,
    min: n ? h.minNonZeroValue : null,
    max: n ? h.maxValue : null,
  };
}

/** An encoded histogram back, with its exact min and max; packed as newHistogram makes it. */
export function decodeHistogram(e: EncodedHistogram, packed = true): Histogram {
  const out = newHistogram(packed);
  if (!e.count) return out;
  out.add(hdr.decodeFromCompressedBase64(e.hdr, 32, false));
  // HDR reports a decoded bucket's highest equivalent value; the recorded extremes are exact.
  Object.assign(out, { maxValue: e.max, minNonZeroValue: e.min });
  return out;
}
