/**
 * The reconnect storm: how hard the clients hit the gateway after each restore. A fault that drops
 * every socket makes every client reconnect on the same schedule; without jitter they all return
 * in the same instant (the thundering herd a gateway restart causes). Measured after every fault's
 * removal, from the per-second connect attempts of the run's series.
 *
 * Mergeable by construction: it reads only per-second attempt and failure counts (SeriesPoint),
 * which sum exactly across fleet processes, parts and shards. Peak and p99 are computed after that
 * sum, never per part (a p99 of parts is not the p99 of the whole).
 *
 * The storm window of a fault runs from the second its removal finished until the policy's longest
 * wait (backoff.max, plus jitter's spread, which never exceeds it) plus one connect timeout has
 * passed — by then every client waiting in backoff has made its first attempt after the restore —
 * or until the next fault starts, whichever is first. Gateway-side accept errors are not in the
 * recorded history of any gateway chatstorm knows today: `gatewayAcceptErrors` stays null until a
 * stack provider records them; the clients' failed attempts in the window are shown instead.
 */

export interface ReconnectStorm {
  /** The fault whose removal started the storm. */
  fault: string;
  /** Seconds since run start: the window the storm was measured over [from, to). */
  from: number;
  to: number;
  /** Connect attempts in the busiest second of the window, and that second (since run start). */
  peak: number;
  peakAt: number | null;
  /** p99 (nearest rank) of the per-second attempt counts in the window. */
  p99: number;
  /** Every connect attempt in the window. */
  attempts: number;
  /** Attempts in the window that failed, by reason as in Metrics.failureReasons. */
  failures: number;
  failuresByReason: Record<string, number>;
  /** Accept errors the gateway itself reported in the window; null: not visible for this stack. */
  gatewayAcceptErrors: number | null;
}

/** What the storm reads of each second of the run's series (SeriesPoint has these fields). */
export interface SecondCounts {
  s: number;
  attempts: number;
  failures: number;
  failuresByReason?: Record<string, number>;
}

/** What the storm needs of a fault: its id and when its removal finished (epoch ms). */
export interface RestoredFault {
  id: string;
  applyStart: number;
  removeEnd: number | null;
}

export interface StormPolicy {
  backoff: { maxMs: number };
  connectTimeoutMs: number;
}

/** Nearest-rank percentile of a list of counts. */
function nearestRank(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * One storm per fault that was removed. series: the run's merged per-second series (second 0 =
 * origin); origin: epoch ms of second 0.
 */
export function reconnectStorms(
  series: SecondCounts[],
  faults: RestoredFault[],
  policy: StormPolicy,
  origin: number,
): ReconnectStorm[] {
  const horizonS = Math.ceil((policy.backoff.maxMs + policy.connectTimeoutMs) / 1_000) + 1;
  const bySecond = new Map(series.map((p) => [p.s, p]));
  const out: ReconnectStorm[] = [];
  for (const f of faults) {
    if (f.removeEnd === null) continue;
    const from = Math.max(0, Math.floor((f.removeEnd - origin) / 1_000));
    const nextStart = faults
      .filter((o) => o !== f && o.applyStart > f.removeEnd!)
      .map((o) => Math.floor((o.applyStart - origin) / 1_000));
    const to = Math.max(from + 1, Math.min(from + horizonS, ...nextStart));
    const counts: number[] = [];
    let peak = 0;
    let peakAt: number | null = null;
    let failures = 0;
    const failuresByReason: Record<string, number> = {};
    for (let s = from; s < to; s++) {
      const p = bySecond.get(s);
      if (!p) continue;
      counts.push(p.attempts);
      if (p.attempts > peak) {
        peak = p.attempts;
        peakAt = s;
      }
      failures += p.failures;
      for (const [k, v] of Object.entries(p.failuresByReason ?? {}))
        failuresByReason[k] = (failuresByReason[k] ?? 0) + v;
    }
    out.push({
      fault: f.id,
      from,
      to,
      peak,
      peakAt,
      p99: nearestRank(counts, 99),
      attempts: counts.reduce((a, b) => a + b, 0),
      failures,
      failuresByReason,
      gatewayAcceptErrors: null,
    });
  }
  return out;
}
