/** chatstorm's exit codes (documented in docs/cli.md; CI scripts depend on them). */
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
  /** The report folder cannot be created or written (a file, no permission): nothing was started. */
  cantCreate: 73,
  /** Stopped by Ctrl-C (SIGINT); reports were still written from what was recorded. */
  interrupted: 130,
  /** Stopped by SIGTERM, or its launcher (npx, npm run) went away; reports still written. */
  terminated: 143,
} as const;

/** How a run was stopped early: a signal, or the process that started it went away. */
export type Interruption = 'SIGINT' | 'SIGTERM' | 'parent-exited';

/** 130 for Ctrl-C (and a run killed outright, whose cause is unknown), 143 for SIGTERM or a lost launcher. */
export function exitCodeForInterruption(by: Interruption | null | undefined): number {
  return by === 'SIGTERM' || by === 'parent-exited' ? EXIT.terminated : EXIT.interrupted;
}

export function exitCodeFor(verdict: Verdict): number {
  return EXIT[verdict];
}
