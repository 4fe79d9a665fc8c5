/**
 * Fault windows and steady-state windows. A fault's disturbed window runs from its apply until
 * every client it knocked off is back (or the fault's end, if none was), plus the settle time.
 * Steady state is the traffic phase outside every disturbed window.
 */
import type { Context } from './context.ts';

export interface Impact { c: number; drop: number; back: number | null }
export interface FaultWindow { id: string; start: number; end: number; recoveredAt: number | null; impacts: Impact[] }

/**
 * The clients a fault knocked off: those whose socket closed while it was in force (or within a
 * second of its end, the time a close takes to be noticed), with when they were back.
 */
export function faultImpact(ctx: Context, start: number, end: number): Impact[] {
  const out: Impact[] = [];
  for (const view of ctx.clients) {
    const close = view.events.find((ev) => ev.k === 'close' && ev.t >= start && ev.t <= end + 1_000 && !(ev.by === 'client' && ev.code === 1000));
    if (!close) continue;
    out.push({ c: view.entry.c, drop: close.t, back: view.opens.find((t) => t > close.t) ?? null });
  }
  return out;
}

export function faultWindows(ctx: Context): FaultWindow[] {
  return ctx.history.faults.map((f) => {
    const start = f.applyStart;
    const end = f.removeEnd ?? ctx.history.phases.end;
    const impacts = faultImpact(ctx, start, end);
    let recoveredAt: number | null = end;
    for (const i of impacts) recoveredAt = i.back === null || recoveredAt === null ? null : Math.max(recoveredAt, i.back);
    return { id: f.id, start, end, recoveredAt, impacts };
  });
}

/** Steady-state windows: [start, end] epoch ms pairs within the traffic phase. */
export function steadyWindows(ctx: Context, windows: FaultWindow[]): [number, number][] {
  const { trafficStart, trafficEnd } = ctx.history.phases;
  const disturbed = windows
    .map((w): [number, number] => [w.start, (w.recoveredAt ?? trafficEnd) + ctx.plan.settleMs])
    .sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let cursor = trafficStart;
  for (const [a, b] of disturbed) {
    if (a > cursor) out.push([cursor, Math.min(a, trafficEnd)]);
    cursor = Math.max(cursor, b);
  }
  if (cursor < trafficEnd) out.push([cursor, trafficEnd]);
  return out.filter(([a, b]) => b > a);
}

export function inWindows(t: number, windows: [number, number][]): boolean {
  for (const [a, b] of windows) if (t >= a && t < b) return true;
  return false;
}
