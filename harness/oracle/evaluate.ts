/**
 * The oracle: a pure function of the recorded history and the plan. It never talks to a socket;
 * give it a hand-written history and it decides the same way.
 *
 * It works in three steps, so that a history too large for memory can be judged part by part
 * (harness/judge.ts) and shards can be merged (docs/history.md, "Judging it in bounded memory"):
 *   1. the frame: what needs every client — fault windows (the last client back ends a window),
 *      steady-state windows, the run's span;
 *   2. `judgePart`: every check's counts, examples, histograms and series over some whole chats;
 *   3. `mergeEvaluations` (merge.ts), then `finishEvaluation`: verdicts and sentences from the
 *      merged parts. Judging the parts and merging gives exactly what judging the whole gives.
 */
import type { ClientEvent, FaultRecord, History } from '../record/history.ts';
import { newHistogram, record, spectrum, summarize } from '../metrics/histogram.ts';
import { collectSeries, finishSeries, seriesSeconds, type SeriesPart } from '../metrics/series.ts';
import { reconnectStorms } from '../metrics/reconnect-storm.ts';
import { buildContext, type Context, type OraclePlan } from './context.ts';
import { checkAuth, hasProbes, withoutProbes } from './auth.ts';
import { protocolOf } from '../protocol/index.ts';
import { escapedSince, escapesOf } from './cut-reach.ts';
import { behindInDrain, maxSeqRead, tailedBy } from './drain-tail.ts';
import { collectDelivery, finishDelivery, type DeliveryCounts } from './delivery.ts';
import { collectErrorsSurfaced, finishErrorsSurfaced, type ErrorsSurfacedCounts } from './errors-surfaced.ts';
import { checkGeneratorHealth, discountForInstrument, hostPressureOf } from './generator-health.ts';
import { checkLatency, evaluateThresholds, measureLatency, type LatencyData } from './latency.ts';
import { collectNoFallback, finishNoFallback } from './no-fallback.ts';
import type { CheckPart } from './partial.ts';
import { collectReconnect, delayBands, faultResilience, finishReconnect, type ReconnectPart } from './reconnect.ts';
import type { CheckResult, Evaluation, FaultDelivery, Verdict } from './types.ts';
import { connectionsOf, faultWindows, steadyWindows, type Connections, type FaultWindow } from './windows.ts';

export function combineVerdicts(checks: CheckResult[], runtimeErrors: unknown[]): Verdict {
  if (runtimeErrors.length) return 'error';
  if (checks.some((c) => c.verdict === 'error')) return 'error';
  if (checks.some((c) => c.verdict === 'fail')) return 'fail';
  if (checks.some((c) => c.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

/** What every part is judged against: the run without its client events, and the windows. */
export interface Frame {
  /** Roster without auth probes, faults, samples, phases; byClient empty. */
  history: History;
  windows: FaultWindow[];
  steady: [number, number][];
  /** Seconds of the per-second series. */
  seconds: number;
}

/**
 * `history`: the run without probes (its byClient may be empty); `connections`: every judged
 * client's opens and closes, in roster order; `lastEvent`: the time of the last event of a judged client.
 */
export function buildFrame(history: History, plan: OraclePlan, connections: Connections[], lastEvent: number): Frame {
  const windows = faultWindows(history.faults, history.phases, connections, reachOf(history, plan));
  return {
    history: { ...history, byClient: [] },
    windows,
    steady: steadyWindows(history.phases, plan.settleMs, windows),
    seconds: seriesSeconds(history.phases.start, history.phases.end, lastEvent),
  };
}

/**
 * The clients a fault acts on (cut-reach.ts): all of them when the plan gives it fraction 1 (it
 * acts on every proxy: faults/timeline.ts targetedProxies), else those whose proxy its record
 * names (history routes); null when neither is known.
 */
function reachOf(history: History, plan: OraclePlan): (f: FaultRecord) => ((c: number) => boolean) | null {
  const fraction = new Map(plan.faults.map((f) => [f.id, f.fraction]));
  const routes = history.routes;
  return (f) => {
    if ((fraction.get(f.id) ?? 0) >= 1) return () => true;
    if (!routes || !f.proxies) return null;
    const hit = new Set(f.proxies);
    return (c) => hit.has(routes.proxies[routes.of[c]]);
  };
}

/** Per fault window: messages and deliveries counted so far (see faultDelivery). */
export type FaultDeliveryCounts = Pick<FaultDelivery, 'messages' | 'required' | 'lost' | 'duplicated' | 'late'>;

/** Everything the checks and metrics gathered over some clients, before any verdict. */
export interface PartEvaluation {
  delivery: CheckPart<DeliveryCounts>;
  reconnect: ReconnectPart;
  noFallback: CheckPart;
  errorsSurfaced: CheckPart<ErrorsSurfacedCounts>;
  latency: LatencyData;
  failureReasons: Record<string, number>;
  closeCodes: Record<string, number>;
  /** One per fault window, in the frame's order. */
  faultDelivery: FaultDeliveryCounts[];
  series: SeriesPart;
}

/** Judges the clients of ctx (whole chats, no probes) against the frame. */
export function judgePart(ctx: Context, frame: Frame): PartEvaluation {
  // Clients whose connection escaped a cut: what they missed from its apply on is not the gateway's (cut-reach.ts).
  const escaped = escapedSince(escapesOf(frame.windows, frame.history.samples, frame.history.roster));
  // Clients whose fleet process was behind when the drain gave up: what they had not read is not the gateway's (drain-tail.ts).
  const tailed = tailedBy(behindInDrain(frame.history), frame.history.roster);
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
  return {
    delivery: collectDelivery(ctx, escaped, tailed),
    reconnect: collectReconnect(ctx, frame.windows),
    noFallback: collectNoFallback(ctx),
    errorsSurfaced: collectErrorsSurfaced(ctx),
    latency: measureLatency(ctx, frame.steady),
    failureReasons,
    closeCodes,
    faultDelivery: faultDelivery(ctx, frame.windows, escaped, tailed),
    series: collectSeries(
      ctx.clients.map((v) => v.events),
      frame.history.phases.start,
      frame.seconds,
      (sender, id) => {
        const c = ctx.clientOfUser.get(sender);
        return c === undefined ? undefined : ctx.sentAt(c, id);
      },
      { t: ctx.receipts.t, sent: ctx.receiptSent, rows: ctx.clients.map((v) => [v.recvFrom, v.recvTo]) },
    ),
  };
}

/** Verdicts, sentences and metrics from the merged parts. `auth`: the auth check, judged on the probes alone. */
export function finishEvaluation(
  part: PartEvaluation,
  frame: Frame,
  plan: OraclePlan,
  auth: CheckResult | null,
  runtimeErrors: { code: string; message: string }[] = [],
): Evaluation {
  const ctx = buildContext(frame.history, plan, []);
  const { windows, steady } = frame;
  const reconnect = finishReconnect(part.reconnect.check, ctx);

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
    ...evaluateThresholds(
      'recovery_time',
      plan.thresholds.recovery_time ?? [],
      recoveries,
      "per client, from each fault's end",
    ),
    ...evaluateThresholds(
      'detect_time',
      plan.thresholds.detect_time ?? [],
      detects,
      "per client, from each fault's start",
    ),
  ];
  for (const t of extra) {
    // A client that never came back has an infinite recovery time: no upper bound holds.
    if (t.metric === 'recovery_time' && neverBack > 0 && t.statistic !== 'count' && t.statistic !== 'min') {
      Object.assign(t, {
        ok: false,
        observed: null,
        headroom: null,
        window: `${t.window}; ${neverBack} client(s) never came back`,
      });
    }
  }
  // Nothing to measure (no client was knocked off, or the run was cut short): not judged, never passed.
  const unjudged = extra.filter((t) => t.observed === null && !(t.metric === 'recovery_time' && neverBack > 0));
  if (extra.length) {
    reconnect.thresholds = extra;
    if (extra.some((t) => !t.ok && !unjudged.includes(t))) {
      const breached = `Breached ${extra
        .filter((t) => !t.ok && !unjudged.includes(t))
        .map(
          (t) =>
            `${t.metric} ${t.expression} (observed ${t.observed === null ? 'never' : `${Math.round(t.observed)} ms`})`,
        )
        .join(', ')}`;
      // Lead with the breach: the sentence must not open with "all followed the policy" on a failed check.
      reconnect.summary =
        reconnect.verdict === 'fail'
          ? `${breached}; ${reconnect.summary}`
          : `${breached}. Every attempt followed the policy otherwise: ${reconnect.summary}`;
      reconnect.verdict = 'fail';
    } else if (unjudged.length && reconnect.verdict === 'pass') {
      reconnect.verdict = 'inconclusive';
      reconnect.summary = `${unjudged.map((t) => `${t.metric} ${t.expression}`).join(', ')} could not be judged: no client was knocked off and came back to measure. ${reconnect.summary}`;
    }
  }

  const checks: CheckResult[] = discountForInstrument(
    [
      finishDelivery(part.delivery, ctx.rel),
      checkLatency(ctx, part.latency),
      reconnect,
      finishNoFallback(part.noFallback, ctx.rel),
      finishErrorsSurfaced(part.errorsSurfaced, ctx.rel),
      checkGeneratorHealth(ctx, windows),
    ],
    hostPressureOf(ctx),
    ctx.plan,
  );
  if (auth) checks.push(auth);

  const history = frame.history;
  const origin = history.phases.start;
  const limits = (plan.thresholds.delivery_latency ?? [])
    .filter((t) => t.op === '<' || t.op === '<=')
    .map((t) => t.limit);
  const lateAfterMs = limits.length ? Math.min(...limits) : null;
  const delivery = new Map<string, FaultDelivery>(
    windows.map((w, i) => [w.id, { ...part.faultDelivery[i], lateAfterMs, ...faultSpan(ctx, w) }]),
  );
  const series = finishSeries(part.series);
  return {
    verdict: combineVerdicts(checks, runtimeErrors),
    checks,
    runtimeErrors,
    metrics: {
      latency: {
        steady: summarize(part.latency.steady),
        all: summarize(part.latency.all),
        spectrum: spectrum(part.latency.steady),
      },
      series,
      // From the merged series: peaks and p99 of summed per-second counts, never of parts.
      reconnectStorm: reconnectStorms(series, history.faults, plan.policy, origin),
      failureReasons: part.failureReasons,
      closeCodes: part.closeCodes,
      faults: withFaultDelivery(faultResilience(ctx, windows), delivery),
      reconnectDelays: delayBands(ctx, part.reconnect.delays),
      attemptsPerClient: part.reconnect.attemptsPerClient,
      stack: (history.stackSamples ?? []).map((x) => ({
        s: Math.round((x.t - origin) / 100) / 10,
        name: x.name,
        cpu: x.cpu,
        rssMb: x.rssMb,
      })),
      generator: history.samples.map((s) => ({
        s: Math.round((s.t - origin) / 100) / 10,
        worker: s.worker,
        eldP99: Math.round(s.eldP99 * 10) / 10,
        eldMax: Math.round(s.eldMax * 10) / 10,
        cpu: Math.round(s.cpu * 1000) / 1000,
        ...(s.shard !== undefined ? { shard: s.shard } : {}),
      })),
      steadyWindows: steady.map(([a, b]) => [ctx.rel(a), ctx.rel(b)]),
      toleranceMs: plan.reconnectToleranceMs,
    },
  };
}

/**
 * A history judged but not finished: the merged parts, the frame they were judged against and
 * the auth check. What a shard keeps for `chatstorm merge` (oracle/judged-json.ts), which merges
 * shards with mergeEvaluations and finishes them like one run.
 */
export interface Judged {
  part: PartEvaluation;
  frame: Frame;
  auth: CheckResult | null;
}

/** Judges a whole history in memory as one part, without finishing it. */
export function judgeInMemory(recorded: History, plan: OraclePlan): Judged {
  // Auth probes are judged by the auth check alone; every other check and metric sees the rest.
  const auth = hasProbes(recorded) ? checkAuth(recorded, protocolOf(plan.protocol).refusals) : null;
  const history = withoutProbes(recorded);
  const ctx = buildContext(history, plan);
  const frame = buildFrame(
    history,
    plan,
    ctx.clients.map((v) => connectionsOf(v.entry.c, v.events)),
    lastEventOf(history.byClient, history.phases.start),
  );
  return { part: judgePart(ctx, frame), frame, auth };
}

/** Judges a whole history in memory: one part. */
export function evaluate(
  recorded: History,
  plan: OraclePlan,
  runtimeErrors: { code: string; message: string }[] = [],
): Evaluation {
  const { part, frame, auth } = judgeInMemory(recorded, plan);
  return finishEvaluation(part, frame, plan, auth, runtimeErrors);
}

export function lastEventOf(lists: ClientEvent[][], origin: number): number {
  let last = origin;
  for (const l of lists) if (l?.length) last = Math.max(last, l[l.length - 1].t);
  return last;
}

/** The window a fault's messages are attributed by (see faultDelivery), seconds since run start. */
function faultSpan(ctx: Context, w: FaultWindow): { from: number; to: number } {
  return { from: ctx.rel(w.start), to: ctx.rel((w.recoveredAt ?? ctx.history.phases.trafficEnd) + ctx.plan.settleMs) };
}

/**
 * Messages lost, duplicated and late per fault, for the report. Attributed by time: an acked
 * message belongs to a fault when it was sent or acked between the fault's start and the end of
 * its disturbed window (the last affected client back, plus the settle time: the span that steady
 * state leaves out). Which members owe a message follows the delivery check's rule (joined before
 * the send; reopened after the ack or still open at the end). A message in two overlapping
 * windows counts for both.
 */
function faultDelivery(
  ctx: Context,
  windows: FaultWindow[],
  escaped: ReadonlyMap<number, number>,
  tailed: (c: number) => boolean,
): FaultDeliveryCounts[] {
  const limits = (ctx.plan.thresholds.delivery_latency ?? [])
    .filter((t) => t.op === '<' || t.op === '<=')
    .map((t) => t.limit);
  const lateAfterMs = limits.length ? Math.min(...limits) : null;
  // Per client: seq → receipt times of the message the gateway acked with that seq (a receipt that
  // matches no ack is a phantom, the delivery check's business).
  const receipts = new Map<number, Map<number, number[]>>();
  // As the delivery check: the highest seq read by a client whose process was behind in an incomplete drain.
  const readUpTo = new Map<number, number>();
  if (windows.length) {
    for (const view of ctx.clients) {
      if (view.openAtEnd && tailed(view.entry.c))
        readUpTo.set(view.entry.c, maxSeqRead(ctx.receipts.seq, view.recvFrom, view.recvTo));
      const bySeq = new Map<number, number[]>();
      const acked = ctx.acked.get(view.entry.chat);
      const R = ctx.receipts;
      for (let r = view.recvFrom; r < view.recvTo; r++) {
        const seq = R.seq[r];
        const a = acked?.get(seq);
        if (!a || a.id !== R.id[r] || a.sender !== R.sender[r]) continue;
        const times = bySeq.get(seq);
        if (times) times.push(R.t[r]);
        else bySeq.set(seq, [R.t[r]]);
      }
      receipts.set(view.entry.c, bySeq);
    }
  }
  return windows.map((w) => {
    const from = w.start;
    const to = (w.recoveredAt ?? ctx.history.phases.trafficEnd) + ctx.plan.settleMs;
    const inside = (t: number) => t >= from && t <= to;
    const out: FaultDeliveryCounts = {
      messages: 0,
      required: 0,
      lost: 0,
      duplicated: 0,
      late: lateAfterMs === null ? null : 0,
    };
    for (const [chat, msgs] of ctx.acked) {
      for (const m of msgs.values()) {
        if (m.ackT === null || m.sendT === null || !(inside(m.sendT) || inside(m.ackT))) continue;
        out.messages++;
        for (const c of ctx.members.get(chat) ?? []) {
          const view = ctx.view(c)!;
          if (view.firstOpen === null || view.firstOpen >= m.sendT) continue;
          if (!view.openAtEnd && !view.opens.some((t) => t > m.ackT!)) continue;
          const got = receipts.get(c)!.get(m.seq);
          // As the delivery check: a client that escaped a cut is not judged from its apply on.
          if (!got && (escaped.get(c) ?? Infinity) <= m.ackT) continue;
          if (!got && m.seq > (readUpTo.get(c) ?? Infinity)) continue;
          out.required++;
          if (!got) {
            out.lost++;
            continue;
          }
          out.duplicated += got.length - 1;
          if (out.late !== null && lateAfterMs !== null && got[0] - m.sendT > lateAfterMs) out.late++;
        }
      }
    }
    return out;
  });
}

function withFaultDelivery<T extends { id: string }>(
  faults: T[],
  delivery: Map<string, FaultDelivery>,
): (T & { delivery?: FaultDelivery })[] {
  return faults.map((f) => {
    const d = delivery.get(f.id);
    return d ? { ...f, delivery: d } : f;
  });
}
