/**
 * A judged run before its verdict (evaluate.ts `Judged`: the merged parts, their frame, the auth
 * check) as JSON, and back. A shard writes it to its run folder (JUDGED_FILE); `chatstorm merge`
 * reads every shard's, merges them with mergeEvaluations and finishes them as one run — the one
 * merge the streaming judge uses too.
 *
 * Everything is carried exactly: HDR histograms in HDR's compressed base64 encoding with their
 * exact min and max, typed arrays as arrays, maps as entries. Decoding what was encoded gives a
 * `Judged` that finishes to the same Evaluation (judged-json.test.ts).
 */
import { decodeHistogram, encodeHistogram, type EncodedHistogram } from '../metrics/histogram.ts';
import { latencyOf, type SeriesPart } from '../metrics/series.ts';
import type { Judged, PartEvaluation } from './evaluate.ts';

/** The file a shard's run folder keeps it in. */
export const JUDGED_FILE = 'judged.json';
/** Bumped whenever the layout changes; a reader refuses any other. */
export const JUDGED_VERSION = 1;

type Arrays = 'openDelta' | 'connectingDelta' | 'attempts' | 'failures' | 'sent' | 'received';
const ARRAYS: Arrays[] = ['openDelta', 'connectingDelta', 'attempts', 'failures', 'sent', 'received'];

type SeriesJson = Omit<SeriesPart, Arrays | 'latency' | 'failuresByReason' | 'closesByCode'> &
  Record<Arrays, number[]> & {
    failuresByReason: (Record<string, number> | null)[];
    closesByCode: (Record<string, number> | null)[];
    latency: (EncodedHistogram | null)[];
  };

export interface JudgedJson {
  version: number;
  part: Omit<PartEvaluation, 'latency' | 'reconnect' | 'series'> & {
    latency: { steady: EncodedHistogram; all: EncodedHistogram; breaches: PartEvaluation['latency']['breaches'] };
    reconnect: Omit<PartEvaluation['reconnect'], 'delays'> & { delays: [number, number[]][] };
    series: SeriesJson;
  };
  frame: Judged['frame'];
  auth: Judged['auth'];
}

export function encodeJudged(j: Judged): JudgedJson {
  const { part, frame, auth } = j;
  const s = part.series;
  const sparse = <T, U>(xs: (T | null | undefined)[], f: (x: T) => U): (U | null)[] =>
    Array.from({ length: s.seconds }, (_, i) => (xs[i] ? f(xs[i] as T) : null));
  return {
    version: JUDGED_VERSION,
    part: {
      ...part,
      latency: {
        steady: encodeHistogram(part.latency.steady),
        all: encodeHistogram(part.latency.all),
        breaches: part.latency.breaches,
      },
      reconnect: { ...part.reconnect, delays: [...part.reconnect.delays] },
      series: {
        origin: s.origin,
        seconds: s.seconds,
        ...(Object.fromEntries(ARRAYS.map((k) => [k, Array.from(s[k])])) as Record<Arrays, number[]>),
        failuresByReason: sparse(s.failuresByReason, (x) => x),
        closesByCode: sparse(s.closesByCode, (x) => x),
        latency: sparse(latencyOf(s), encodeHistogram),
      },
    },
    frame: { ...frame, history: { ...frame.history, byClient: [] } },
    auth,
  };
}

export function decodeJudged(json: JudgedJson, from = 'judged.json'): Judged {
  if (json.version !== JUDGED_VERSION)
    throw new Error(`${from}: judged-part format ${json.version}, this chatstorm reads ${JUDGED_VERSION}`);
  const p = json.part;
  const s = p.series;
  const series: SeriesPart = {
    origin: s.origin,
    seconds: s.seconds,
    ...(Object.fromEntries(ARRAYS.map((k) => [k, Int32Array.from(s[k])])) as Record<Arrays, Int32Array>),
    failuresByReason: s.failuresByReason.map((x) => x ?? undefined),
    closesByCode: s.closesByCode.map((x) => x ?? undefined),
    latency: s.latency.map((h) => (h ? decodeHistogram(h) : null)),
  };
  return {
    part: {
      ...p,
      latency: {
        steady: decodeHistogram(p.latency.steady, false),
        all: decodeHistogram(p.latency.all, false),
        breaches: p.latency.breaches,
      },
      reconnect: { ...p.reconnect, delays: new Map(p.reconnect.delays) },
      series,
    },
    frame: json.frame,
    auth: json.auth,
  };
}
