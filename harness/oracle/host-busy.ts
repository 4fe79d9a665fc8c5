/**
 * Whether every core of the host was busy all through a span, from the host samples
 * (history/host-samples.ndjson; harness/metrics/host.ts). A second is BUSY when the host's cores
 * were at least HOST_BUSY_SHARE busy over it and a runnable task waited for a CPU at least
 * HOST_BUSY_WAITING of it (PSI cpu "some"): the gateway, Toxiproxy and the fleet queued for the
 * same cores. (Not the runnable count: it is one instant's, and read 2 in a second whose cores
 * were 97 % busy with tasks waiting 56 % of it.) A span is busy when at least one sample covers
 * it and every sample covering it (a sample at t covers the second before it) is busy; without
 * host samples (no PSI, an older run folder) nothing is.
 *
 * Looser per second than generator-health's "oversubscribed" (PSI ≥ 80 %, 2.5 runnable a core,
 * over a quarter of the run), and meant for one span only: the reconnect check asks it of each
 * first open after a restore that took longer than the allowance (a cut's reconnect storm fills
 * every core for a few seconds; seen in test/e2e/shards.test.ts on a slow day: 3,000 clients back
 * at once, 5 s of both cores busy with PSI 55–75 %, opens of 2.4 s against a 2 s allowance).
 */
import type { HostSample } from '../record/history.ts';

export const HOST_BUSY_SHARE = 0.95;
export const HOST_BUSY_WAITING = 0.5;

export function hostBusy(samples: readonly HostSample[] | undefined, from: number, until: number): boolean {
  if (!samples) return false;
  let covered = 0;
  for (const h of samples) {
    if (!(h.t > from && h.t - 1_000 < until)) continue;
    covered++;
    const busy =
      h.busyCores !== undefined && h.busyCores >= HOST_BUSY_SHARE * h.cores && h.cpuSome >= HOST_BUSY_WAITING;
    if (!busy) return false;
  }
  return covered > 0;
}
