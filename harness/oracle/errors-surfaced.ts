/**
 * errors-surfaced: every send attempted while the socket was not open produced a visible error
 * (at once: within a second), and every client that stopped for good showed why.
 */
import type { Context } from './context.ts';
import { addExample, breachAt, examplesOf, newPart, type CheckPart } from './partial.ts';
import type { CheckResult } from './types.ts';

const AT_ONCE_MS = 1_000;

const COUNTS = { sendsWhileNotOpen: 0, surfaced: 0, silent: 0, stopped: 0, stoppedSilently: 0 };
export type ErrorsSurfacedCounts = typeof COUNTS;

export function collectErrorsSurfaced(ctx: Context): CheckPart<ErrorsSurfacedCounts> {
  const part = newPart({ ...COUNTS }, 1);
  const counts = part.counts;
  for (const view of ctx.clients) {
    const errors = new Map<string, number[]>();
    for (const ev of view.events) {
      if (ev.k === 'send-error') {
        if (!errors.has(ev.id)) errors.set(ev.id, []);
        errors.get(ev.id)!.push(ev.t);
      }
    }
    for (const ev of view.events) {
      if (ev.k === 'stopped') {
        counts.stopped++;
        if (!ev.message.trim()) {
          counts.stoppedSilently++;
          breachAt(part, ev.t);
          addExample(
            part,
            0,
            ctx.example('stopped-silently', view.entry.c, `stopped (${ev.state}) without a message for the user`, {
              at: ctx.rel(ev.t),
            }),
          );
        }
      }
      if (ev.k !== 'send' || ev.open) continue;
      counts.sendsWhileNotOpen++;
      if ((errors.get(ev.id) ?? []).some((t) => t >= ev.t && t - ev.t <= AT_ONCE_MS)) counts.surfaced++;
      else {
        counts.silent++;
        breachAt(part, ev.t);
        addExample(
          part,
          0,
          ctx.example('silent', view.entry.c, 'send attempted while not connected, no error shown', {
            message: ev.id,
            at: ctx.rel(ev.t),
          }),
        );
      }
    }
  }
  return part;
}

export function finishErrorsSurfaced(part: CheckPart<ErrorsSurfacedCounts>, rel: (t: number) => number): CheckResult {
  const { counts, firstBreach: first } = part;
  const examples = examplesOf(part);
  const bad = counts.silent + counts.stoppedSilently;
  return {
    name: 'errors-surfaced',
    verdict: bad ? 'fail' : 'pass',
    summary: bad
      ? `${counts.silent} of ${counts.sendsWhileNotOpen} sends while not connected showed no error${counts.stoppedSilently ? `; ${counts.stoppedSilently} clients stopped without a message` : ''}.`
      : `${counts.sendsWhileNotOpen} sends while not connected each showed an error at once${counts.stopped ? `; ${counts.stopped} clients that stopped for good said why` : ''}.`,
    counts,
    examples,
    firstBreachAt: first === null ? null : rel(first),
  };
}
