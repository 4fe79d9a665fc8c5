/** The progress line's rates: a worker that sampled late (a starved host) is not shown as a burst. */
import { describe, expect, it } from 'vitest';
import { liveOf, type LatestSample } from './fleet.ts';

const sample = (worker: number, t: number, sent: number, received: number, seconds: number): LatestSample => ({
  sample: { t, worker, eldP99: 10, eldMax: 12, cpu: 0.2, open: 500, connecting: 0, sent, received },
  p99: 20 + worker,
  seconds,
});

describe('liveOf', () => {
  it('divides each worker’s counts by the seconds its sample covers', () => {
    // Worker 0 on time (1 s); worker 1 sampled 2.5 s after its previous sample.
    const live = liveOf([sample(0, 1_000, 50, 500, 1), sample(1, 1_000, 125, 1_250, 2.5)], 1_000);
    expect(live.sentPerSec).toBe(100);
    expect(live.receivedPerSec).toBe(1_000);
    expect(live.open).toBe(1_000);
    expect(live.p99).toBe(21);
  });

  it('has no p99 before any worker measured one', () => {
    const s = sample(0, 1_000, 0, 0, 1);
    expect(liveOf([{ ...s, p99: null }], 1_000).p99).toBeNull();
  });
});
