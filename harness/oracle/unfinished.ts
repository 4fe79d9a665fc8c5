/**
 * Rule: a run that did not run its course proves nothing in its favour. When the run broke (a
 * runtime error: the gateway or Toxiproxy died, no client connected) or was interrupted (a signal,
 * its launcher gone), every check that would pass is `inconclusive` instead, with the reason: the
 * history it saw ends early, so "nothing went wrong" may only mean "nothing was asked of it" (a
 * dead gateway leaves no client open to owe a delivery). A check that failed keeps its failure:
 * that evidence is real. The run's verdict is `error` when the run broke, else `fail` when a
 * check failed, else `inconclusive` — never `pass`.
 */
import type { Evaluation } from './types.ts';

export interface Unfinished {
  /** How the run was stopped early, e.g. "SIGINT"; null when it was not. */
  interruptedBy: string | null;
}

export function judgeUnfinished(e: Evaluation, u: Unfinished): Evaluation {
  const broke = e.runtimeErrors.length > 0;
  if (!broke && u.interruptedBy === null) return e;
  const reason = broke
    ? `the run broke (${[...new Set(e.runtimeErrors.map((r) => r.code))].join(', ')})`
    : `the run was interrupted (${u.interruptedBy})`;
  const checks = e.checks.map((c) =>
    c.verdict === 'pass'
      ? {
          ...c,
          verdict: 'inconclusive' as const,
          summary: `Not judged: ${reason}, so the history ends early. What it holds: ${c.summary}`,
        }
      : c,
  );
  const verdict =
    broke || checks.some((c) => c.verdict === 'error')
      ? 'error'
      : checks.some((c) => c.verdict === 'fail')
        ? 'fail'
        : 'inconclusive';
  return { ...e, checks, verdict };
}
