/** chatstorm's exit codes (documented in the README; CI scripts depend on them). */
import type { Verdict } from '../oracle/types.ts';

export const EXIT = {
  pass: 0,
  fail: 1,
  inconclusive: 2,
  error: 3,
  /** Invalid scenario, flag or environment variable: nothing was started. */
  config: 64,
  /** A required tool (Toxiproxy) is missing and could not be installed. */
  unavailable: 69,
  /** Stopped by Ctrl-C or SIGTERM; reports were still written from what was recorded. */
  interrupted: 130,
} as const;

export function exitCodeFor(verdict: Verdict): number {
  return EXIT[verdict];
}
