/**
 * cut-reach: a cut reaches every connection through its proxies. Disabling a Toxiproxy proxy
 * closes every link through it and refuses new ones (docs/faults.md), so when a `cut` — or a
 * `flapping`, whose apply disables its proxies at once too (faults/flapping.ts) — is applied
 * without error, every connection open then through one of its proxies closes. Whose connection
 * that is: every client's when the cut acts on every proxy (fraction 1), else the clients whose
 * proxy (history/routes.json) is one the cut's record names; a run folder without routes.json is
 * judged for fraction-1 cuts only. A connection open at the apply's start that recorded no close
 * until the cut's removal plus ESCAPE_GRACE_MS ESCAPED it: the fault the report describes is not
 * the fault that client met, so its reconnect and its messages around the cut measured nothing.
 * That is the instrument's failure (the Toxiproxy pool), never the gateway's: generator-health
 * names it and the run is inconclusive.
 *
 * A fleet process that stalls notices a close late (seen: closes recorded 9.2 s after a restore
 * by a process stalled for seconds; at 20,000 sockets, with timers 3 s late, the drops were
 * noticed 4.7 s into the cut). So a client whose fleet process stalled over ESCAPE_GRACE_MS in the
 * window is given that stall too (the longest event-loop delay or timer lateness its samples show
 * there, plus the second a sample covers): a close recorded within it was noticed late, not
 * escaped; none at all, or one later still, escaped. A cut whose window the run did not outlast is
 * not judged. Connections that opened after the apply's start are not judged either: their open
 * may have raced the disable.
 *
 * What an escaped client met around the cut is not what the report describes: an owed message it
 * never received, or a send on its socket that never got an ack, from the cut's apply on, may be
 * lost in a link the cut left half-open (seen at load ≈ 15: one `lost` on a connection Toxiproxy
 * never closed). The delivery check leaves those unjudged and counts them (`escapedUnjudged`);
 * generator-health names the escape, so the run is inconclusive, never passed, and the gateway is
 * not failed for the instrument's fault.
 *
 * Computed from every client's connections in the judge's first pass (windows.ts), like the
 * fault windows themselves; the stall allowance is read from the fleet samples (`escapesOf`, used
 * by generator-health and by the delivery check alike).
 */
import type { FaultRecord, GeneratorSample, Phases, RosterEntry } from '../record/history.ts';
import { fleetLag } from './fleet-lag.ts';
import type { Connections } from './types.ts';

/** The faults whose apply disables their proxies at once (faults/cut.ts, faults/flapping.ts). */
export const DISABLING = new Set(['cut', 'flapping']);

/** How long after a cut's removal a close may still be noticed: the longest stall generator-health excuses (ELD_MAX_LIMIT_MS). */
export const ESCAPE_GRACE_MS = 2_000;

/** The window a connection has to close in: the apply's start to the removal's end plus the grace; null when not judged. */
export function reachWindow(f: FaultRecord, phases: Phases): [number, number] | null {
  if (!DISABLING.has(f.type) || f.error || f.removeEnd === null) return null;
  const until = f.removeEnd + ESCAPE_GRACE_MS;
  return until <= phases.end ? [f.applyStart, until] : null;
}

/** A cut's reach in the judge's frame (FaultWindow.reach): the span, how many were judged, the candidates that closed late or never. */
export interface Reach {
  from: number;
  until: number;
  judged: number;
  late: LateClose[];
}

/** A connection open when the cut was applied that recorded no close by `until`: its first close after the apply, if any. */
export interface LateClose {
  c: number;
  close: number | null;
}

/**
 * The connections open at `from` (`judged`: how many) and those of them that recorded no close in
 * [from, until] (`late`: the candidates; `escaped` decides).
 */
export function lateCloses(
  clients: Iterable<Connections>,
  [from, until]: [number, number],
): { judged: number; late: LateClose[] } {
  const out: LateClose[] = [];
  let judged = 0;
  for (const cl of clients) {
    // The connection open at `from`: the last open at or before it, with no close between.
    let open: number | null = null;
    for (const t of cl.opens) if (t <= from) open = t;
    if (open === null) continue;
    const o = open;
    if (cl.closes.some((x) => x.t >= o && x.t < from)) continue;
    judged++;
    const close = cl.closes.find((x) => x.t >= from)?.t ?? null;
    if (close === null || close > until) out.push({ c: cl.c, close });
  }
  return { judged, late: out };
}

/**
 * The clients that escaped: no close at all, or none by `until` plus the stall of their fleet
 * process (`stallOf(c)`: its longest delay in the window, ms; 0 when it kept up) and a second.
 */
export function escaped(late: readonly LateClose[], until: number, stallOf: (c: number) => number): number[] {
  return late
    .filter(({ c, close }) => {
      const stall = stallOf(c);
      return close === null || close > until + (stall > ESCAPE_GRACE_MS ? stall + 1_000 : 0);
    })
    .map((x) => x.c);
}

/** A cut judged for reach and the clients that escaped it (at least one). */
export interface Escape {
  id: string;
  reach: Reach;
  clients: number[];
}

/**
 * Every cut some connection escaped, with those clients: each late candidate given the longest
 * stall of its fleet process (`shard/worker`, from `samples`) in the cut's span.
 */
export function escapesOf(
  windows: readonly { id: string; reach?: Reach }[],
  samples: readonly GeneratorSample[],
  roster: readonly RosterEntry[],
): Escape[] {
  const out: Escape[] = [];
  for (const w of windows) {
    if (!w.reach?.late.length) continue;
    const { from, until } = w.reach;
    const clients = escaped(w.reach.late, until, (c) => fleetLag(samples, roster[c], from, until));
    if (clients.length) out.push({ id: w.id, reach: w.reach, clients });
  }
  return out;
}

/** Each client that escaped a cut → the start of the earliest such cut's apply (from then on its deliveries are unjudged). */
export function escapedSince(escapes: readonly Escape[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of escapes) for (const c of e.clients) out.set(c, Math.min(out.get(c) ?? Infinity, e.reach.from));
  return out;
}
