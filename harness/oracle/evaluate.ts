/**
 * The oracle: a pure function of the recorded history and the plan. It never talks to a socket;
 * give it a hand-written history and it decides the same way.
 */
import type { History } from '../fleet/history.ts';
import { spectrum, summarize } from '../metrics/histogram.ts';
import { perSecondSeries } from '../metrics/series.ts';
import { buildContext, type OraclePlan } from './context.ts';
import { checkDelivery } from './delivery.ts';
import { checkErrorsSurfaced } from './errors-surfaced.ts';
import { checkGeneratorHealth } from './generator-health.ts';
import { checkLatency, evaluateThresholds, measureLatency } from './latency.ts';
import { checkNoFallback } from './no-fallback.ts';
import { checkReconnect, delayBands } from './reconnect.ts';
import type { CheckResult, Evaluation, Verdict } from './types.ts';
import { faultWindows, steadyWindows } from './windows.ts';
import { newHistogram, record } from '../metrics/histogram.ts';

export function combineVerdicts(checks: CheckResult[], runtimeErrors: unknown[]): Verdict {
  if (runtimeErrors.length) return 'error';
  if (checks.some((c) => c.verdict === 'error')) return 'error';
  if (checks.some((c) => c.verdict === 'fail')) return 'fail';
  if (checks.some((c) => c.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

export function evaluate(history: History, plan: OraclePlan, runtimeErrors: { code: string; message: string }[] = []): Evaluation {
  const ctx = buildContext(history, plan);
  const windows = faultWindows(ctx);
  const steady = steadyWindows(ctx, windows);
  const latencyData = measureLatency(ctx, steady);
  const reconnect = checkReconnect(ctx, windows);

  // recovery_time and detect_time thresholds are judged on the reconnect check.
  const recoveries = newHistogram();
  const detects = newHistogram();
  for (const w of windows) {
    for (const i of w.impacts) {
      record(detects, i.drop - w.start);
      if (i.back !== null) record(recoveries, i.back - w.end);
    }
  }
  const extra = [
    ...evaluateThresholds('recovery_time', plan.thresholds.recovery_time ?? [], recoveries, 'per client, from each fault\'s end'),
    ...evaluateThresholds('detect_time', plan.thresholds.detect_time ?? [], detects, 'per client, from each fault\'s start'),
  ];
  if (extra.length) {
    reconnect.check.thresholds = extra;
    if (extra.some((t) => !t.ok)) {
      reconnect.check.verdict = 'fail';
      reconnect.check.summary += ` Breached: ${extra.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expression} (observed ${t.observed})`).join(', ')}.`;
    }
  }

  const checks: CheckResult[] = [
    checkDelivery(ctx),
    checkLatency(ctx, latencyData),
    reconnect.check,
    checkNoFallback(ctx),
    checkErrorsSurfaced(ctx),
    checkGeneratorHealth(ctx),
  ];

  const failureReasons: Record<string, number> = {};
  const closeCodes: Record<string, number> = {};
  for (const view of ctx.clients) {
    for (const ev of view.events) {
      if (ev.k === 'fail') {
        const key = ev.code ? `${ev.why} ${ev.code}` : ev.why;
        failureReasons[key] = (failureReasons[key] ?? 0) + 1;
      } else if (ev.k === 'close') {
        closeCodes[String(ev.code)] = (closeCodes[String(ev.code)] ?? 0) + 1;
      }
    }
  }
  const origin = history.phases.start;
  return {
    verdict: combineVerdicts(checks, runtimeErrors),
    checks,
    runtimeErrors,
    metrics: {
      latency: { steady: summarize(latencyData.steady), all: summarize(latencyData.all), spectrum: spectrum(latencyData.steady) },
      series: perSecondSeries(history, (sender, id) => {
        const c = ctx.clientOfUser.get(sender);
        return c === undefined ? undefined : ctx.sendTime.get(`${c}|${id}`);
      }),
      failureReasons,
      closeCodes,
      faults: reconnect.data.faults,
      reconnectDelays: delayBands(ctx, reconnect.data.delays),
      attemptsPerClient: reconnect.data.attemptsPerClient,
      generator: history.samples.map((s) => ({ s: Math.round((s.t - origin) / 100) / 10, worker: s.worker, eldP99: Math.round(s.eldP99 * 10) / 10, eldMax: Math.round(s.eldMax * 10) / 10, cpu: Math.round(s.cpu * 1000) / 1000 })),
      steadyWindows: steady.map(([a, b]) => [ctx.rel(a), ctx.rel(b)]),
      toleranceMs: plan.reconnectToleranceMs,
    },
  };
}
