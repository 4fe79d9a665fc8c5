/**
 * Fault windows and steady-state windows. A fault's disturbed window runs from its apply until
 * every client it knocked off is back (or the fault's end, if none was), plus the settle time.
 * Steady state is the traffic phase outside every disturbed window.
 *
 * Windows depend on every client (the last one back ends a window), so a judge that works part
 * by part computes them first, from each client's connections alone (judge.ts, first pass).
 */
import type { ClientEvent, FaultRecord, Phases } from '../record/history.ts';
import { lateCloses, reachWindow, type Reach } from './cut-reach.ts';
import type { Connections } from './types.ts';

export type { Connections };

export interface Impact {
  c: number;
  drop: number;
  back: number | null;
}
export interface FaultWindow {
  id: string;
  start: number;
  end: number;
  recoveredAt: number | null;
  impacts: Impact[];
  /**
   * A cut (cut-reach.ts): the span its connections had to close in, how many were open through its
   * proxies when it was applied, and those that did not close in it (generator-health decides which
   * escaped). Absent when the fault is not judged so (and in frames older than it).
   */
  reach?: Reach;
}

export function connectionsOf(c: number, events: Iterable<ClientEvent>): Connections {
  const out: Connections = { c, opens: [], closes: [] };
  for (const ev of events) {
    if (ev.k === 'open') out.opens.push(ev.t);
    else if (ev.k === 'close') out.closes.push({ t: ev.t, by: ev.by, code: ev.code });
  }
  return out;
}

/**
 * The clients a fault knocked off: those whose socket closed while it was in force (or within a
 * second of its end, the time a close takes to be noticed), with when they were back.
 */
export function faultImpact(clients: Iterable<Connections>, start: number, end: number): Impact[] {
  const out: Impact[] = [];
  for (const cl of clients) {
    const close = cl.closes.find(
      (ev) => ev.t >= start && ev.t <= end + 1_000 && !(ev.by === 'client' && ev.code === 1000),
    );
    if (!close) continue;
    out.push({ c: cl.c, drop: close.t, back: cl.opens.find((t) => t > close.t) ?? null });
  }
  return out;
}

/**
 * `clients` in roster order. `reaches(f)`: the clients the fault acts on (cut-reach.ts), or null
 * when that is not known (then it is not judged for reach).
 */
export function faultWindows(
  faults: FaultRecord[],
  phases: Phases,
  clients: Connections[],
  reaches: (f: FaultRecord) => ((c: number) => boolean) | null = () => null,
): FaultWindow[] {
  return faults.map((f) => {
    const start = f.applyStart;
    const end = f.removeEnd ?? phases.end;
    const impacts = faultImpact(clients, start, end);
    let recoveredAt: number | null = end;
    for (const i of impacts)
      recoveredAt = i.back === null || recoveredAt === null ? null : Math.max(recoveredAt, i.back);
    const on = reaches(f);
    const span = on ? reachWindow(f, phases) : null;
    const reach =
      on && span
        ? {
            from: span[0],
            until: span[1],
            ...lateCloses(
              clients.filter((cl) => on(cl.c)),
              span,
            ),
          }
        : undefined;
    return { id: f.id, start, end, recoveredAt, impacts, ...(reach ? { reach } : {}) };
  });
}

/** Steady-state windows: [start, end] epoch ms pairs within the traffic phase. */
export function steadyWindows(phases: Phases, settleMs: number, windows: FaultWindow[]): [number, number][] {
  const { trafficStart, trafficEnd } = phases;
  const disturbed = windows
    .map((w): [number, number] => [w.start, (w.recoveredAt ?? trafficEnd) + settleMs])
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
