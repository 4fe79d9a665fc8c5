import { describe, expect, it } from 'vitest';
import type { Summary } from '../report/summary.ts';
import { stepOutcome } from './capacity.ts';
import { searchKnee, type StepOutcome } from './knee-search.ts';

/** A system that passes up to `knee` and breaks above it; the harness runs out above `instrument`. */
function system(knee: number, instrument = Number.POSITIVE_INFINITY) {
  const steps: number[] = [];
  const run = async (load: number): Promise<StepOutcome> => {
    steps.push(load);
    return load > instrument ? 'instrument' : load <= knee ? 'pass' : 'fail';
  };
  return { steps, run };
}

describe('the knee search', () => {
  it('grows by the factor, then bisects to the resolution', async () => {
    const s = system(60);
    const r = await searchKnee({ from: 20, to: 1_000, factor: 2, resolution: { absolute: 5 } }, s.run);
    expect(s.steps).toEqual([20, 40, 80, 60, 70, 65]);
    expect(r).toEqual({ lastPass: 60, firstFail: 65, stop: 'knee-found', stoppedAt: null });
  });

  it('a relative resolution bisects until the gap is that share of the last pass', async () => {
    const s = system(1_234);
    const r = await searchKnee({ from: 100, to: 100_000, factor: 1.5, resolution: { relative: 0.05 } }, s.run);
    expect(r.stop).toBe('knee-found');
    expect(r.lastPass).toBeLessThanOrEqual(1_234);
    expect(r.firstFail! - r.lastPass!).toBeLessThanOrEqual(Math.ceil(r.lastPass! * 0.05));
    expect(r.firstFail!).toBeGreaterThan(1_234);
  });

  it('stops and says so when the instrument runs out before the gateway breaks', async () => {
    const s = system(10_000, 3_000);
    const r = await searchKnee({ from: 1_000, to: 20_000, factor: 2, resolution: { absolute: 100 } }, s.run);
    expect(s.steps).toEqual([1_000, 2_000, 4_000]);
    expect(r).toEqual({ lastPass: 2_000, firstFail: null, stop: 'instrument-limit', stoppedAt: 4_000 });
  });

  it('reports a failure at the first step, and no failure up to the maximum', async () => {
    expect(await searchKnee({ from: 100, to: 1_000, factor: 2, resolution: { absolute: 10 } }, system(50).run)).toEqual(
      { lastPass: null, firstFail: 100, stop: 'failed-at-start', stoppedAt: null },
    );
    const s = system(5_000);
    expect(await searchKnee({ from: 100, to: 1_000, factor: 3, resolution: { absolute: 10 } }, s.run)).toEqual({
      lastPass: 1_000,
      firstFail: null,
      stop: 'no-failure-up-to-max',
      stoppedAt: null,
    });
    expect(s.steps).toEqual([100, 300, 900, 1_000]);
  });
});

describe('a judged step, for the search', () => {
  const summary = (verdict: string, checks: [string, string][], interrupted = false) =>
    ({ verdict, interrupted, checks: checks.map(([name, v]) => ({ name, verdict: v })) }) as unknown as Summary;
  it("is the instrument's limit when the generator could not vouch for the load, even when a gateway check failed", () => {
    expect(
      stepOutcome(
        summary('fail', [
          ['latency', 'fail'],
          ['generator-health', 'inconclusive'],
        ]),
      ),
    ).toBe('instrument');
    expect(
      stepOutcome(
        summary('inconclusive', [
          ['latency', 'pass'],
          ['generator-health', 'inconclusive'],
        ]),
      ),
    ).toBe('instrument');
  });
  it("is the gateway's limit when a check failed or could not be judged with a healthy generator", () => {
    expect(
      stepOutcome(
        summary('fail', [
          ['latency', 'fail'],
          ['generator-health', 'pass'],
        ]),
      ),
    ).toBe('fail');
    expect(
      stepOutcome(
        summary('inconclusive', [
          ['reconnect', 'inconclusive'],
          ['generator-health', 'pass'],
        ]),
      ),
    ).toBe('fail');
  });
  it('passes, breaks or is interrupted with the run', () => {
    expect(
      stepOutcome(
        summary('pass', [
          ['latency', 'pass'],
          ['generator-health', 'pass'],
        ]),
      ),
    ).toBe('pass');
    expect(stepOutcome(summary('error', [['generator-health', 'pass']]))).toBe('error');
    expect(stepOutcome(summary('fail', [['latency', 'fail']], true))).toBe('interrupted');
  });
});
