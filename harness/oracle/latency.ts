/**
 * latency (real time): delivery latency, send (sender's clock) → receive (member's clock, same
 * host), of live deliveries of messages sent in steady-state windows, against the scenario's
 * delivery_latency thresholds. With no steady-state delivery at all the check is inconclusive.
 */
import { aggregationName, holds, type Threshold } from '../config/threshold.ts';
import { newHistogram, statistic, summarize, spectrum, Tally, type Histogram } from '../metrics/histogram.ts';
import type { Context } from './context.ts';
import type { CheckResult, Example, ThresholdResult } from './types.ts';
import { inWindows } from './windows.ts';

export interface LatencyData {
  steady: Histogram;
  all: Histogram;
  breaches: { t: number; ms: number; c: number; id: string; seq: number }[];
}

export function measureLatency(ctx: Context, steady: [number, number][]): LatencyData {
  const steadyH = new Tally(newHistogram(false));
  const allH = new Tally(newHistogram(false));
  const breaches: LatencyData['breaches'] = [];
  const limits = (ctx.plan.thresholds.delivery_latency ?? [])
    .filter((t) => t.op === '<' || t.op === '<=')
    .map((t) => t.limit);
  const slowest = limits.length ? Math.min(...limits) : Number.POSITIVE_INFINITY;
  const R = ctx.receipts;
  const sentOf = ctx.receiptSent;
  for (const view of ctx.clients) {
    // Each receipt (a row of ctx.receipts) read in its place among the client's opens.
    let openT = -Infinity;
    const events = view.events;
    let j = 0;
    for (let r = view.recvFrom; r < view.recvTo; r++) {
      for (const stop = R.before[r]; j < stop; j++) if (events[j].k === 'open') openT = events[j].t;
      if (R.sts[r] < openT) continue;
      const sent = sentOf[r];
      if (Number.isNaN(sent)) continue;
      const t = R.t[r];
      const ms = t - sent;
      allH.add(ms);
      if (!inWindows(sent, steady)) continue;
      steadyH.add(ms);
      if (ms > slowest && breaches.length < 1_000)
        breaches.push({ t, ms, c: view.entry.c, id: R.id[r], seq: R.seq[r] });
    }
  }
  return { steady: steadyH.flush(), all: allH.flush(), breaches };
}

export function evaluateThresholds(
  metric: string,
  thresholds: Threshold[],
  h: Histogram,
  window: string,
): ThresholdResult[] {
  return thresholds.map((t) => {
    const observed = statistic(h, t.aggregation.kind, t.aggregation.kind === 'p' ? t.aggregation.q : undefined);
    const ok = observed !== null && holds(t, observed);
    const headroom =
      observed === null
        ? null
        : t.op.startsWith('<')
          ? t.limit - observed
          : t.op.startsWith('>')
            ? observed - t.limit
            : null;
    return {
      metric,
      expression: t.expression,
      statistic: aggregationName(t.aggregation),
      observed,
      limit: t.limit,
      ok,
      headroom,
      window,
    };
  });
}

export function checkLatency(ctx: Context, data: LatencyData): CheckResult {
  const thresholds = evaluateThresholds(
    'delivery_latency',
    ctx.plan.thresholds.delivery_latency ?? [],
    data.steady,
    'steady state',
  );
  const s = summarize(data.steady);
  const examples: Example[] = [];
  const failed = thresholds.filter((t) => !t.ok);
  if (failed.length) {
    for (const b of data.breaches.slice(0, 5))
      examples.push(
        ctx.example('slow', b.c, `delivered ${Math.round(b.ms)} ms after send`, {
          message: b.id,
          seq: b.seq,
          at: ctx.rel(b.t),
        }),
      );
  }
  const verdict = s.count === 0 ? 'inconclusive' : failed.length ? 'fail' : 'pass';
  return {
    name: 'latency',
    verdict,
    summary:
      s.count === 0
        ? 'No live delivery in a steady-state window: latency cannot be judged.'
        : `${s.count} steady-state deliveries: p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms; ${failed.length ? `breached ${failed.map((t) => t.expression).join(', ')}` : 'every threshold holds'}.`,
    counts: { samples: s.count, p50: s.p50 ?? 0, p95: s.p95 ?? 0, p99: s.p99 ?? 0, max: s.max ?? 0 },
    examples,
    thresholds,
    firstBreachAt: failed.length && data.breaches.length ? ctx.rel(Math.min(...data.breaches.map((b) => b.t))) : null,
  };
}

export { summarize, spectrum };
