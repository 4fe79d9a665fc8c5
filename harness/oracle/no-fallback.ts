/**
 * no-fallback: zero fallback markers of any kind — frames carrying is_fallback, system frames
 * announcing a local/offline/fallback mode (any system event but `gap`), messages a client created
 * locally, transports other than WebSocket. Every instance is evidence (up to 100 listed).
 */
import type { Context } from './context.ts';
import { addExample, breachAt, examplesOf, newPart, type CheckPart, type ExampleLimit } from './partial.ts';
import type { CheckResult } from './types.ts';

/** Every instance is evidence, up to this many. */
export const NO_FALLBACK_EXAMPLES: ExampleLimit = { total: 100 };

export function collectNoFallback(ctx: Context): CheckPart {
  const part = newPart<Record<string, number>>(
    { total: 0, is_fallback: 0, system: 0, 'local-message': 0, transport: 0 },
    1,
  );
  const counts = part.counts;
  for (const view of ctx.clients) {
    for (const ev of view.events) {
      if (ev.k !== 'fallback') continue;
      counts.total++;
      counts[ev.what] = (counts[ev.what] ?? 0) + 1;
      breachAt(part, ev.t);
      // A local message names its message (client_msg_id or the store's id), as delivery's phantom does.
      addExample(
        part,
        0,
        ctx.example(ev.what, view.entry.c, ev.detail, { ...(ev.id ? { message: ev.id } : {}), at: ctx.rel(ev.t) }),
        NO_FALLBACK_EXAMPLES,
      );
    }
  }
  return part;
}

export function finishNoFallback(part: CheckPart, rel: (t: number) => number): CheckResult {
  const { counts, firstBreach: first } = part;
  const examples = examplesOf(part);
  return {
    name: 'no-fallback',
    verdict: counts.total === 0 ? 'pass' : 'fail',
    summary:
      counts.total === 0
        ? 'No fallback marker of any kind was seen.'
        : `${counts.total} fallback markers: ${Object.entries(counts)
            .filter(([k, v]) => k !== 'total' && v > 0)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')}.`,
    counts,
    examples,
    firstBreachAt: first === null ? null : rel(first),
  };
}
