/** HDR histograms for latencies (ms, 3 significant digits, up to an hour). */
import hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../oracle/types.ts';

export type Histogram = ReturnType<typeof hdr.build>;

/**
 * packed (default): small in memory, slower to record — for the many per-second histograms.
 * Unpacked (64-bit counts): about 110 KB, fast — for the few that take every delivery. Same values either way.
 */
export function newHistogram(packed = true): Histogram {
  return hdr.build({ bitBucketSize: packed ? 'packed' : 64, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Records a latency in ms; values under 1 ms are recorded as 1 ms (the histogram's resolution). */
export function record(h: Histogram, ms: number): void {
  h.recordValue(Math.min(3_600_000, Math.max(1, Math.round(ms))));
}

export function summarize(h: Histogram): LatencySummary {
  const n = h.totalCount;
  const at = (p: number) => (n ? h.getValueAtPercentile(p) : null);
  return { count: n, min: n ? h.minNonZeroValue : null, mean: n ? Math.round(h.mean * 100) / 100 : null, p50: at(50), p90: at(90), p95: at(95), p99: at(99), p999: at(99.9), max: n ? h.maxValue : null };
}

const SPECTRUM = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];

export function spectrum(h: Histogram): { percentile: number; value: number }[] {
  if (!h.totalCount) return [];
  return SPECTRUM.map((p) => ({ percentile: p, value: p === 100 ? h.maxValue : h.getValueAtPercentile(p) }));
}

/** The statistic a threshold reads, or null when it does not apply to a histogram. */
export function statistic(h: Histogram, kind: string, q?: number): number | null {
  if (kind === 'count') return h.totalCount;
  if (!h.totalCount) return null;
  switch (kind) {
    case 'p': return h.getValueAtPercentile(q!);
    case 'max': return h.maxValue;
    case 'min': return h.minNonZeroValue;
    case 'avg': return h.mean;
    case 'med': return h.getValueAtPercentile(50);
    default: return null;
  }
}

/**
 * A histogram as it travels between processes and run folders: HDR's compressed base64 encoding,
 * plus the exact min and max (a decoded histogram knows them only to its resolution).
 */
export interface EncodedHistogram { hdr: string; count: number; min: number | null; max: number | null }

export function encodeHistogram(h: Histogram): EncodedHistogram {
  const n = h.totalCount;
  return { hdr: hdr.encodeIntoCompressedBase64(h), count: n, min: n ? h.minNonZeroValue : null, max: n ? h.maxValue : null };
}

/** The exact sum of encoded histograms: every count added, never a percentile averaged. */
export function mergeHistograms(parts: (EncodedHistogram | undefined)[]): Histogram {
  // 32-bit buckets: decoding and adding into them is ~5x faster than into packed ones (bench/merge.ts),
  // and a merged histogram lives only as long as the merge.
  const out = hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  let min = Infinity;
  let max = -Infinity;
  for (const p of parts) {
    if (!p || !p.count) continue;
    out.add(hdr.decodeFromCompressedBase64(p.hdr, 32, false));
    if (p.min !== null) min = Math.min(min, p.min);
    if (p.max !== null) max = Math.max(max, p.max);
  }
  // HDR reports a decoded bucket's highest equivalent value; the recorded extremes are exact.
  if (out.totalCount) Object.assign(out, { maxValue: max, minNonZeroValue: min });
  return out;
}
