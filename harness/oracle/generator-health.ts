/**
 * generator-health: the load generator kept up. When a fleet process's event loop lagged or its
 * CPU was saturated, the numbers it measured cannot be trusted, and the run is "inconclusive",
 * never "pass".
 */
import type { Context } from './context.ts';
import type { CheckResult, Example } from './types.ts';

/** Event-loop delay p99 over one second above which that second is "behind". */
export const ELD_P99_LIMIT_MS = 200;
/** A single stall this long makes every latency around it meaningless. */
export const ELD_MAX_LIMIT_MS = 2_000;
/** Fraction of one core above which a second counts as saturated. */
export const CPU_LIMIT = 0.95;
/** Share of "behind" or saturated seconds tolerated. */
export const BAD_SHARE_LIMIT = 0.1;

export function checkGeneratorHealth(ctx: Context): CheckResult {
  const { trafficStart, drained } = ctx.history.phases;
  const samples = ctx.history.samples.filter((s) => s.t >= trafficStart && s.t <= drained + 1_000);
  const behind = samples.filter((s) => s.eldP99 > ELD_P99_LIMIT_MS);
  const saturated = samples.filter((s) => s.cpu > CPU_LIMIT);
  const stalls = samples.filter((s) => s.eldMax > ELD_MAX_LIMIT_MS);
  const examples: Example[] = [...stalls, ...behind, ...saturated].slice(0, 5).map((s) => ctx.example('behind', null, `worker ${s.worker}: event-loop delay p99 ${s.eldP99.toFixed(1)} ms, max ${s.eldMax.toFixed(1)} ms, CPU ${(s.cpu * 100).toFixed(0)} %`, { at: ctx.rel(s.t) }));
  const share = samples.length ? Math.max(behind.length, saturated.length) / samples.length : 0;
  const unhealthy = stalls.length > 0 || share > BAD_SHARE_LIMIT;
  const eldP99s = samples.map((s) => s.eldP99).sort((a, b) => a - b);
  return {
    name: 'generator-health',
    verdict: samples.length === 0 ? 'inconclusive' : unhealthy ? 'inconclusive' : 'pass',
    summary:
      samples.length === 0
        ? 'No generator sample was recorded: the load generator cannot be vouched for.'
        : unhealthy
          ? `The load generator fell behind (${behind.length} s with event-loop p99 > ${ELD_P99_LIMIT_MS} ms, ${saturated.length} s above ${CPU_LIMIT * 100} % CPU, ${stalls.length} stalls > ${ELD_MAX_LIMIT_MS} ms, of ${samples.length} s): the other results cannot be trusted.`
          : `The load generator kept up: worst event-loop p99 ${eldP99s[eldP99s.length - 1].toFixed(1)} ms, max CPU ${(Math.max(...samples.map((s) => s.cpu)) * 100).toFixed(0)} % of a core over ${samples.length} samples.`,
    counts: { samples: samples.length, behindSeconds: behind.length, saturatedSeconds: saturated.length, stalls: stalls.length },
    examples,
    firstBreachAt: unhealthy && examples.length ? examples[0].at ?? null : null,
  };
}
