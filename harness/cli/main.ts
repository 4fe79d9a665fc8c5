/**
 * The command line: parses arguments and calls commands. The only place that calls process.exit.
 */
import { Command } from 'commander';
import { existsSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../config/errors.ts';
import { loadScenario } from '../config/load.ts';
import { resolvePlan, startAtProblem, type RunOptions, type RunPlan } from '../config/plan.ts';
import type { ScenarioDefinition } from '../config/scenario.ts';
import { dumpHistory } from '../record/dump.ts';
import { HistoryFormatError } from '../record/reader.ts';
import { writeCompare } from '../report/compare.ts';
import { renderConsole } from '../report/console.ts';
import { EXIT, exitCodeForInterruption, type Interruption } from '../report/exit-codes.ts';
import { claimRunFolder, ensureFolder, removeCreated, ReportDirError } from '../report/run-folder.ts';
import { reportRun, run } from '../run.ts';
import { killChildrenNow, watchLauncher } from '../stack/process.ts';
import { findToxiproxy, installToxiproxy, ToxiproxyMissingError } from '../stack/toxiproxy-binary.ts';
import type { CapacityInput } from '../tuning/capacity.ts';
import { addRunOptions, int, preflight, runOverrides, type RunFlags } from './run-options.ts';

/** The flags only `run` takes: a shard of a run spread over hosts. */
interface ShardFlags {
  shard?: string;
  shards?: number;
  claimShard?: boolean;
  startAt?: string;
}

/** Writes to stdout synchronously (a large dump), waiting out a full pipe; a closed pipe (| head) ends quietly. */
function writeStdout(text: string): void {
  const b = Buffer.from(text);
  for (let off = 0; off < b.length; ) {
    try {
      off += writeSync(1, b, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(EXIT.pass);
      if (code !== 'EAGAIN') throw e;
    }
  }
}

/**
 * --claim-shard: the first free index among the run's n shards, taken by creating a file
 * exclusively (O_EXCL) in the shared report folder. The folder is named by the plan hash, which
 * covers --start-at: every new run has fresh claims, and replicas of one run share them.
 */
function claimShard(
  scenario: ScenarioDefinition,
  o: RunOptions,
  undo: (() => void)[],
): Pick<RunOptions, 'shard' | 'shards'> {
  if (o.shards === undefined || o.shard !== undefined)
    throw new ConfigError('invalid run configuration', [
      `--claim-shard takes the index for --shards <n> (got ${o.shard !== undefined ? `--shard ${o.shard}` : 'no --shards'})`,
    ]);
  if (o.startAt === undefined)
    throw new ConfigError('invalid run configuration', [
      "--claim-shard needs --start-at: the shared instant tells one run's shards from the next run's",
    ]);
  const hash = resolvePlan(scenario, { ...o, shard: `0/${o.shards}`, shards: undefined }).shard!.planHash;
  const dir = join(o.reportRoot ?? 'reports', '.shard-claims', hash);
  ensureFolder(dir);
  for (let i = 0; i < o.shards; i++) {
    try {
      writeFileSync(join(dir, String(i)), `${process.pid}\n`, { flag: 'wx' });
      // Released when this run is refused before it starts (the folder stays: replicas share it).
      undo.push(() => rmSync(join(dir, String(i)), { force: true }));
      return { shard: `${i}/${o.shards}`, shards: undefined };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new ConfigError('invalid run configuration', [
    `--claim-shard: all ${o.shards} shards of plan ${hash} are taken already (${dir}); one replica too many, or an earlier run with the same --start-at`,
  ]);
}

/**
 * A capacity search's or a sweep's folder, claimed as a run's is (claimRunFolder) once `plan` has
 * checked the input: a --run-id already taken is refused (exit 64), never written into; a generated
 * name that is taken gets a suffix, and the search is planned again with it. When `check` (the
 * preflight) then refuses, the folder and those made above it are removed again.
 */
async function claimed<S extends { dir: string }>(
  base: RunOptions,
  plan: (base: RunOptions) => S,
  check: (spec: S) => Promise<void>,
): Promise<S> {
  let spec = plan(base);
  const folder = claimRunFolder(dirname(spec.dir), basename(spec.dir), base.runId !== undefined);
  try {
    if (folder.runId !== basename(spec.dir)) spec = plan({ ...base, runId: folder.runId });
    if (folder.note) console.error(`chatstorm: note: ${folder.note}`);
    await check(spec);
    return spec;
  } catch (e) {
    rmSync(folder.dir, { recursive: true, force: true }); // still empty: nothing ran
    removeCreated(folder.created);
    throw e;
  }
}

/** Prints the console verdict of a judged run and exits with its code. */
function finish(result: { summary: Parameters<typeof renderConsole>[0]; reportDir: string }): never {
  console.log(renderConsole(result.summary, result.reportDir, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR));
  process.exit(result.summary.exitCode);
}

// The launcher may be gone and its pipe with it: a report on disk matters more than a console line.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const program = new Command()
  .name('chatstorm')
  .description(
    'Load and resilience tests for WebSocket chat gateways: real sockets, real Toxiproxy faults, checks from the recorded history.',
  )
  .showHelpAfterError()
  .exitOverride();

addRunOptions(
  program
    .command('run')
    .description(
      'run a scenario: start the gateway behind Toxiproxy (or put Toxiproxy in front of --target), drive the clients and faults, judge, report',
    )
    .argument('<scenario-file>', 'a scenario module (TypeScript) whose default export is defineScenario({...})'),
)
  // Sharding is run's alone: a capacity step or a sweep point is one host's run.
  .option(
    '--shard <i/n>',
    "run shard i of n (0 <= i < n): this process owns the chats k with k mod n = i; `chatstorm merge` joins the shards' run folders into one verdict",
  )
  .option(
    '--shards <n>',
    'run one shard of n, its index from JOB_COMPLETION_INDEX (as a Kubernetes Indexed Job sets it)',
    int('--shards'),
  )
  .option(
    '--claim-shard',
    'with --shards n outside a Kubernetes Indexed Job (docker compose --scale, a plain loop): take the first shard index no other process of the same plan has taken, by creating <report-dir>/.shard-claims/<plan hash>/<index>',
  )
  .option(
    '--start-at <iso-time>',
    'start traffic and the fault timeline at this shared instant, e.g. 2026-11-30T18:40:00Z; a run not connected by then ends with verdict error',
  )
  .action(async (file: string, o: RunFlags & ShardFlags, cmd: Command) => {
    const scenario = await loadScenario(file);
    const options: RunOptions = { ...runOverrides(file, o, cmd), shard: o.shard, shards: o.shards, startAt: o.startAt };
    // What is made before the run starts — a shard claim, the run folder and the folders above it —
    // is undone when the run is then refused (exit 64): nothing is left behind, no shard stays taken.
    const undo: (() => void)[] = [];
    let fitted: RunPlan;
    try {
      if (o.claimShard) Object.assign(options, claimShard(scenario, options, undo));
      const resolved = resolvePlan(scenario, options);
      const late = startAtProblem(resolved);
      if (late) throw new ConfigError('invalid run configuration', [late]);
      // The run folder is claimed first of all: a taken --run-id or an unusable --report-dir stops here.
      const folder = claimRunFolder(o.reportDir, resolved.runId, o.runId !== undefined);
      undo.push(() => {
        rmSync(folder.dir, { recursive: true, force: true }); // still empty: nothing ran
        removeCreated(folder.created);
      });
      const plan = { ...resolved, runId: folder.runId, reportDir: folder.dir };
      for (const note of [...(plan.notes ?? []), ...(folder.note ? [folder.note] : [])])
        console.error(`chatstorm: note: ${note}`);
      if (plan.remoteTarget)
        console.error(`chatstorm: --allow-remote: testing ${plan.remoteTarget}, a gateway on another machine`);
      // Sized to the host and refused (exit 64) before anything starts when it cannot fit.
      fitted = await preflight(plan, o);
    } catch (e) {
      for (const step of undo.reverse()) step();
      throw e;
    }
    const abort = new AbortController();
    let signals = 0;
    const onSignal = (sig: Interruption) => {
      if (++signals > 1) {
        writeSync(2, `chatstorm: ${sig} again, exiting without cleanup\n`);
        killChildrenNow();
        process.exit(exitCodeForInterruption(sig));
      }
      const why = sig === 'parent-exited' ? `the process that started this run (pid ${launcher}) is gone` : sig;
      console.error(`\nchatstorm: ${why}: stopping, tearing down and reporting what was recorded (again to force)`);
      abort.abort(sig);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    const launcher = watchLauncher(() => {
      // A group-wide signal that already stopped the run is not a second one.
      if (!abort.signal.aborted) onSignal('parent-exited');
    });
    const result = await run(fitted, abort.signal);
    finish(result);
  });

/**
 * For the commands that run many runs (capacity, sweep): the first Ctrl-C or SIGTERM (or the
 * launcher gone) stops the current run (torn down and reported) and the command writes what it
 * has; a second signal exits at once.
 */
function abortOnSignals(): AbortSignal {
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (sig: Interruption) => {
    if (++signals > 1) {
      writeSync(2, `chatstorm: ${sig} again, exiting without cleanup\n`);
      killChildrenNow();
      process.exit(exitCodeForInterruption(sig));
    }
    console.error(
      `\nchatstorm: ${sig}: stopping the current run, tearing down and writing what was measured (again to force)`,
    );
    abort.abort(sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => onSignal(sig));
  watchLauncher(() => {
    if (!abort.signal.aborted) onSignal('parent-exited');
  });
  return abort.signal;
}

/** A command stopped by a signal exits as `run` does: 130 for Ctrl-C, 143 for SIGTERM or a lost launcher. */
function stoppedCode(code: number, signal: AbortSignal): number {
  return code === EXIT.interrupted && signal.aborted ? exitCodeForInterruption(signal.reason as Interruption) : code;
}

addRunOptions(
  program
    .command('capacity')
    .description(
      'find the knee: run the scenario at growing load (each step a full run with its faults, the same seed) until a step breaks, bisect to the resolution, write capacity.json and capacity.html (docs/capacity.md)',
    )
    .argument('<scenario-file>', 'a scenario module (TypeScript) whose default export is defineScenario({...})')
    .option('--vary <what>', '"clients" (sockets) or "rate" (messages sent per second by the fleet)', 'clients')
    .option('--from <n>', "load of the first step (default: the scenario's)", int('--from'))
    .option('--to <n>', 'highest load tried (default: 16 times --from)', int('--to'))
    .option('--factor <x>', 'growth from one step to the next', '1.5')
    .option(
      '--resolution <n|p%>',
      'stop bisecting when the last pass and the first failure are this close: a load, or a share of the last pass',
      '5%',
    )
    .option('--headroom <p%>', 'the recommended maximum is the knee less this share', '20%'),
).action(async (file: string, o: RunFlags & CapacityInput, cmd: Command) => {
  const { planCapacity, runCapacity } = await import('../tuning/capacity.ts');
  const scenario = await loadScenario(file);
  // Every step's CPU notes come from the search itself (capacity.ts), each once.
  const spec = await claimed(
    runOverrides(file, o, cmd),
    (base) => planCapacity(scenario, base, o),
    async (s) => void (await preflight(s.firstPlan, o, false)),
  );
  const signal = abortOnSignals();
  const r = await runCapacity(spec, signal, run, (l) => console.error(l));
  console.log(
    `chatstorm capacity: ${r.result.stop.message}${r.result.recommended ? `\n  recommended maximum: ${r.result.recommended.load} ${r.result.unit} (${r.result.recommended.note})` : ''}\n  ${r.json}\n  ${r.html}`,
  );
  process.exit(stoppedCode(r.result.exitCode, signal));
});

addRunOptions(
  program
    .command('sweep')
    .description(
      'run the scenario under every combination of settings (the same seed) and write a compare page with a ranking table (docs/tuning.md)',
    )
    .argument('<scenario-file>', 'a scenario module (TypeScript) whose default export is defineScenario({...})')
    .option(
      '--set <key=v1,v2>',
      'a scenario setting and its values, e.g. policy.backoff.jitter=none,full or gateway.pingInterval=10s,30s; repeatable: every combination runs',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--case <"k=v k=v">',
      'instead of --set: one run with these settings; repeatable (a listed set of runs)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    ),
).action(async (file: string, o: RunFlags & { set: string[]; case: string[] }, cmd: Command) => {
  const { planSweep, preflightSweep, runSweep } = await import('../tuning/sweep.ts');
  const scenario = await loadScenario(file);
  // Every combination's CPU notes come from preflightSweep, each once.
  const spec = await claimed(
    runOverrides(file, o, cmd),
    (base) => planSweep(scenario, base, o.set, o.case),
    async (s) => {
      await preflight(s.points[0].plan, o, false);
      preflightSweep(s);
    },
  );
  const signal = abortOnSignals();
  const r = await runSweep(spec, signal, run, (l) => console.error(l));
  console.log(
    `chatstorm sweep: ${r.result.points.length} runs; best: ${r.result.ranking[0]?.label ?? 'none'}\n  ${r.json}\n  ${r.html}`,
  );
  process.exit(stoppedCode(r.result.exitCode, signal));
});

program
  .command('report')
  .description('rebuild every report of a run folder from its recorded history (also for an interrupted run)')
  .argument('<run-dir>', 'a run folder, e.g. reports/latest')
  .action(async (dir: string) => {
    if (!existsSync(dir)) throw new ConfigError('report', [`<run-dir>: no such folder: "${dir}"`]);
    // reportRun refuses a folder that is not a run (no plan.json or history/) with exit 64.
    const result = await reportRun(dir);
    finish(result);
  });

program
  .command('history')
  .description("print a run's recorded client events as NDJSON, one event per line (docs/history.md)")
  .argument('<run-dir>', 'a run folder, e.g. reports/latest')
  .action((dir: string) => {
    if (!existsSync(dir)) throw new ConfigError('history', [`<run-dir>: no such folder: "${dir}"`]);
    dumpHistory(dir, writeStdout);
    process.exit(EXIT.pass);
  });

program
  .command('merge')
  .description(
    'merge the run folders of the shards of one run (--shard i/n) into one run folder with every report and the exact merged verdict',
  )
  .argument('<run-dir...>', 'one run folder per shard, every shard exactly once')
  .requiredOption('--out <dir>', 'the merged run folder to write')
  .action(async (dirs: string[], o: { out: string }) => {
    const { mergeRuns } = await import('../merge/merge.ts');
    finish(mergeRuns(dirs, o.out));
  });

program
  .command('compare')
  .description(
    'put runs side by side in one self-contained HTML page (the tuning view): settings, checks, thresholds, resilience and charts per run, differences marked',
  )
  .argument('<run-dir...>', 'two or more run folders, each with a summary.json (e.g. reports/<run-id>)')
  .option('--out <file>', 'the page to write', 'compare.html')
  .action((dirs: string[], o: { out: string }) => {
    const file = writeCompare(dirs, o.out);
    console.log(`chatstorm: compared ${dirs.length} runs: ${file}`);
    process.exit(EXIT.pass);
  });

program
  .command('setup')
  .description('install what npm cannot: the Toxiproxy server (go install into tools/bin)')
  .action(() => {
    const found = findToxiproxy();
    console.log(`Toxiproxy server: ${found ?? installToxiproxy((l) => console.log(l))}`);
  });

program
  .command('cleanup')
  .description(
    'remove what crashed runs left behind: containers and networks labelled chatstorm=true, and orphaned local Toxiproxy and gateway processes of this project',
  )
  .option('--all', 'also remove containers of runs whose harness process is still alive')
  .option('--run-id <id>', 'only what this run left')
  .option('--dry-run', 'list, remove nothing')
  .action(async (o: { all?: boolean; runId?: string; dryRun?: boolean }) => {
    // An empty id must not drop the filter: that would remove what every dead run left.
    if (o.runId !== undefined && !o.runId.trim())
      throw new ConfigError('cleanup', [
        `--run-id: an empty id (got "${o.runId}"); leave the flag out to clean up every dead run`,
      ]);
    const { cleanup } = await import('../stack/cleanup.ts');
    const r = await cleanup(o, (l) => console.log(l));
    process.exit(r.errors.length ? EXIT.error : 0);
  });

program.addHelpText(
  'after',
  `
Exit codes:
  0   pass            every check passed
  1   fail            a check failed (see the report)
  2   inconclusive    no check failed, but one could not be judged (e.g. the load generator fell behind)
  3   error           the run itself broke (gateway exited, proxy unreachable); reports still written
  64  usage           invalid scenario, flag or environment variable, or a --run-id whose folder exists; nothing was started;
                      or a run folder whose history this version cannot read (report, history)
  69  unavailable     Toxiproxy is missing and could not be installed, or --stack testcontainers found no Docker engine
  73  cannot create   the report folder cannot be created or written (--report-dir); nothing was started
  130 interrupted     Ctrl-C (SIGINT); torn down, reports written from what was recorded, verdict never pass
  143 terminated      SIGTERM, or the launcher (npx, npm run) went away; as 130
capacity: 0 knee found (or none up to --to), 1 the first step broke, 2 the harness ran out first, 3 a run broke (docs/capacity.md)
sweep:    0 every run judged (breakers are marked, not fatal), 3 a run broke (docs/tuning.md)`,
);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as Error & { exitCode?: number; code?: string };
  // No command at all is a usage error (the help went to stderr); help asked for is not.
  if (err.code === 'commander.help' && process.argv.length <= 2) process.exit(EXIT.config);
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
    process.exit(0);
  if (err.code?.startsWith('commander.')) process.exit(EXIT.config);
  if (e instanceof ConfigError) {
    console.error(`chatstorm: ${e.message}`);
    process.exit(EXIT.config);
  }
  if (e instanceof ReportDirError) {
    console.error(`chatstorm: ${e.message}`);
    process.exit(EXIT.cantCreate);
  }
  // A history this version cannot read (a newer format): nothing was judged.
  if (e instanceof HistoryFormatError) {
    console.error(`chatstorm: cannot read the recorded history: ${e.message}`);
    process.exit(EXIT.config);
  }
  // DockerUnavailableError by name: its module loads testcontainers, which local runs never import.
  if (e instanceof ToxiproxyMissingError || err.name === 'DockerUnavailableError') {
    console.error(`chatstorm: ${err.message}`);
    process.exit(EXIT.unavailable);
  }
  console.error(`chatstorm: ${err.stack ?? err}`);
  process.exit(EXIT.error);
}
