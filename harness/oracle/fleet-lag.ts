/**
 * How late a fleet process may have recorded what it saw in a span: the longest event-loop delay
 * or timer lateness its samples show over it (0 when it kept up). A sample reports a stall once it
 * is over, for the second before it: a stall of length L reported at t began as early as
 * t − 1 s − L. A check that times two events of one client by the fleet's clock gives the client
 * this much before it blames the gateway (cut-reach.ts, reconnect.ts); generator-health judges the
 * lag itself.
 */
import type { GeneratorSample, RosterEntry } from '../record/history.ts';

export function fleetLag(
  samples: readonly GeneratorSample[],
  client: Pick<RosterEntry, 'worker' | 'shard'> | undefined,
  from: number,
  until: number,
): number {
  if (!client) return 0;
  let lag = 0;
  for (const s of samples) {
    if (s.worker !== client.worker || s.shard !== client.shard) continue;
    const longest = Math.max(s.eldMax, s.timerLateMax ?? 0);
    if (s.t > from && s.t - 1_000 - longest < until) lag = Math.max(lag, longest);
  }
  return lag;
}
