/**
 * no-fallback: zero fallback markers of any kind — frames carrying is_fallback, system frames
 * announcing a local/offline/fallback mode (any system event but `gap`), messages a client created
 * locally, transports other than WebSocket. Every instance is evidence (up to 100 listed).
 */
import type { Context } from './context.ts';
import type { CheckResult, Example } from './types.ts';

export function checkNoFallback(ctx: Context): CheckResult {
  const counts: Record<string, number> = { total: 0, is_fallback: 0, system: 0, 'local-message': 0, transport: 0 };
  const examples: Example[] = [];
  let first: number | null = null;
  for (const view of ctx.clients) {
    for (const ev of view.events) {
      if (ev.k !== 'fallback') continue;
      counts.total++;
      counts[ev.what] = (counts[ev.what] ?? 0) + 1;
      first = first === null ? ev.t : Math.min(first, ev.t);
      // A local message names its message (client_msg_id or the store's id), as delivery's phantom does.
      if (examples.length < 100) examples.push(ctx.example(ev.what, view.entry.c, ev.detail, { ...(ev.id ? { message: ev.id } : {}), at: ctx.rel(ev.t) }));
    }
  }
  return {
    name: 'no-fallback',
    verdict: counts.total === 0 ? 'pass' : 'fail',
    summary: counts.total === 0 ? 'No fallback marker of any kind was seen.' : `${counts.total} fallback markers: ${Object.entries(counts).filter(([k, v]) => k !== 'total' && v > 0).map(([k, v]) => `${v} ${k}`).join(', ')}.`,
    counts,
    examples,
    firstBreachAt: first === null ? null : ctx.rel(first),
  };
}
