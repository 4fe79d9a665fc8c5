import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../oracle/types.ts';
import { reconnectStorms } from './reconnect-storm.ts';

const point = (s: number, attempts: number, failures = 0, failuresByReason?: Record<string, number>): SeriesPoint => ({
  s,
  open: 0,
  connecting: 0,
  attempts,
  failures,
  sent: 0,
  received: 0,
  p50: null,
  p95: null,
  p99: null,
  max: null,
  ...(failuresByReason ? { failuresByReason } : {}),
});
const policy = { backoff: { maxMs: 2_000 }, connectTimeoutMs: 1_000 };
const origin = 1_000_000;

/** Two parts' series summed second by second, as a merge of fleet processes or shards does. */
function merge(a: SeriesPoint[], b: SeriesPoint[]): SeriesPoint[] {
  return a.map((p, i) => ({ ...p, attempts: p.attempts + b[i].attempts, failures: p.failures + b[i].failures }));
}

describe('reconnect storm', () => {
  it('measures peak, p99 and failures in the window after the restore, not before it', () => {
    // Fault removed at 5.3 s: the window is seconds 5 .. 5 + ceil(3000/1000)+1 = 9 (exclusive).
    const series = [
      point(0, 100),
      point(1, 0),
      point(2, 50, 50, { refused: 50 }),
      point(3, 0),
      point(4, 0),
      point(5, 10),
      point(6, 80, 2, { timeout: 2 }),
      point(7, 5),
      point(8, 1),
      point(9, 70),
    ];
    const [storm] = reconnectStorms(
      series,
      [{ id: 'cut#1', applyStart: origin + 1_500, removeEnd: origin + 5_300 }],
      policy,
      origin,
    );
    expect(storm).toEqual({
      fault: 'cut#1',
      from: 5,
      to: 9,
      peak: 80,
      peakAt: 6,
      p99: 80,
      attempts: 96,
      failures: 2,
      failuresByReason: { timeout: 2 },
      gatewayAcceptErrors: null,
    });
  });

  it('ends the window at the next fault, and skips a fault never removed', () => {
    const series = Array.from({ length: 20 }, (_, s) => point(s, s === 7 ? 40 : 1));
    const storms = reconnectStorms(
      series,
      [
        { id: 'cut#1', applyStart: origin + 1_000, removeEnd: origin + 5_000 },
        { id: 'cut#2', applyStart: origin + 7_000, removeEnd: null },
      ],
      policy,
      origin,
    );
    expect(storms.map((x) => [x.fault, x.from, x.to, x.peak])).toEqual([['cut#1', 5, 7, 1]]);
  });

  it('is computed after the merge: the peak of the sum, not the largest peak of a part', () => {
    const a = [point(0, 0), point(1, 30), point(2, 10)];
    const b = [point(0, 0), point(1, 0), point(2, 35)];
    const f = [{ id: 'cut#1', applyStart: origin, removeEnd: origin + 1_000 }];
    const partPeaks = [a, b].map((s) => reconnectStorms(s, f, policy, origin)[0].peak);
    const merged = reconnectStorms(merge(a, b), f, policy, origin)[0];
    expect(partPeaks).toEqual([30, 35]);
    expect({ peak: merged.peak, peakAt: merged.peakAt, attempts: merged.attempts }).toEqual({
      peak: 45,
      peakAt: 2,
      attempts: 75,
    });
  });
});
