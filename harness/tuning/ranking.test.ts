import { describe, expect, it } from 'vitest';
import type { RunFigures } from './figures.ts';
import { rankPoints, renderRanking } from './ranking.ts';

const fig = (o: Partial<RunFigures>): RunFigures => ({
  runId: 'r',
  verdict: 'pass',
  clients: 10,
  rate: 10,
  latency: { p50: 1, p99: 2, max: 3 },
  connectFailures: 0,
  recoveryP99: 1_000,
  notRecovered: 0,
  detectMax: 100,
  stormPeak: 10,
  stormP99: 10,
  messagesLost: 0,
  gateway: { cpuMean: 0.1, cpuMax: 0.2, rssMaxMb: 100, cpuPer1kSockets: 10, rssKbPerSocket: 1 },
  breaches: [],
  brokeFirst: null,
  ...o,
});

describe('sweep ranking', () => {
  it('puts settings that break a threshold last, whatever their figures, then orders by summed ranks', () => {
    const ranked = rankPoints([
      {
        label: 'breaker',
        column: 'A',
        figures: fig({
          verdict: 'fail',
          breaches: ['recovery_time max<3000 (observed 4000)'],
          stormPeak: 1,
          detectMax: 1,
        }),
      },
      { label: 'slow', column: 'B', figures: fig({ recoveryP99: 2_000, stormPeak: 50 }) },
      { label: 'fast', column: 'C', figures: fig({ recoveryP99: 900, stormPeak: 20 }) },
    ]);
    expect(ranked.map((r) => [r.rank, r.label])).toEqual([
      [1, 'fast'],
      [2, 'slow'],
      [3, 'breaker'],
    ]);
  });

  it('a client that never came back ranks last on recovery', () => {
    const ranked = rankPoints([
      { label: 'never', column: 'A', figures: fig({ recoveryP99: null, notRecovered: 3 }) },
      { label: 'late', column: 'B', figures: fig({ recoveryP99: 9_000 }) },
    ]);
    expect(ranked.map((r) => r.label)).toEqual(['late', 'never']);
    const html = renderRanking(ranked, ['policy.backoff.jitter']);
    expect(html).toContain('never (3 not back)');
    expect(html.match(/<tr class="breaker">/g)).toBeNull();
  });
});
