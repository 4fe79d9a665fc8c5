/**
 * `chatstorm capacity`: the scenario at growing load, each step a full run (its faults, the same
 * seed), until a step breaks; then a bisection to the resolution. Writes capacity.json and a
 * self-contained capacity.html into a folder of its own, with every step's run folder inside it.
 *
 *   load "clients": sockets (the scenario's send interval kept: the message rate grows with them)
 *   load "rate":    messages sent per second by the whole fleet, at the scenario's clients (the
 *                   send interval becomes clients / rate)
 */
import { ensureFolder } from '../report/run-folder.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.ts';
import { resolvePlan, runIdProblem, type RunOptions, type RunPlan } from '../config/plan.ts';
import { MAX_CLIENTS_PER_HOST, MIN_SEND_INTERVAL_MS } from '../config/schema.ts';
import type { ScenarioDefinition } from '../config/scenario.ts';
import { PreflightError, preflight } from '../preflight/preflight.ts';
import { EXIT } from '../report/exit-codes.ts';
import type { Summary } from '../report/summary.ts';
import type { RunResult } from '../run.ts';
import type { CapacityResult, CapacityStep, Vary } from './capacity-result.ts';
import { runFigures } from './figures.ts';
import { resolutionAt, searchKnee, type SearchOptions, type StepOutcome } from './knee-search.ts';
import { renderCapacityPage } from './capacity-page.ts';
import { withSettings } from './settings.ts';

/** The capacity flags as given (strings where a unit or a percent is allowed). */
export interface CapacityInput {
  vary?: string;
  from?: number;
  to?: number;
  factor?: string;
  resolution?: string;
  headroom?: string;
}

export interface CapacitySpec {
  scenario: ScenarioDefinition;
  base: RunOptions;
  vary: Vary;
  search: SearchOptions;
  /** Share of the knee kept free in the recommendation, in [0, 1). */
  headroom: number;
  /** The capacity folder: capacity.json, capacity.html, steps/. */
  dir: string;
  /** The first step's plan, for the preflight. */
  firstPlan: RunPlan;
}

const UNIT: Record<Vary, string> = { clients: 'clients', rate: 'msg/s' };

function percent(flag: string, text: string, max: number, problems: string[]): number | null {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (!m || Number(m[1]) >= max) {
    problems.push(`${flag}: expected a percentage below ${max}%, e.g. "20%" (got "${text}")`);
    return null;
  }
  return Number(m[1]) / 100;
}

/** The scenario's own rate: messages sent per second by the whole fleet. */
function rateOf(plan: RunPlan): number {
  return Math.round((plan.clients * 1_000 * 10) / plan.sendIntervalMs) / 10;
}

/** The plan of one step. */
function stepPlan(
  spec: Pick<CapacitySpec, 'scenario' | 'base' | 'vary'>,
  load: number,
  reportRoot: string,
  runId: string,
): RunPlan {
  if (spec.vary === 'clients') return resolvePlan(spec.scenario, { ...spec.base, clients: load, reportRoot, runId });
  const clients = resolvePlan(spec.scenario, { ...spec.base, runId: 'probe' }).clients;
  const sendIntervalMs = Math.max(1, Math.round((clients * 1_000) / load));
  const scenario = withSettings(
    spec.scenario,
    spec.base.profile,
    [{ key: 'sendInterval', value: sendIntervalMs }],
    spec.base.scenarioFile,
  );
  return resolvePlan(scenario, { ...spec.base, reportRoot, runId });
}

/** Validates every capacity flag and the first step's plan; nothing runs. */
export function planCapacity(scenario: ScenarioDefinition, base: RunOptions, i: CapacityInput): CapacitySpec {
  const problems: string[] = [];
  const vary = (i.vary ?? 'clients') as Vary;
  if (vary !== 'clients' && vary !== 'rate') problems.push(`--vary: expected "clients" or "rate" (got "${i.vary}")`);
  if (base.clients !== undefined && vary === 'clients')
    problems.push(
      `--clients: capacity --vary clients sets the clients of each step; use --from and --to (got --clients ${base.clients})`,
    );
  const factor = Number(i.factor ?? '1.5');
  if (!(factor > 1) || !Number.isFinite(factor))
    problems.push(`--factor: expected a number above 1, e.g. 1.5 (got "${i.factor}")`);
  const resText = i.resolution ?? '5%';
  let resolution: SearchOptions['resolution'] | null = null;
  if (/%$/.test(resText)) {
    const r = percent('--resolution', resText, 100, problems);
    if (r !== null) resolution = { relative: r };
  } else if (/^\d+$/.test(resText) && Number(resText) > 0) resolution = { absolute: Number(resText) };
  else
    problems.push(
      `--resolution: expected a load (e.g. 50) or a share of the last passing load (e.g. "5%") (got "${resText}")`,
    );
  const headroom = percent('--headroom', i.headroom ?? '20%', 100, problems) ?? 0.2;
  // The search's folder is named by --run-id (its steps get their own ids): checked here, as run checks its own.
  const runIdWrong = base.runId === undefined ? null : runIdProblem(base.runId);
  if (runIdWrong) problems.push(runIdWrong);
  if (problems.length) throw new ConfigError('invalid capacity options', problems);

  const root = base.reportRoot ?? 'reports';
  const name =
    base.runId ??
    `${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}-capacity-${scenario.name}${base.profile ? `-${base.profile}` : ''}`;
  const dir = join(root, name);
  // The scenario's own load is the default start; the default end is 16 times it.
  const own = resolvePlan(scenario, { ...base, runId: 'probe' });
  const from = i.from ?? (vary === 'clients' ? own.clients : Math.max(1, Math.round(rateOf(own))));
  const to = i.to ?? from * 16;
  if (from < 1) problems.push(`--from: expected a load of at least 1 (got ${from})`);
  if (to < from) problems.push(`--to: must not be below --from ${from} (got ${to})`);
  // The largest step, named by the flag that asks for it (not the --clients or --set it becomes).
  const most =
    vary === 'clients'
      ? { load: MAX_CLIENTS_PER_HOST, why: 'clients on one host (shards spread more)' }
      : {
          load: Math.floor((own.clients * 1_000) / MIN_SEND_INTERVAL_MS),
          why: `msg/s with the scenario's ${own.clients} clients (each sends at most one message every ${MIN_SEND_INTERVAL_MS} ms)`,
        };
  for (const [flag, load] of [
    ['--from', from],
    ['--to', to],
  ] as const)
    if (load > most.load) problems.push(`${flag}: at most ${most.load.toLocaleString('en')} ${most.why} (got ${load})`);
  if (problems.length) throw new ConfigError('invalid capacity options', problems);
  const spec = { scenario, base, vary };
  // Both ends are resolved now: a step that could not be planned fails here, before anything runs.
  stepPlan(spec, to, join(dir, 'steps'), 'probe');
  const firstPlan = stepPlan(spec, from, join(dir, 'steps'), 'probe');
  return { ...spec, search: { from, to, factor, resolution: resolution! }, headroom, dir, firstPlan };
}

/** What a judged step means for the search. */
export function stepOutcome(s: Summary): StepOutcome {
  if (s.interrupted) return 'interrupted';
  if (s.verdict === 'pass') return 'pass';
  if (s.verdict === 'error') return 'error';
  // The instrument's own health checks: when one could not vouch for the load, nothing above can be judged.
  const instrument = s.checks.some(
    (c) => c.verdict !== 'pass' && (c.name === 'generator-health' || /proxy-health|instrument/.test(c.name)),
  );
  return instrument ? 'instrument' : 'fail';
}

export async function runCapacity(
  spec: CapacitySpec,
  signal: AbortSignal,
  run: (plan: RunPlan, signal: AbortSignal) => Promise<RunResult>,
  log: (line: string) => void,
): Promise<{ result: CapacityResult; json: string; html: string }> {
  ensureFolder(join(spec.dir, 'steps'));
  const steps: CapacityStep[] = [];
  const unit = UNIT[spec.vary];
  /** The preflight's problems with the step the search stopped at, when the host could not hold it. */
  const host: { unfit: string[] | null } = { unfit: null };
  const search = await searchKnee(spec.search, async (load, phase) => {
    if (signal.aborted) return 'interrupted';
    const n = steps.length + 1;
    const plan = stepPlan(
      spec,
      load,
      join(spec.dir, 'steps'),
      `step-${String(n).padStart(2, '0')}-${spec.vary}-${load}`,
    );
    log(
      `chatstorm capacity: step ${n} (${phase}): ${load} ${unit}${spec.vary === 'rate' ? ` (${plan.clients} clients, one message every ${plan.sendIntervalMs} ms each)` : ''}`,
    );
    // Each step is sized to the host like a run (its layout, its CPU estimate); a step the host
    // cannot hold is where the harness ran out, not the gateway: the search stops there.
    let fitted: RunPlan;
    try {
      fitted = preflight(plan);
    } catch (e) {
      if (!(e instanceof PreflightError)) throw e;
      host.unfit = e.problems;
      log(`chatstorm capacity: step ${n}: ${load} ${unit} cannot fit this host (not run): ${e.problems.join(' ')}`);
      return 'instrument';
    }
    for (const note of fitted.cpuEstimate?.notes ?? []) log(`chatstorm capacity: step ${n}: note: ${note}`);
    const r = await run(fitted, signal);
    const planJson = JSON.parse(readFileSync(join(r.reportDir, 'plan.json'), 'utf8')) as { sendIntervalMs?: number };
    const outcome = stepOutcome(r.summary);
    steps.push({ n, phase, load, outcome, runDir: r.reportDir, figures: runFigures(r.summary, planJson) });
    log(
      `chatstorm capacity: step ${n}: ${load} ${unit} → ${r.summary.verdict}${r.summary.failedChecks.length ? ` (${r.summary.failedChecks.join(', ')})` : ''}`,
    );
    return outcome;
  });
  const key = spec.vary;
  const failStep = search.firstFail === null ? undefined : steps.find((s) => s.load === search.firstFail);
  const knee: CapacityResult['knee'] =
    search.lastPass === null
      ? null
      : ({
          [key]: search.lastPass,
          load: search.lastPass,
          brokeAbove: failStep
            ? {
                load: failStep.load,
                check: failStep.figures?.brokeFirst?.check ?? null,
                why: failStep.figures?.brokeFirst?.why ?? null,
                breaches: failStep.figures?.breaches ?? [],
              }
            : null,
        } as CapacityResult['knee']);
  const recommendedLoad =
    search.lastPass === null ? null : Math.max(1, Math.floor(search.lastPass * (1 - spec.headroom)));
  const recommended: CapacityResult['recommended'] =
    recommendedLoad === null
      ? null
      : ({
          [key]: recommendedLoad,
          load: recommendedLoad,
          headroom: spec.headroom,
          note: `${Math.round(spec.headroom * 100)} % below the highest load that passed (${search.lastPass} ${unit})${search.stop === 'knee-found' ? '' : search.stop === 'no-failure-up-to-max' ? '; nothing broke up to --to, so the real knee is higher' : '; the search stopped early, so this is a lower bound'}`,
        } as CapacityResult['recommended']);
  const message = ((): string => {
    switch (search.stop) {
      case 'knee-found':
        return `knee at ${search.lastPass} ${unit}: it passed, ${search.firstFail} broke (${failStep?.figures?.brokeFirst?.check ?? 'a check'} first); resolution ${resolutionAt(spec.search, search.lastPass!)} ${unit}`;
      case 'no-failure-up-to-max':
        return `no step broke up to --to ${spec.search.to} ${unit}: the knee is above it`;
      case 'failed-at-start':
        return `the first step (${spec.search.from} ${unit}) already broke (${failStep?.figures?.brokeFirst?.check ?? 'a check'}): start lower with --from`;
      case 'instrument-limit':
        return host.unfit
          ? `the harness ran out first at ${search.stoppedAt} ${unit}: this host cannot hold that step (${host.unfit.join(' ')})${search.lastPass !== null ? `; ${search.lastPass} ${unit} passed` : ''}; use shards ('run --shard i/n' on several hosts, docs/scaling.md)`
          : `the harness ran out first at ${search.stoppedAt} ${unit} (the load generator or the proxies could not vouch for the load${search.lastPass !== null ? `; ${search.lastPass} ${unit} passed` : ''}); use shards ('run --shard i/n' on several hosts, docs/scaling.md) or more fleet processes (--workers)`;
      case 'run-error':
        return `the run itself broke at ${search.stoppedAt} ${unit} (see its report); the search stopped`;
      case 'interrupted':
        return `interrupted at ${search.stoppedAt} ${unit}; the steps run so far are in the report`;
    }
  })();
  const exitCode = {
    'knee-found': EXIT.pass,
    'no-failure-up-to-max': EXIT.pass,
    'failed-at-start': EXIT.fail,
    'instrument-limit': EXIT.inconclusive,
    'run-error': EXIT.error,
    interrupted: EXIT.interrupted,
  }[search.stop];
  const res = spec.search.resolution;
  const result: CapacityResult = {
    scenario: { name: spec.scenario.name, file: spec.base.scenarioFile, profile: spec.base.profile ?? null },
    vary: spec.vary,
    unit,
    seed: spec.firstPlan.seed,
    search: {
      from: spec.search.from,
      to: spec.search.to,
      factor: spec.search.factor,
      resolution: 'absolute' in res ? `${res.absolute} ${unit}` : `${res.relative * 100}%`,
    },
    steps,
    knee,
    recommended,
    stop: { reason: search.stop, at: search.stoppedAt, message },
    exitCode,
  };
  const json = join(spec.dir, 'capacity.json');
  const html = join(spec.dir, 'capacity.html');
  writeFileSync(json, JSON.stringify(result, null, 2));
  writeFileSync(html, renderCapacityPage(result));
  return { result, json, html };
}
