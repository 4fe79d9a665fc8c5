/**
 * The exact merge of shards' judged runs into one summary, as if one host had run the whole plan.
 * Pure: summaries in, summary out.
 *
 * Why it is exact: a shard owns whole chats, so every delivery rule (delivery, no-fallback,
 * errors-surfaced, auth) is decided for a chat on one host, and a check fails for the whole run
 * exactly when it fails on some shard; their counts add. Percentiles never add: the latency
 * thresholds and the recovery_time/detect_time thresholds are judged again on the sum of the
 * shards' HDR histograms (carried in summary.metrics.mergeable), and so is every percentile shown.
 * generator-health is the worst shard's: a saturated host taints its own shard's numbers however
 * healthy the others were (stricter than pooling the samples, on purpose).
 *
 * Per-second series are aligned on wall-clock seconds (each shard's start, rounded to the second,
 * against the earliest start); fault records stay per shard; examples keep their shard. The
 * reconnect storm is computed once more on the summed series, one per planned fault: what the
 * gateway saw from all shards together.
 */
import { evaluateThresholds } from '../oracle/latency.ts';
import { applyReconnectThresholds, combineVerdicts } from '../oracle/evaluate.ts';
import type { CheckResult, Example, Metrics, SeriesPoint, Verdict } from '../oracle/types.ts';
import { mergeHistograms, spectrum, statistic, summarize } from '../metrics/histogram.ts';
import { reconnectStorms } from '../metrics/reconnect-storm.ts';
import { parseThreshold, type Threshold } from '../config/threshold.ts';
import { exitCodeFor, EXIT } from '../report/exit-codes.ts';
import type { MergedShard, Summary } from '../report/summary.ts';

export interface MergeInput {
  index: number;
  dir: string;
  clients: number;
  summary: Summary | null;
}

const RANK: Record<Verdict, number> = { pass: 0, inconclusive: 1, fail: 2, error: 3 };
const worst = (vs: Verdict[]): Verdict => vs.reduce<Verdict>((a, v) => (RANK[v] > RANK[a] ? v : a), 'pass');

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function mergeSummaries(parts: MergeInput[], meta: { runId: string; clients: number; chats: number }): Summary {
  const live = parts.filter((p): p is MergeInput & { summary: Summary } => p.summary !== null);
  if (!live.length) throw new Error('no shard has a summary.json: nothing to merge');
  const first = live[0].summary;
  const startOf = (s: Summary) => Date.parse(s.startedAt);
  const origin = Math.min(...live.map((p) => startOf(p.summary)));
  /** Seconds from the merged origin to a shard's own origin. */
  const shift = (s: Summary) => (startOf(s) - origin) / 1000;
  const at = (s: Summary, t: number) => Math.round((t + shift(s)) * 100) / 100;
  const thresholds: Record<string, Threshold[]> = {};
  for (const [m, exprs] of Object.entries(first.thresholds)) thresholds[m] = exprs.map(parseThreshold);

  const runtimeErrors = [
    ...parts.filter((p) => p.summary === null).map((p) => ({ code: 'shard-died', message: `shard ${p.index} (${p.dir}) wrote no summary.json: it died before judging its part of the run` })),
    ...live.flatMap((p) => p.summary.runtimeErrors.map((e) => ({ code: e.code, message: `shard ${p.index}: ${e.message}` }))),
  ];

  const m = live.map((p) => p.summary.metrics.mergeable!);
  const steady = mergeHistograms(m.map((x) => x.latencySteady));
  const all = mergeHistograms(m.map((x) => x.latencyAll));

  const names = [...new Set(live.flatMap((p) => p.summary.checks.map((c) => c.name)))];
  const checks: CheckResult[] = names.map((name) => {
    const mine = live.flatMap((p) => p.summary.checks.filter((c) => c.name === name).map((c) => ({ p, c })));
    const examples: Example[] = mine.flatMap(({ p, c }) => c.examples.map((e) => ({ ...e, shard: p.index, ...(e.at !== undefined ? { at: at(p.summary, e.at) } : {}) })));
    const counts: Record<string, number> = {};
    for (const { c } of mine) addCounts(counts, c.counts);
    const perShard = mine.map(({ p, c }) => `shard ${p.index}: ${c.summary}`).join(' | ');
    const breaches = mine.map(({ p, c }) => (c.firstBreachAt == null ? null : at(p.summary, c.firstBreachAt))).filter((x): x is number => x !== null);
    const firstBreachAt = breaches.length ? Math.min(...breaches) : null;
    if (name === 'latency') {
      const ts = evaluateThresholds('delivery_latency', thresholds.delivery_latency ?? [], steady, 'steady state');
      const s = summarize(steady);
      const failed = ts.filter((t) => !t.ok);
      const verdict: Verdict = s.count === 0 ? 'inconclusive' : failed.length ? 'fail' : 'pass';
      return {
        name,
        verdict,
        summary: s.count === 0
          ? 'No live delivery in a steady-state window on any shard: latency cannot be judged.'
          : `${s.count} steady-state deliveries on ${live.length} shards (histograms merged): p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms; ${failed.length ? `breached ${failed.map((t) => t.expression).join(', ')}` : 'every threshold holds'}.`,
        counts: { samples: s.count, p50: s.p50 ?? 0, p95: s.p95 ?? 0, p99: s.p99 ?? 0, max: s.max ?? 0 },
        examples: failed.length ? examples : [],
        thresholds: ts,
        firstBreachAt: failed.length ? firstBreachAt : null,
      };
    }
    if (name === 'reconnect') {
      const policy = m.map((x, i) => ({ ...x.reconnectPolicy, i: live[i].index }));
      const check: CheckResult = {
        name,
        verdict: worst(policy.map((x) => x.verdict)),
        summary: policy.map((x) => `shard ${x.i}: ${x.summary}`).join(' | '),
        counts,
        examples,
        firstBreachAt,
      };
      const neverBack = m.reduce((a, x) => a + x.neverBack, 0);
      applyReconnectThresholds(check, thresholds, mergeHistograms(m.map((x) => x.recovery)), mergeHistograms(m.map((x) => x.detect)), neverBack);
      return check;
    }
    return { name, verdict: worst(mine.map(({ c }) => c.verdict)), summary: `${live.length} shards — ${perShard}`, counts, examples, firstBreachAt };
  });

  const verdict = combineVerdicts(checks, runtimeErrors);
  const interrupted = live.some((p) => p.summary.interrupted);
  const metrics = mergeMetrics(live.map((p) => ({ index: p.index, s: p.summary, shift: shift(p.summary) })), steady, all);
  const offsets = parts.map((p) => p.summary?.shard?.clock.offsetMs ?? null);
  const ref = offsets.find((o) => o !== null) ?? null;
  const shards: MergedShard[] = parts.map((p, i) => ({
    index: p.index,
    runId: p.summary?.runId ?? '',
    dir: p.dir,
    verdict: p.summary?.verdict ?? 'missing-summary',
    clients: p.clients,
    startedAt: p.summary?.startedAt ?? null,
    clock: p.summary?.shard?.clock ?? null,
    offsetToFirstMs: offsets[i] === null || ref === null ? null : Math.round((offsets[i]! - ref) * 1000) / 1000,
  }));
  const ph = (k: keyof Summary['phases']) => Math.max(...live.map((p) => at(p.summary, p.summary.phases[k])));
  return {
    ...first,
    runId: meta.runId,
    verdict,
    exitCode: interrupted ? EXIT.interrupted : exitCodeFor(verdict),
    failedChecks: checks.filter((c) => c.verdict !== 'pass').map((c) => c.name),
    target: { ...first.target, provider: `${live.length} of ${parts.length} shards, ${first.target.provider}`, gatewayUrl: live.map((p) => p.summary.target.gatewayUrl).join(' ') },
    clients: meta.clients,
    chats: meta.chats,
    startedAt: new Date(origin).toISOString(),
    durationSeconds: ph('end'),
    phases: { connected: ph('connected'), trafficStart: ph('trafficStart'), trafficEnd: ph('trafficEnd'), drained: ph('drained'), end: ph('end') },
    drainComplete: live.every((p) => p.summary.drainComplete) && live.length === parts.length,
    interrupted,
    checks,
    runtimeErrors,
    metrics,
    shard: undefined,
    shards,
  };
}

function mergeMetrics(parts: { index: number; s: Summary; shift: number }[], steady: ReturnType<typeof mergeHistograms>, all: ReturnType<typeof mergeHistograms>): Metrics {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const failureReasons: Record<string, number> = {};
  const closeCodes: Record<string, number> = {};
  const attemptsPerClient: Record<string, number> = {};
  for (const { s } of parts) {
    addCounts(failureReasons, s.metrics.failureReasons);
    addCounts(closeCodes, s.metrics.closeCodes);
    addCounts(attemptsPerClient, s.metrics.attemptsPerClient);
  }
  // Series: shard second s lands on merged second s + round(shift).
  const rows = new Map<number, { p: SeriesPoint; hs: ReturnType<typeof mergeHistograms>[] }>();
  const seconds = new Map<number, { hdr: string; count: number; min: number | null; max: number | null }[]>();
  for (const { s, shift } of parts) {
    const off = Math.round(shift);
    for (const pt of s.metrics.series) {
      const k = pt.s + off;
      const row = rows.get(k) ?? { p: { s: k, open: 0, connecting: 0, attempts: 0, failures: 0, sent: 0, received: 0, p50: null, p95: null, p99: null, max: null }, hs: [] };
      row.p.open += pt.open;
      row.p.connecting += pt.connecting;
      row.p.attempts += pt.attempts;
      row.p.failures += pt.failures;
      row.p.sent += pt.sent;
      row.p.received += pt.received;
      if (pt.failuresByReason) addCounts((row.p.failuresByReason ??= {}), pt.failuresByReason);
      if (pt.closesByCode) addCounts((row.p.closesByCode ??= {}), pt.closesByCode);
      rows.set(k, row);
      const h = s.metrics.mergeable!.seconds[String(pt.s)];
      if (h) seconds.set(k, [...(seconds.get(k) ?? []), h]);
    }
  }
  const series = [...rows.values()].map((r) => r.p).sort((a, b) => a.s - b.s);
  for (const p of series) {
    const hs = seconds.get(p.s);
    if (!hs) continue;
    const h = mergeHistograms(hs);
    Object.assign(p, { p50: statistic(h, 'p', 50), p95: statistic(h, 'p', 95), p99: statistic(h, 'p', 99), max: statistic(h, 'max') });
  }
  const delays = new Map<number, Metrics['reconnectDelays'][number]>();
  for (const { s } of parts) {
    for (const d of s.metrics.reconnectDelays) {
      const cur = delays.get(d.attempt);
      if (cur) cur.delays.push(...d.delays);
      else delays.set(d.attempt, { ...d, delays: [...d.delays] });
    }
  }
  const first = parts[0].s.metrics;
  // One storm per planned fault, over the summed series: the attempts the gateway saw from every
  // shard. The fault's window spans its earliest start and latest removal over the shards.
  const restored = new Map<string, { id: string; applyStart: number; removeEnd: number | null }>();
  for (const { s } of parts) {
    const t0 = Date.parse(s.startedAt);
    for (const f of s.metrics.faults) {
      const start = t0 + f.start * 1000;
      const end = t0 + f.end * 1000;
      const cur = restored.get(f.id);
      restored.set(f.id, cur ? { id: f.id, applyStart: Math.min(cur.applyStart, start), removeEnd: Math.max(cur.removeEnd ?? end, end) } : { id: f.id, applyStart: start, removeEnd: end });
    }
  }
  const origin = Math.min(...parts.map(({ s }) => Date.parse(s.startedAt)));
  return {
    latency: { steady: summarize(steady), all: summarize(all), spectrum: spectrum(steady) },
    series,
    failureReasons,
    closeCodes,
    faults: parts.flatMap(({ index, s, shift }) => s.metrics.faults.map((f) => ({ ...f, id: `${f.id} (shard ${index})`, shard: index, start: r2(f.start + shift), end: r2(f.end + shift) }))),
    reconnectDelays: [...delays.values()].sort((a, b) => a.attempt - b.attempt),
    attemptsPerClient,
    generator: parts.flatMap(({ index, s, shift }) => s.metrics.generator.map((g) => ({ ...g, s: r2(g.s + shift), shard: index }))),
    stack: parts.flatMap(({ index, s, shift }) => (s.metrics.stack ?? []).map((x) => ({ ...x, s: r2(x.s + shift), name: `${x.name} (shard ${index})` }))),
    reconnectStorm: reconnectStorms(series, [...restored.values()], parts[0].s.policy, origin),
    steadyWindows: first.steadyWindows.map(([a, b]) => [r2(a + parts[0].shift), r2(b + parts[0].shift)]),
    toleranceMs: first.toleranceMs,
  };
}
