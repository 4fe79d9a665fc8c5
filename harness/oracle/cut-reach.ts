/**
 * cut-reach: a cut on every proxy reaches every connection. Disabling a Toxiproxy proxy closes
 * every link through it and refuses new ones (docs/faults.md), so when a `cut` acts on all of the
 * run's proxies (fraction 1, applied without error), every client connection open when the cut
 * was applied closes. A connection open at the apply's start that recorded no close until the
 * cut's removal plus ESCAPE_GRACE_MS ESCAPED it: the fault the report describes is not the fault
 * that client met, so its reconnect and its messages around the cut measured nothing. That is the
 * instrument's failure (the Toxiproxy pool), never the gateway's: generator-health names it and
 * the run is inconclusive.
 *
 * A fleet process that stalls notices a close late (seen: closes recorded 9.2 s after a restore
 * by a process stalled for seconds). So a client is judged only when its fleet process had no
 * stall over ESCAPE_GRACE_MS inside the window (its own finding in generator-health), and a cut
 * whose window the run did not outlast is not judged. Connections that opened after the apply's
 * start are not judged either: their open may have raced the disable.
 *
 * Computed from every client's connections in the judge's first pass (windows.ts), like the
 * fault windows themselves; the stall filter reads the fleet samples (generator-health.ts).
 */
import type { FaultRecord, Phases } from '../record/history.ts';
import type { Connections } from './windows.ts';

/** How long after a cut's removal a close may still be noticed: the longest stall generator-health excuses (ELD_MAX_LIMIT_MS). */
export const ESCAPE_GRACE_MS = 2_000;

/** The window a connection has to close in: the apply's start to the removal's end plus the grace; null when not judged. */
export function reachWindow(f: FaultRecord, phases: Phases, reachesAll: boolean): [number, number] | null {
  if (f.type !== 'cut' || !reachesAll || f.error || f.removeEnd === null) return null;
  const until = f.removeEnd + ESCAPE_GRACE_MS;
  return until <= phases.end ? [f.applyStart, until] : null;
}

/** The clients (roster indices) whose connection was open at `from` and recorded no close until `until`. */
export function escapedClients(clients: Iterable<Connections>, [from, until]: [number, number]): number[] {
  const out: number[] = [];
  for (const cl of clients) {
    // The connection open at `from`: the last open at or before it, with no close between.
    let open: number | null = null;
    for (const t of cl.opens) if (t <= from) open = t;
    if (open === null) continue;
    const o = open;
    if (cl.closes.some((x) => x.t >= o && x.t < from)) continue;
    if (!cl.closes.some((x) => x.t >= from && x.t <= until)) out.push(cl.c);
  }
  return out;
}
