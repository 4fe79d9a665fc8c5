/**
 * Shards' judged runs (each shard's `Judged`, read from its judged.json) as parts of one run, merged
 * with the streaming judge's own merge (oracle/merge.ts `mergeEvaluations`) and finished like one
 * run (`finishEvaluation`). Pure.
 *
 * Why it is exact: a shard owns whole chats (chat k → shard k mod n), which is what a part must
 * hold, so every delivery, every latency sample and every reconnect is judged on one host's clock;
 * counts add, HDR histograms add (percentiles and thresholds are read from the sum), and the
 * recovery and detect thresholds are judged on every shard's fault windows together.
 *
 * What differs from the judge's parts, and how it is handled here before merging:
 *   frames      each shard has its own Toxiproxy, so its own fault windows: the merged frame holds
 *               every shard's windows (ids "<fault> (shard i)"), and each part's per-window counts
 *               are placed in its own shard's slots (zero elsewhere): fault records per shard.
 *   clocks      each shard's series starts at its own start: series are moved onto the earliest
 *               start, to the nearest whole second (wall-clock seconds), then summed.
 *   clients     each shard numbers its clients from 0: the merged roster puts the shards one
 *               after the other (examples name a client by its run-wide index, RosterEntry.g).
 *   examples    kept with their shard (Example.shard), their times moved onto the merged start;
 *               merged in shard order, phase by phase, then the check's limit. What the merged
 *               run judges itself (latency's slow deliveries, generator-health) names the shard
 *               too: the merged roster, generator and stack samples carry it.
 */
import type { CheckResult, Example } from '../oracle/types.ts';
import type { Frame, Judged, PartEvaluation } from '../oracle/evaluate.ts';
import { mergeEvaluations } from '../oracle/merge.ts';
import type { CheckPart } from '../oracle/partial.ts';
import { alignSeries } from '../metrics/series.ts';

export interface ShardJudged {
  index: number;
  judged: Judged;
}

const RANK = { pass: 0, inconclusive: 1, fail: 2, error: 3 } as const;

export function mergeShards(shards: ShardJudged[]): Judged {
  if (!shards.length) throw new Error('mergeShards: no shard to merge');
  const startOf = (s: ShardJudged) => s.judged.frame.history.phases.start;
  const origin = Math.min(...shards.map(startOf));
  /** Whole seconds from the merged start to a shard's start (its series moves by this much). */
  const offsetS = (s: ShardJudged) => Math.round((startOf(s) - origin) / 1_000);
  const seconds = Math.max(...shards.map((s) => offsetS(s) + s.judged.frame.seconds));
  const totalWindows = shards.reduce((n, s) => n + s.judged.frame.windows.length, 0);
  const windowBase: number[] = [];
  const clientBase: number[] = [];
  let w = 0;
  let c = 0;
  for (const s of shards) {
    windowBase.push(w);
    clientBase.push(c);
    w += s.judged.frame.windows.length;
    c += s.judged.frame.history.roster.length;
  }
  const renamed = (id: string, index: number) => `${id} (shard ${index})`;

  const parts: PartEvaluation[] = shards.map((s, i) => {
    const { part } = s.judged;
    const shiftS = (startOf(s) - origin) / 1_000;
    const tag = <P extends CheckPart<Record<string, number>>>(p: P): P => ({
      ...p,
      examples: p.examples.map((list) => list.map((e) => tagExample(e, s.index, shiftS))),
    });
    const faultDelivery: PartEvaluation['faultDelivery'] = [];
    for (let k = 0; k < totalWindows; k++) {
      const own = k - windowBase[i];
      const f = own >= 0 && own < part.faultDelivery.length ? part.faultDelivery[own] : null;
      const lateKnown = (f ?? shards.flatMap((x) => x.judged.part.faultDelivery)[0])?.late !== null;
      faultDelivery.push(
        f ? { ...f } : { messages: 0, required: 0, lost: 0, duplicated: 0, late: lateKnown ? 0 : null },
      );
    }
    return {
      ...part,
      delivery: tag(part.delivery),
      reconnect: { ...part.reconnect, check: tag(part.reconnect.check) },
      noFallback: tag(part.noFallback),
      errorsSurfaced: tag(part.errorsSurfaced),
      latency: { ...part.latency, breaches: part.latency.breaches.map((b) => ({ ...b, c: b.c + clientBase[i] })) },
      faultDelivery,
      series: alignSeries(part.series, origin, seconds, offsetS(s)),
    };
  });

  const frames = shards.map((s) => s.judged.frame);
  const latest = (k: keyof Frame['history']['phases']) => Math.max(...frames.map((f) => f.history.phases[k]));
  const frame: Frame = {
    history: {
      roster: shards.flatMap((s, i) =>
        s.judged.frame.history.roster.map((r) => ({ ...r, c: r.c + clientBase[i], g: r.g ?? r.c, shard: s.index })),
      ),
      byClient: [],
      faults: shards.flatMap((s) =>
        s.judged.frame.history.faults.map((f) => ({ ...f, id: renamed(f.id, s.index), shard: s.index })),
      ),
      // Every per-shard record keeps its shard: a generator-health example names the shard's worker or Toxiproxy.
      samples: shards.flatMap((s) => s.judged.frame.history.samples.map((x) => ({ ...x, shard: s.index }))),
      stackSamples: shards.flatMap((s) =>
        (s.judged.frame.history.stackSamples ?? []).map((x) => ({
          ...x,
          name: `${x.name} (shard ${s.index})`,
          shard: s.index,
        })),
      ),
      // Each shard's coordinator sampled its host: not measured when no shard could.
      ...(frames.some((f) => f.history.hostSamples)
        ? {
            hostSamples: shards.flatMap((s) =>
              (s.judged.frame.history.hostSamples ?? []).map((x) => ({ ...x, shard: s.index })),
            ),
          }
        : {}),
      phases: {
        start: origin,
        connected: latest('connected'),
        trafficStart: latest('trafficStart'),
        trafficEnd: latest('trafficEnd'),
        drained: latest('drained'),
        end: latest('end'),
      },
      drainComplete: frames.every((f) => f.history.drainComplete),
    },
    windows: shards.flatMap((s, i) =>
      s.judged.frame.windows.map((x) => ({
        ...x,
        id: renamed(x.id, s.index),
        impacts: x.impacts.map((m) => ({ ...m, c: m.c + clientBase[i] })),
        ...(x.reach
          ? { reach: { ...x.reach, late: x.reach.late.map((m) => ({ ...m, c: m.c + clientBase[i] })) } }
          : {}),
      })),
    ),
    // Latency was measured inside each shard's own steady windows; the first shard's are shown.
    steady: frames[0].steady,
    seconds,
  };

  const auths = shards
    .filter((s) => s.judged.auth)
    .map((s) => ({ index: s.index, check: s.judged.auth!, shiftS: (startOf(s) - origin) / 1_000 }));
  return { part: mergeEvaluations(parts), frame, auth: auths.length ? mergeAuth(auths) : null };
}

function tagExample(e: Example, shard: number, shiftS: number): Example {
  return { ...e, shard, ...(e.at !== undefined ? { at: Math.round((e.at + shiftS) * 100) / 100 } : {}) };
}

/**
 * The auth check is judged on each shard's probes alone (a probe joins a chat, so it goes with its
 * chat's shard) and is not a part: its counts add, its verdict is the worst shard's.
 */
function mergeAuth(auths: { index: number; check: CheckResult; shiftS: number }[]): CheckResult {
  if (auths.length === 1) {
    const [a] = auths;
    return { ...a.check, examples: a.check.examples.map((e) => tagExample(e, a.index, a.shiftS)) };
  }
  const counts: Record<string, number> = {};
  for (const a of auths) for (const [k, v] of Object.entries(a.check.counts)) counts[k] = (counts[k] ?? 0) + v;
  const verdict = auths
    .map((a) => a.check.verdict)
    .reduce((x, y) => (RANK[y] > RANK[x] ? y : x), 'pass' as CheckResult['verdict']);
  const breaches = auths.filter((a) => a.check.firstBreachAt != null).map((a) => a.check.firstBreachAt! + a.shiftS);
  return {
    name: auths[0].check.name,
    verdict,
    summary: auths.map((a) => `shard ${a.index}: ${a.check.summary}`).join(' | '),
    counts,
    examples: auths.flatMap((a) => a.check.examples.map((e) => tagExample(e, a.index, a.shiftS))),
    firstBreachAt: breaches.length ? Math.round(Math.min(...breaches) * 100) / 100 : null,
  };
}
