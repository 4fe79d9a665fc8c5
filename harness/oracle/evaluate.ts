/**
 * The oracle: a pure function of the recorded history and the plan. It never talks to a socket;
 * give it a hand-written history and it decides the same way.
 */
import type { History } from '../record/history.ts';
import { spectrum, summarize } from '../metrics/histogram.ts';
import { perSecondSeries } from '../metrics/series.ts';
import { reconnectStorms } from '../metrics/reconnect-storm.ts';
import { buildContext, type Context, type OraclePlan } from './context.ts';
import { checkAuth, hasProbes, withoutProbes } from './auth.ts';
import { protocolOf } from '../protocol/index.ts';
import { checkDelivery } from './delivery.ts';
import { checkErrorsSurfaced } from './errors-surfaced.ts';
import { checkGeneratorHealth } from './generator-health.ts';
import { checkLatency, evaluateThresholds, measureLatency } from './latency.ts';
import { checkNoFallback } from './no-fallback.ts';
import { checkReconnect, delayBands } from './reconnect.ts';
import type { CheckResult, Evaluation, FaultDelivery, Verdict } from './types.ts';
import { faultWindows, steadyWindows, type FaultWindow } from './windows.ts';
import { newHistogram, record } from '../metrics/histogram.ts';

export function combineVerdicts(checks: CheckResult[], runtimeErrors: unknown[]): Verdict {
  if (runtimeErrors.length) return 'error';
  if (checks.some((c) => c.verdict === 'error')) return 'error';
  if (checks.some((c) => c.verdict === 'fail')) return 'fail';
  if (checks.some((c) => c.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

export function evaluate(recorded: History, plan: OraclePlan, runtimeErrors: { code: string; message: string }[] = []): Evaluation {
  // Auth probes are judged by the auth check alone; every other check and metric sees the rest.
  const auth = hasProbes(recorded) ? checkAuth(recorded, protocolOf(plan.protocol).refusals) : null;
  const history = withoutProbes(recorded);
  const ctx = buildContext(history, plan);
  const windows = faultWindows(ctx);
  const steady = steadyWindows(ctx, windows);
  const latencyData = measureLatency(ctx, steady);
  const reconnect = checkReconnect(ctx, windows);

  // recovery_time and detect_time thresholds are judged on the reconnect check.
  const recoveries = newHistogram();
  const detects = newHistogram();
  let neverBack = 0;
  for (const w of windows) {
    for (const i of w.impacts) {
      record(detects, i.drop - w.start);
      if (i.back !== null) record(recoveries, i.back - w.end);
      else neverBack++;
    }
  }
  const extra = [
    ...evaluateThresholds('recovery_time', plan.thresholds.recovery_time ?? [], recoveries, 'per client, from each fault\'s end'),
    ...evaluateThresholds('detect_time', plan.thresholds.detect_time ?? [], detects, 'per client, from each fault\'s start'),
  ];
  for (const t of extra) {
    // A client that never came back has an infinite recovery time: no upper bound holds.
    if (t.metric === 'recovery_time' && neverBack > 0 && t.statistic !== 'count' && t.statistic !== 'min') {
      Object.assign(t, { ok: false, observed: null, headroom: null, window: `${t.window}; ${neverBack} client(s) never came back` });
    }
  }
  // Nothing to measure (no client was knocked off, or the run was cut short): not judged, never passed.
  const unjudged = extra.filter((t) => t.observed === null && !(t.metric === 'recovery_time' && neverBack > 0));
  if (extra.length) {
    reconnect.check.thresholds = extra;
    if (extra.some((t) => !t.ok && !unjudged.includes(t))) {
      const breached = `Breached ${extra.filter((t) => !t.ok && !unjudged.includes(t)).map((t) => `${t.metric} ${t.expression} (observed ${t.observed === null ? 'never' : `${Math.round(t.observed)} ms`})`).join(', ')}`;
      // Lead with the breach: the sentence must not open with "all followed the policy" on a failed check.
      reconnect.check.summary = reconnect.check.verdict === 'fail' ? `${breached}; ${reconnect.check.summary}` : `${breached}. Every attempt followed the policy otherwise: ${reconnect.check.summary}`;
      reconnect.check.verdict = 'fail';
    } else if (unjudged.length && reconnect.check.verdict === 'pass') {
      reconnect.check.verdict = 'inconclusive';
      reconnect.check.summary = `${unjudged.map((t) => `${t.metric} ${t.expression}`).join(', ')} could not be judged: no client was knocked off and came back to measure. ${reconnect.check.summary}`;
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
  if (auth) checks.push(auth);

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
  const series = perSecondSeries(history, (sender, id) => {
    const c = ctx.clientOfUser.get(sender);
    return c === undefined ? undefined : ctx.sendTime.get(`${c}|${id}`);
  });
  return {
    verdict: combineVerdicts(checks, runtimeErrors),
    checks,
    runtimeErrors,
    metrics: {
      latency: { steady: summarize(latencyData.steady), all: summarize(latencyData.all), spectrum: spectrum(latencyData.steady) },
      series,
      reconnectStorm: reconnectStorms(series, history.faults, plan.policy, origin),
      failureReasons,
      closeCodes,
      faults: withFaultDelivery(reconnect.data.faults, faultDelivery(ctx, windows)),
      reconnectDelays: delayBands(ctx, reconnect.data.delays),
      attemptsPerClient: reconnect.data.attemptsPerClient,
      stack: (history.stackSamples ?? []).map((x) => ({ s: Math.round((x.t - origin) / 100) / 10, name: x.name, cpu: x.cpu, rssMb: x.rssMb })),
      generator: history.samples.map((s) => ({ s: Math.round((s.t - origin) / 100) / 10, worker: s.worker, eldP99: Math.round(s.eldP99 * 10) / 10, eldMax: Math.round(s.eldMax * 10) / 10, cpu: Math.round(s.cpu * 1000) / 1000 })),
      steadyWindows: steady.map(([a, b]) => [ctx.rel(a), ctx.rel(b)]),
      toleranceMs: plan.reconnectToleranceMs,
    },
  };
}

/**
 * Messages lost, duplicated and late per fault, for the report. Attributed by time: an acked
 * message belongs to a fault when it was sent or acked between the fault's start and the end of
 * its disturbed window (the last affected client back, plus the settle time: the span that steady
 * state leaves out). Which members owe a message follows the delivery check's rule (joined before
 * the send; reopened after the ack or still open at the end). A message in two overlapping
 * windows counts for both.
 */
function faultDelivery(ctx: Context, windows: FaultWindow[]): Map<string, FaultDelivery> {
  const limits = (ctx.plan.thresholds.delivery_latency ?? []).filter((t) => t.op === '<' || t.op === '<=').map((t) => t.limit);
  const lateAfterMs = limits.length ? Math.min(...limits) : null;
  // Per client: seq → receipt times of the message the gateway acked with that seq (a receipt that
  // matches no ack is a phantom, the delivery check's business).
  const receipts = ctx.clients.map((view) => {
    const bySeq = new Map<number, number[]>();
    const acked = ctx.acked.get(view.entry.chat);
    for (const ev of view.events) {
      if (ev.k !== 'recv') continue;
      const a = acked?.get(ev.seq);
      if (!a || a.id !== ev.id || a.sender !== ev.sender) continue;
      const times = bySeq.get(ev.seq);
      if (times) times.push(ev.t);
      else bySeq.set(ev.seq, [ev.t]);
    }
    return bySeq;
  });
  const byFault = new Map<string, FaultDelivery>();
  for (const w of windows) {
    const from = w.start;
    const to = (w.recoveredAt ?? ctx.history.phases.trafficEnd) + ctx.plan.settleMs;
    const inside = (t: number) => t >= from && t <= to;
    const out: FaultDelivery = { messages: 0, required: 0, lost: 0, duplicated: 0, late: lateAfterMs === null ? null : 0, lateAfterMs, from: ctx.rel(from), to: ctx.rel(to) };
    for (const [chat, msgs] of ctx.acked) {
      for (const m of msgs.values()) {
        if (m.ackT === null || m.sendT === null || !(inside(m.sendT) || inside(m.ackT))) continue;
        out.messages++;
        for (const c of ctx.members.get(chat) ?? []) {
          const view = ctx.clients[c];
          if (view.firstOpen === null || view.firstOpen >= m.sendT) continue;
          if (!view.openAtEnd && !view.opens.some((t) => t > m.ackT!)) continue;
          out.required++;
          const got = receipts[c].get(m.seq);
          if (!got) {
            out.lost++;
            continue;
          }
          out.duplicated += got.length - 1;
          if (out.late !== null && lateAfterMs !== null && got[0] - m.sendT > lateAfterMs) out.late++;
        }
      }
    }
    byFault.set(w.id, out);
  }
  return byFault;
}

function withFaultDelivery<T extends { id: string }>(faults: T[], delivery: Map<string, FaultDelivery>): (T & { delivery?: FaultDelivery })[] {
  return faults.map((f) => {
    const d = delivery.get(f.id);
    return d ? { ...f, delivery: d } : f;
  });
}
