/**
 * drain-tail: what a fleet process still behind when the drain gave up had not read is not a loss.
 *
 * After the traffic the drain waits (drainTimeoutMs) until every client is open, has read its chat
 * up to the last acked seq and has no send pending. When it gives up (history.drainComplete false)
 * the clients are stopped, and frames the gateway had already written may still lie unread in a
 * socket's receive buffer — if the client's fleet process was behind then. A process was BEHIND IN
 * THE DRAIN when its samples from the traffic's end to the drain's end show an event-loop delay or
 * a timer lateness over DRAIN_LAG_LIMIT_MS (fleet-lag.ts), or when a drain longer than
 * SILENT_DRAIN_MS brought no sample of it at all (its loop did not turn). A process that kept up
 * read whatever reached its sockets within the drain timeout: what it lacks, the gateway did not send.
 *
 * What lies unread is a suffix of the client's last connection's stream: TCP keeps order, and the
 * gateway writes a chat's messages in seq order (chat-v1 §3), each ack once the message has its seq,
 * before any later message can be broadcast. So, for a client open at the end whose process was
 * behind in an incomplete drain (`tailed`):
 *  - an owed message it never received is unjudged when its seq is above every seq it read; one
 *    below a seq it read was not waiting in the buffer: lost;
 *  - a send on its last connection with neither ack nor error is unjudged when it read no message
 *    of its chat with the message's seq or above (or no member read the message: its seq is unknown).
 * Both are counted (`drainUnjudged`, delivery.ts). generator-health names the process behind in the
 * drain, so the run is inconclusive: never passed, and the gateway not failed for the fleet's lag.
 */
import type { GeneratorSample, History, RosterEntry } from '../record/history.ts';
import { fleetLag } from './fleet-lag.ts';

/** Loop or timer lateness in the drain above which a process may have left frames unread (the limit of a "behind" second, generator-health ELD_P99_LIMIT_MS). */
export const DRAIN_LAG_LIMIT_MS = 200;
/** A drain at least this long with no sample of a process: its loop did not turn (it samples every second). */
export const SILENT_DRAIN_MS = 2_500;

/** A fleet process, as its samples and roster entries name it. */
const processKey = (p: { worker: number; shard?: number }) => `${p.shard ?? ''}/${p.worker}`;

/** A fleet process behind in an incomplete drain: its key, its lag there (ms; null: no sample), its name. */
export interface BehindInDrain {
  key: string;
  worker: number;
  shard?: number;
  lagMs: number | null;
}

/** The fleet processes behind when the drain gave up; none when the drain completed. */
export function behindInDrain(
  history: Pick<History, 'drainComplete' | 'phases' | 'samples' | 'roster'>,
): BehindInDrain[] {
  if (history.drainComplete) return [];
  const { trafficEnd, drained } = history.phases;
  const processes = new Map<string, RosterEntry>();
  for (const r of history.roster) if (!processes.has(processKey(r))) processes.set(processKey(r), r);
  const seen = new Set<string>();
  for (const s of history.samples) if (s.t > trafficEnd && s.t <= drained + 1_000) seen.add(processKey(s));
  const out: BehindInDrain[] = [];
  for (const [key, r] of processes) {
    const who = { key, worker: r.worker, ...(r.shard !== undefined ? { shard: r.shard } : {}) };
    if (!seen.has(key)) {
      if (drained - trafficEnd >= SILENT_DRAIN_MS) out.push({ ...who, lagMs: null });
      continue;
    }
    const lag = fleetLag(history.samples as GeneratorSample[], r, trafficEnd, drained);
    if (lag > DRAIN_LAG_LIMIT_MS) out.push({ ...who, lagMs: lag });
  }
  return out;
}

/** Whether client c's process was behind in an incomplete drain (`behind`: behindInDrain's answer). */
export function tailedBy(behind: readonly BehindInDrain[], roster: readonly RosterEntry[]): (c: number) => boolean {
  if (!behind.length) return () => false;
  const keys = new Set(behind.map((b) => b.key));
  return (c) => roster[c] !== undefined && keys.has(processKey(roster[c]));
}

/** The highest seq a client read (any receipt of its rows in ctx.receipts); 0 when none. */
export function maxSeqRead(seqs: ArrayLike<number>, from: number, to: number): number {
  let max = 0;
  for (let r = from; r < to; r++) if (seqs[r] > max) max = seqs[r];
  return max;
}
