/**
 * The exact merge of judged parts (docs/history.md, "Judging it in bounded memory"): a run judged part by part — per fleet process,
 * per group of chats, later per shard — gives what judging it whole gives. Pure: the parts are
 * not changed.
 *
 *   counts          summed
 *   examples        phase by phase, parts in client order, then the check's limit (partial.ts):
 *                   the same first examples the whole judge keeps
 *   first breach    the earliest
 *   histograms      HDR histograms added; percentiles are read from the sum, never averaged
 *   series          summed on the same wall-clock seconds, per-second histograms added
 *   delays          concatenated (sorted when reported)
 *
 * Parts must be given in client order and each must hold whole chats (a chat's delivery needs all
 * of its members); parts judged against different frames (fault windows) do not merge.
 */
import { newHistogram } from '../metrics/histogram.ts';
import { emptySeries, mergeSeries } from '../metrics/series.ts';
import type { PartEvaluation } from './evaluate.ts';
import { NO_FALLBACK_EXAMPLES } from './no-fallback.ts';
import { addCounts, mergeCheckParts } from './partial.ts';

/** Latency breaches kept for examples (latency.ts keeps the first 1,000). */
const BREACHES_KEPT = 1_000;

export function mergeEvaluations(parts: PartEvaluation[]): PartEvaluation {
  if (parts.length === 0) throw new Error('mergeEvaluations: no part to merge');
  const acc = emptyLike(parts[0]);
  for (const p of parts) mergeInto(acc, p);
  return acc;
}

/** An evaluation of no client, to merge parts into (judged against the same frame as `like`). */
export function emptyLike(like: PartEvaluation): PartEvaluation {
  const none = <C extends Record<string, number>>(p: { examples: unknown[] }) => ({
    counts: {} as C,
    examples: p.examples.map(() => []),
    firstBreach: null,
  });
  return {
    delivery: none(like.delivery),
    reconnect: { check: none(like.reconnect.check), delays: new Map(), attemptsPerClient: {} },
    noFallback: none(like.noFallback),
    errorsSurfaced: none(like.errorsSurfaced),
    latency: { steady: newHistogram(false), all: newHistogram(false), breaches: [] },
    failureReasons: {},
    closeCodes: {},
    faultDelivery: like.faultDelivery.map((f) => ({
      messages: 0,
      required: 0,
      lost: 0,
      duplicated: 0,
      late: f.late === null ? null : 0,
    })),
    series: emptySeries(like.series.origin, like.series.seconds),
  };
}

/**
 * Adds part `p` (the next in client order) into `acc`, which it changes; `p` is left as it was.
 * The streaming judge folds its parts this way, so that a part is dropped once merged.
 */
export function mergeInto(acc: PartEvaluation, p: PartEvaluation): PartEvaluation {
  if (p.faultDelivery.length !== acc.faultDelivery.length)
    throw new Error(
      `mergeEvaluations: parts judged against different fault windows (${acc.faultDelivery.length} and ${p.faultDelivery.length})`,
    );
  acc.latency.steady.add(p.latency.steady);
  acc.latency.all.add(p.latency.all);
  for (const b of p.latency.breaches) if (acc.latency.breaches.length < BREACHES_KEPT) acc.latency.breaches.push(b);
  mergeSeries(acc.series, p.series);
  for (const [n, list] of p.reconnect.delays) {
    const into = acc.reconnect.delays.get(n);
    if (into) for (const d of list) into.push(d);
    else acc.reconnect.delays.set(n, [...list]);
  }
  acc.reconnect.attemptsPerClient = addCounts(acc.reconnect.attemptsPerClient, p.reconnect.attemptsPerClient);
  acc.failureReasons = addCounts(acc.failureReasons, p.failureReasons);
  acc.closeCodes = addCounts(acc.closeCodes, p.closeCodes);
  p.faultDelivery.forEach((f, i) => {
    const o = acc.faultDelivery[i];
    o.messages += f.messages;
    o.required += f.required;
    o.lost += f.lost;
    o.duplicated += f.duplicated;
    if (o.late !== null && f.late !== null) o.late += f.late;
  });
  acc.delivery = mergeCheckParts([acc.delivery, p.delivery]);
  acc.reconnect.check = mergeCheckParts([acc.reconnect.check, p.reconnect.check]);
  acc.noFallback = mergeCheckParts([acc.noFallback, p.noFallback], NO_FALLBACK_EXAMPLES);
  acc.errorsSurfaced = mergeCheckParts([acc.errorsSurfaced, p.errorsSurfaced]);
  return acc;
}
