/**
 * The capacity search: grow the load by a factor until a step breaks, then bisect between the last
 * step that passed and the first that broke until they are no further apart than the resolution.
 * Pure: the steps are run by the caller (a full run each); this decides which load comes next.
 *
 * A step's outcome: "pass"; "fail" (a check failed, or could not vouch for the load: the
 * gateway's limit); "instrument" (the load generator or the proxies were the limit: the harness
 * ran out first, and no higher load can be judged on this host); "error" (the run itself broke);
 * "interrupted".
 */
export type StepOutcome = 'pass' | 'fail' | 'instrument' | 'error' | 'interrupted';

export interface SearchOptions {
  from: number;
  to: number;
  factor: number;
  /** Stop bisecting when first fail − last pass ≤ this (absolute), or ≤ this share of the last pass. */
  resolution: { absolute: number } | { relative: number };
}

export type StopReason =
  | 'knee-found'
  | 'no-failure-up-to-max'
  | 'failed-at-start'
  | 'instrument-limit'
  | 'run-error'
  | 'interrupted';

export interface SearchResult {
  /** The highest load that passed; null when none did. */
  lastPass: number | null;
  /** The lowest load that broke; null when none did. */
  firstFail: number | null;
  stop: StopReason;
  /** The load at which the instrument ran out (stop "instrument-limit") or the run broke ("run-error"). */
  stoppedAt: number | null;
}

/** The gap the bisection may stop at, for a last pass. */
export function resolutionAt(o: SearchOptions, lastPass: number): number {
  return Math.max(1, 'absolute' in o.resolution ? o.resolution.absolute : Math.ceil(lastPass * o.resolution.relative));
}

export async function searchKnee(
  o: SearchOptions,
  runStep: (load: number, phase: 'grow' | 'bisect') => Promise<StepOutcome>,
): Promise<SearchResult> {
  let lastPass: number | null = null;
  let firstFail: number | null = null;
  const stopped = (outcome: StepOutcome, load: number): SearchResult | null =>
    outcome === 'instrument'
      ? { lastPass, firstFail, stop: 'instrument-limit', stoppedAt: load }
      : outcome === 'error'
        ? { lastPass, firstFail, stop: 'run-error', stoppedAt: load }
        : outcome === 'interrupted'
          ? { lastPass, firstFail, stop: 'interrupted', stoppedAt: load }
          : null;

  for (let load = o.from; ; ) {
    const outcome = await runStep(load, 'grow');
    const stop = stopped(outcome, load);
    if (stop) return stop;
    if (outcome === 'fail') {
      firstFail = load;
      break;
    }
    lastPass = load;
    if (load >= o.to) return { lastPass, firstFail: null, stop: 'no-failure-up-to-max', stoppedAt: null };
    load = Math.min(o.to, Math.max(load + 1, Math.round(load * o.factor)));
  }
  if (lastPass === null) return { lastPass, firstFail, stop: 'failed-at-start', stoppedAt: null };
  while (firstFail - lastPass > resolutionAt(o, lastPass)) {
    const mid = Math.round((lastPass + firstFail) / 2);
    const outcome = await runStep(mid, 'bisect');
    const stop = stopped(outcome, mid);
    if (stop) return stop;
    if (outcome === 'pass') lastPass = mid;
    else firstFail = mid;
  }
  return { lastPass, firstFail, stop: 'knee-found', stoppedAt: null };
}
