/**
 * `chatstorm sweep`: the scenario under every combination of the given settings, each a full run
 * with the same seed, then the compare page (one column per setting) with a ranking table on top.
 * Every combination is validated and planned before the first run starts: an invalid key or value
 * stops the sweep with exit 64, naming the key.
 */
import { ensureFolder } from '../report/run-folder.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePlan, runIdProblem, type RunOptions, type RunPlan } from '../config/plan.ts';
import type { ScenarioDefinition } from '../config/scenario.ts';
import { label as columnLabel, loadRuns, renderCompare } from '../report/compare.ts';
import { EXIT } from '../report/exit-codes.ts';
import type { RunResult } from '../run.ts';
import { runFigures, type RunFigures } from './figures.ts';
import { rankPoints, renderRanking, type RankedPoint } from './ranking.ts';
import { ConfigError } from '../config/errors.ts';
import { combinations, parseCaseFlags, parseSetFlags, withSettings, type Setting } from './settings.ts';
import { PreflightError, preflight } from '../preflight/preflight.ts';

export interface SweepPoint {
  /** "policy.backoff.jitter=full gateway.pingInterval=10s" */
  label: string;
  settings: Record<string, string>;
  plan: RunPlan;
}

export interface SweepSpec {
  scenarioName: string;
  file: string;
  profile: string | null;
  settings: Setting[];
  points: SweepPoint[];
  dir: string;
}

export interface SweepResult {
  scenario: { name: string; file: string; profile: string | null };
  settings: { key: string; values: string[] }[];
  points: { label: string; settings: Record<string, string>; runDir: string; verdict: string; figures: RunFigures }[];
  ranking: RankedPoint[];
  exitCode: number;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._=-]+/g, '_');

/** Parses and validates every --set and plans every combination; nothing runs. */
export function planSweep(
  scenario: ScenarioDefinition,
  base: RunOptions,
  flags: string[],
  caseFlags: string[] = [],
): SweepSpec {
  if (!flags.length && !caseFlags.length)
    throw new ConfigError('invalid sweep', ['--set or --case: give at least one setting to sweep']);
  if (flags.length && caseFlags.length)
    throw new ConfigError('invalid sweep', [
      '--set and --case exclude each other: --set runs every combination, --case a listed set',
    ]);
  const cases = caseFlags.length ? parseCaseFlags(caseFlags) : null;
  const settings: Setting[] = cases ? casesAsSettings(cases) : parseSetFlags(flags);
  // The sweep's folder is named by --run-id (its runs get their own ids): checked here, as run checks its own.
  const runIdWrong = base.runId === undefined ? null : runIdProblem(base.runId);
  if (runIdWrong) throw new ConfigError('invalid sweep', [runIdWrong]);
  const root = base.reportRoot ?? 'reports';
  const name =
    base.runId ??
    `${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}-sweep-${scenario.name}${base.profile ? `-${base.profile}` : ''}`;
  const dir = join(root, name);
  const points = (cases ?? combinations(settings)).map((combo, i): SweepPoint => {
    const s = withSettings(scenario, base.profile, combo, base.scenarioFile);
    const label = combo.map((c) => `${c.key}=${c.text}`).join(' ');
    const runId = `${String(i + 1).padStart(2, '0')}-${safe(combo.map((c) => `${c.key.split('.').pop()}=${c.text}`).join('_'))}`;
    return {
      label,
      settings: Object.fromEntries(combo.map((c) => [c.key, c.text])),
      plan: resolvePlan(s, { ...base, reportRoot: join(dir, 'runs'), runId }),
    };
  });
  return { scenarioName: scenario.name, file: base.scenarioFile, profile: base.profile ?? null, settings, points, dir };
}

/**
 * Every point of the sweep against the host before any runs: a point that cannot fit refuses the
 * whole sweep (exit 64), naming the point, as a run is refused before it starts.
 */
export function preflightSweep(spec: Pick<SweepSpec, 'points'>): void {
  const problems: string[] = [];
  for (const p of spec.points) {
    try {
      preflight(p.plan);
    } catch (e) {
      if (!(e instanceof PreflightError)) throw e;
      problems.push(...e.problems.map((x) => `${p.label}: ${x}`));
    }
  }
  if (problems.length) throw new PreflightError(problems);
}

export async function runSweep(
  spec: SweepSpec,
  signal: AbortSignal,
  run: (plan: RunPlan, signal: AbortSignal) => Promise<RunResult>,
  log: (line: string) => void,
): Promise<{ result: SweepResult; json: string; html: string }> {
  ensureFolder(join(spec.dir, 'runs'));
  const done: SweepResult['points'] = [];
  let interrupted = false;
  for (const [i, p] of spec.points.entries()) {
    if (signal.aborted) {
      interrupted = true;
      break;
    }
    log(`chatstorm sweep: run ${i + 1} of ${spec.points.length}: ${p.label}`);
    // Sized to the host like a run (its layout, its CPU estimate); every point was checked before the first ran.
    const fitted = preflight(p.plan);
    for (const note of fitted.cpuEstimate?.notes ?? []) log(`chatstorm sweep: ${p.label}: note: ${note}`);
    const r = await run(fitted, signal);
    const plan = JSON.parse(readFileSync(join(r.reportDir, 'plan.json'), 'utf8')) as { sendIntervalMs?: number };
    done.push({
      label: p.label,
      settings: p.settings,
      runDir: r.reportDir,
      verdict: r.summary.verdict,
      figures: runFigures(r.summary, plan),
    });
    if (r.summary.interrupted) interrupted = true;
    log(`chatstorm sweep: ${p.label} → ${r.summary.verdict}`);
  }
  const ranking = rankPoints(done.map((d, i) => ({ label: d.label, column: columnLabel(i), figures: d.figures })));
  const result: SweepResult = {
    scenario: { name: spec.scenarioName, file: spec.file, profile: spec.profile },
    settings: spec.settings.map((s) => ({ key: s.key, values: s.texts })),
    points: done,
    ranking,
    exitCode: interrupted ? EXIT.interrupted : done.some((d) => d.verdict === 'error') ? EXIT.error : EXIT.pass,
  };
  const json = join(spec.dir, 'sweep.json');
  const html = join(spec.dir, 'compare.html');
  writeFileSync(json, JSON.stringify(result, null, 2));
  if (done.length >= 2) {
    const runs = loadRuns(done.map((d) => d.runDir));
    writeFileSync(
      html,
      renderCompare(runs, {
        title: `Sweep ${spec.scenarioName}: ${spec.settings.map((s) => s.key).join(' × ')} · chatstorm`,
        sections: renderRanking(
          result.ranking,
          spec.settings.map((s) => s.key),
        ),
      }),
    );
  }
  return { result, json, html };
}

/** The keys of listed cases and the values each takes, in order of appearance (for sweep.json and the page). */
function casesAsSettings(cases: { key: string; value: unknown; text: string }[][]): Setting[] {
  const out: Setting[] = [];
  for (const c of cases) {
    for (const x of c) {
      let s = out.find((o) => o.key === x.key);
      if (!s) out.push((s = { key: x.key, values: [], texts: [] }));
      if (!s.texts.includes(x.text)) {
        s.values.push(x.value);
        s.texts.push(x.text);
      }
    }
  }
  return out;
}
