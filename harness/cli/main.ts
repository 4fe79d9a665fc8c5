/**
 * The command line: parses arguments and calls commands. The only place that calls process.exit.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import { loadScenario } from '../config/load.ts';
import { resolvePlan } from '../config/plan.ts';
import { renderConsole } from '../report/console.ts';
import { EXIT } from '../report/exit-codes.ts';
import { reportRun, run } from '../run.ts';
import { findToxiproxy, installToxiproxy, ToxiproxyMissingError } from '../stack/toxiproxy-binary.ts';

const int = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer (got "${v}")`);
  return Number(v);
};

const program = new Command()
  .name('chatstorm')
  .description('Load and resilience tests for WebSocket chat gateways: real sockets, real Toxiproxy faults, checks from the recorded history.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('run')
  .description('run a scenario: start the gateway behind Toxiproxy (or put Toxiproxy in front of --target), drive the clients and faults, judge, report')
  .argument('<scenario-file>', 'a scenario module (TypeScript) whose default export is defineScenario({...})')
  .option('--clients <n>', 'number of client sockets (default: the scenario\'s, else 1000)', int('--clients'))
  .option('--duration <d>', 'length of the traffic phase, e.g. "30s" (default: the scenario\'s, else 30s)')
  .option('--target <ws-url>', 'test a gateway chatstorm did not start, e.g. ws://127.0.0.1:8083; chatstorm puts its own Toxiproxy in front of it')
  .option('--gateway-cmd <command>', 'start this command as the gateway instead of the reference one; it gets PORT, HOST and JWT_SECRET in its environment and must answer GET /healthz')
  .addOption(new Option('--jwt-secret <secret>', 'HS256 secret the tokens are minted with (the gateway must share it)').env('CHATSTORM_JWT_SECRET'))
  .option('--report-dir <dir>', 'where run folders are written; reports/<run-id>/ by default', 'reports')
  .option('--seed <n>', 'seed of the traffic plan and jitter: same seed, same plan', int('--seed'), 1)
  .option('--workers <n>', 'fleet processes (default: one per 4000 clients)', int('--workers'))
  .option('--run-id <id>', 'name of the run folder (default: timestamp and scenario name)')
  .action(async (file: string, o: { clients?: number; duration?: string; target?: string; gatewayCmd?: string; jwtSecret?: string; reportDir: string; seed: number; workers?: number; runId?: string }) => {
    const scenario = await loadScenario(file);
    const plan = resolvePlan(scenario, { scenarioFile: file, clients: o.clients, duration: o.duration, target: o.target, gatewayCommand: o.gatewayCmd ? [o.gatewayCmd] : undefined, jwtSecret: o.jwtSecret, reportRoot: o.reportDir, seed: o.seed, workers: o.workers, runId: o.runId });
    if (!findToxiproxy()) installToxiproxy((l) => console.error(`chatstorm: ${l}`));
    const abort = new AbortController();
    let signals = 0;
    const onSignal = (sig: string) => {
      if (++signals > 1) {
        console.error(`chatstorm: ${sig} again, exiting without cleanup`);
        process.exit(EXIT.interrupted);
      }
      console.error(`\nchatstorm: ${sig}: stopping, tearing down and reporting what was recorded (again to force)`);
      abort.abort();
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    const result = await run(plan, abort.signal);
    console.log(renderConsole(result.summary, result.reportDir, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR));
    process.exit(result.summary.exitCode);
  });

program
  .command('report')
  .description('rebuild every report of a run folder from its recorded history (also for an interrupted run)')
  .argument('<run-dir>', 'a run folder, e.g. reports/latest')
  .action((dir: string) => {
    if (!existsSync(dir)) throw new ConfigError('report', [`<run-dir>: no such folder: "${dir}"`]);
    const result = reportRun(dir);
    console.log(renderConsole(result.summary, result.reportDir, Boolean(process.stdout.isTTY) && !process.env.NO_COLOR));
    process.exit(result.summary.exitCode);
  });

program
  .command('setup')
  .description('install what npm cannot: the Toxiproxy server (go install into tools/bin)')
  .action(() => {
    const found = findToxiproxy();
    console.log(`Toxiproxy server: ${found ?? installToxiproxy((l) => console.log(l))}`);
  });

program.addHelpText(
  'after',
  `
Exit codes:
  0   pass            every check passed
  1   fail            a check failed (see the report)
  2   inconclusive    no check failed, but one could not be judged (e.g. the load generator fell behind)
  3   error           the run itself broke (gateway exited, proxy unreachable); reports still written
  64  usage           invalid scenario, flag or environment variable; nothing was started
  69  unavailable     Toxiproxy is missing and could not be installed
  130 interrupted     Ctrl-C or SIGTERM; torn down, reports written from what was recorded`,
);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as Error & { exitCode?: number; code?: string };
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
  if (err.code?.startsWith('commander.')) process.exit(EXIT.config);
  if (e instanceof ConfigError) {
    console.error(`chatstorm: ${e.message}`);
    process.exit(EXIT.config);
  }
  if (e instanceof ToxiproxyMissingError) {
    console.error(`chatstorm: ${e.message}`);
    process.exit(EXIT.unavailable);
  }
  console.error(`chatstorm: ${err.stack ?? err}`);
  process.exit(EXIT.error);
}
