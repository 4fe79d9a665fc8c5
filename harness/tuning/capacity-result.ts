/** The result of a capacity search: capacity.json, and what capacity.html is rendered from. */
import type { RunFigures } from './figures.ts';
import type { StepOutcome, StopReason } from './knee-search.ts';

export type Vary = 'clients' | 'rate';

export interface CapacityStep {
  n: number;
  phase: 'grow' | 'bisect';
  load: number;
  outcome: StepOutcome;
  runDir: string;
  figures: RunFigures | null;
}

export interface CapacityResult {
  scenario: { name: string; file: string; profile: string | null };
  vary: Vary;
  unit: string;
  seed: number;
  search: { from: number; to: number; factor: number; resolution: string };
  steps: CapacityStep[];
  /** The highest load that passed, with the check that broke above it; null when none passed. */
  knee:
    | (({ clients: number } | { rate: number }) & {
        load: number;
        brokeAbove: { load: number; check: string | null; why: string | null; breaches: string[] } | null;
      })
    | null;
  /** The knee less the headroom; null without a knee. */
  recommended: (({ clients: number } | { rate: number }) & { load: number; headroom: number; note: string }) | null;
  stop: { reason: StopReason; at: number | null; message: string };
  exitCode: number;
}
