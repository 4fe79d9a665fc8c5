/**
 * The programmatic API: `import { run, defineScenario } from 'chatstorm'` (package.json "exports").
 * It does what `chatstorm run` does — validate, resolve the plan, check that the run can start,
 * run, judge, write the reports — and hands back the verdict instead of exiting, so a test suite
 * (vitest, node:test, …) can gate a gateway inside its own tests. docs/api.md shows it in use.
 *
 * Errors keep the CLI's two channels: a bad scenario or option, or a runId whose folder exists,
 * throws ConfigError (the CLI's exit 64) before anything starts; a report folder that cannot be
 * created throws ReportDirError (exit 73); a missing Toxiproxy or Docker engine throws (exit 69); everything
 * that goes wrong during the run is in the result (verdict "error", summary.runtimeErrors).
 */
import { rmSync } from 'node:fs';
import { loadScenario } from './config/load.ts';
import {
  resolvePlan,
  startAtProblem,
  validateScenario,
  type RunOptions as PlanOptions,
  type RunPlan,
} from './config/plan.ts';
import type { ScenarioDefinition } from './config/scenario.ts';
import { Progress } from './report/progress.ts';
import { claimRunFolder, removeCreated } from './report/run-folder.ts';
import type { Summary } from './report/summary.ts';
import { readyToStart, run as runPlan } from './run.ts';

import { ConfigError } from './config/errors.ts';
export { ConfigError };
export { ReportDirError } from './report/run-folder.ts';
export { defineScenario } from './config/scenario.ts';
export type { FaultInput, PolicyInput, ScenarioDefinition } from './config/scenario.ts';
export type { CheckResult, Verdict } from './oracle/types.ts';
export type { Summary } from './report/summary.ts';

/** What `chatstorm run` takes as flags, as options; every one is optional. */
export interface RunOptions extends Omit<PlanOptions, 'scenarioFile' | 'reportRoot' | 'gatewayCommand'> {
  /** Where run folders go: `<reportDir>/<run-id>/`. Default "reports" (relative to the current directory). */
  reportDir?: string;
  /** Start this command as the gateway (gets PORT, HOST, JWT_SECRET; must answer GET /healthz). Default: the reference gateway. */
  gatewayCommand?: string;
  /** Aborting it stops the run as Ctrl-C does: torn down, judged and reported from what was recorded. */
  signal?: AbortSignal;
  /** Where the progress lines go; false for none. Default process.stderr. */
  progress?: NodeJS.WriteStream | false;
}

export interface RunOutcome {
  /** pass, fail, inconclusive or error. */
  verdict: Summary['verdict'];
  /** The CLI's exit code for this verdict (0 pass, 1 fail, 2 inconclusive, 3 error, 130 interrupted; 143 when aborted with the reason "SIGTERM"). */
  exitCode: number;
  /** True when the verdict is pass. */
  passed: boolean;
  /** The checks whose verdict is not pass. */
  failedChecks: string[];
  /** Everything summary.json holds (docs/summary-json.md). */
  summary: Summary;
  /** The run folder: index.html, summary.json, junit.xml, summary.md, history/, logs/. */
  reportDir: string;
  files: string[];
}

const silent = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;

/**
 * Runs a scenario — a definition (`defineScenario({...})`) or the path of a scenario file — and
 * resolves with its verdict once the reports are written. Throws ConfigError for bad input.
 */
export async function run(scenario: ScenarioDefinition | string, options: RunOptions = {}): Promise<RunOutcome> {
  const { signal, progress, reportDir, gatewayCommand, ...rest } = options;
  const file = typeof scenario === 'string' ? scenario : `<defineScenario ${scenario?.name ?? '?'}>`;
  const definition = typeof scenario === 'string' ? await loadScenario(scenario) : validateScenario(scenario, file);
  const resolved = resolvePlan(definition, {
    ...rest,
    scenarioFile: file,
    reportRoot: reportDir,
    gatewayCommand: gatewayCommand ? [gatewayCommand] : undefined,
  });
  const late = startAtProblem(resolved);
  if (late) throw new ConfigError('invalid run configuration', [late]);
  const out = progress === false ? silent : (progress ?? process.stderr);
  // As the CLI: the run folder is claimed first (a run never writes into an old one; a taken runId
  // throws ConfigError, an unusable reportDir ReportDirError), then the client adapter must load and
  // the engine or Toxiproxy be there; a preflight failure leaves no empty folder behind.
  const folder = claimRunFolder(reportDir ?? 'reports', resolved.runId, rest.runId !== undefined);
  const plan = { ...resolved, runId: folder.runId, reportDir: folder.dir };
  for (const note of [...(plan.notes ?? []), ...(folder.note ? [folder.note] : [])])
    out.write(`chatstorm: note: ${note}\n`);
  let fitted: RunPlan;
  try {
    fitted = await readyToStart(plan, { log: (l) => out.write(`chatstorm: ${l}\n`) });
  } catch (e) {
    rmSync(folder.dir, { recursive: true, force: true }); // still empty: nothing ran
    removeCreated(folder.created);
    throw e;
  }
  const result = await runPlan(fitted, signal ?? new AbortController().signal, new Progress(out));
  const s = result.summary;
  return {
    verdict: s.verdict,
    exitCode: s.exitCode,
    passed: s.verdict === 'pass',
    failedChecks: s.failedChecks ?? [],
    summary: s,
    reportDir: result.reportDir,
    files: result.files,
  };
}
