/**
 * The options of `chatstorm run`, defined once: `run`, `capacity` and `sweep` all take them (a
 * capacity step or a sweep point is a full run), so a flag added here reaches every command.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';
import type { RunOptions, RunPlan } from '../config/plan.ts';
import { readyToStart } from '../run.ts';

export const int = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer (got "${v}")`);
  // Beyond 2^53 a number is not the one typed (99999999999999999999 reads as 1e20).
  if (!Number.isSafeInteger(Number(v))) throw new InvalidArgumentError(`${name}: ${v} is too large (got "${v}")`);
  return Number(v);
};

/** The parsed flags of `run` (commander's camelCase names). */
export interface RunFlags {
  client?: string;
  protocol?: string;
  clients?: number;
  duration?: string;
  target?: string;
  gatewayCmd?: string;
  jwtSecret?: string;
  jwtSecretFile?: string;
  allowRemote?: boolean;
  skipHealthz?: boolean;
  reportDir: string;
  seed: number;
  workers?: number;
  runId?: string;
  profile?: string;
  stack?: string;
  gatewayImage?: string;
  gatewayPort?: number;
  gatewayEnv: string[];
  dockerNetwork?: string;
  sourceIps?: string;
  cpuFit?: string;
  cpuCosts?: string;
}

/** Adds every option of `run` to a command. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--clients <n>', "number of client sockets (default: the scenario's, else 1000)", int('--clients'))
    .option('--duration <d>', 'length of the traffic phase, e.g. "30s" (default: the scenario\'s, else 30s)')
    .option(
      '--target <ws-url>',
      'test a gateway chatstorm did not start, e.g. ws://127.0.0.1:8083; chatstorm puts its own Toxiproxy in front of it',
    )
    .option(
      '--gateway-cmd <command>',
      'start this command as the gateway instead of the reference one; it gets PORT, HOST and JWT_SECRET in its environment and must answer GET /healthz',
    )
    .addOption(
      new Option(
        '--jwt-secret <secret>',
        'HS256 secret the tokens are minted with (the gateway must share it); prefer CHATSTORM_JWT_SECRET or --jwt-secret-file: a flag shows in ps',
      ).env('CHATSTORM_JWT_SECRET'),
    )
    .option(
      '--jwt-secret-file <file>',
      'read the HS256 secret from this file (one line; a trailing newline is dropped)',
    )
    .option('--allow-remote', 'allow a --target that is not on this machine (not loopback); the report says so')
    .option(
      '--skip-healthz',
      'with --target: start without waiting for a 2xx GET /healthz (for gateways that have none)',
    )
    .option('--report-dir <dir>', 'where run folders are written; reports/<run-id>/ by default', 'reports')
    .option('--seed <n>', 'seed of the traffic plan and jitter: same seed, same plan', int('--seed'), 1)
    .option(
      '--workers <n>',
      'fleet processes (default: one per 10000 clients; the preflight refuses more than one process can hold)',
      int('--workers'),
    )
    .option('--run-id <id>', 'name of the run folder (default: timestamp and scenario name)')
    .option('--profile <name>', 'a named variant of the scenario, e.g. "small" (the size the tests run)')
    .option(
      '--stack <kind>',
      'where the gateway and Toxiproxy run: "local" processes or Docker containers with "testcontainers" (default: the scenario\'s, else local; testcontainers when --gateway-image is given)',
    )
    .option(
      '--gateway-image <image>',
      'with --stack testcontainers: the gateway image to test (default: the reference gateway, built from gateway/Dockerfile)',
    )
    .option(
      '--gateway-port <n>',
      'with --stack testcontainers: port the gateway listens on in its container (default 8083; on the host network a free port, passed as PORT)',
      int('--gateway-port'),
    )
    .option(
      '--gateway-env <KEY=VALUE>',
      'with --stack testcontainers: environment of the gateway container, repeatable (JWT_SECRET always comes from --jwt-secret)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--docker-network <mode>',
      'with --stack testcontainers: "host" (default; containers share the host\'s loopback) or "bridge" (a network of their own, ports published)',
    )
    .option(
      '--source-ips <range>',
      'spread the clients over these loopback source addresses, e.g. 127.0.0.2-127.0.0.9 (each address has its own ephemeral ports per destination; see docs/scale.md)',
    )
    .option(
      '--cpu-fit <mode>',
      '"warn" (default): a plan that asks more of this host\'s cores than they give is said before it starts; "refuse": it is refused, exit 64 (docs/scale.md)',
    )
    .addOption(
      new Option(
        '--cpu-costs <file>',
        "this host's CPU costs for the preflight's estimate, measured by npx node bench/stack.ts --write-costs <file> (default: the built-in costs of a 2-vCPU reference host; docs/scale.md)",
      ).env('CHATSTORM_CPU_COSTS'),
    )
    .option(
      '--protocol <name>',
      'the gateway\'s wire protocol: "chat-v1" or "socket.io" (docs/protocols.md; default: the scenario\'s, else chat-v1)',
    )
    .option(
      '--client <module>',
      "drive your own client (e.g. the product's store) through a client adapter module instead of the reference client; see docs/client-adapters.md (default: the scenario's client, else the reference client)",
    );
}

/**
 * A flag (or its environment variable) given an empty value is a usage error naming it: an empty
 * value never silently means the default (`--report-dir ""` once wrote into the working folder,
 * `--gateway-cmd ""` ran the reference gateway, `--jwt-secret ""` started a gateway that then died).
 */
function refuseEmpty(cmd: Command): void {
  const problems: string[] = [];
  for (const opt of cmd.options) {
    const value = cmd.getOptionValue(opt.attributeName());
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (!values.some((v) => typeof v === 'string' && v.trim() === '')) continue;
    const fromEnv = cmd.getOptionValueSource(opt.attributeName()) === 'env' && opt.envVar;
    problems.push(
      `${fromEnv ? `$${opt.envVar} (for ${opt.long})` : opt.long}: an empty value (got "${values.find((v) => typeof v === 'string' && v.trim() === '')}"); give one, or leave it out for the default`,
    );
  }
  if (problems.length) throw new ConfigError('invalid run configuration', problems);
}

/** The flags as resolvePlan's overrides; cmd tells a --jwt-secret flag from $CHATSTORM_JWT_SECRET. */
export function runOverrides(file: string, o: RunFlags, cmd?: Command): RunOptions {
  if (cmd) refuseEmpty(cmd);
  const jwtSecret =
    o.jwtSecretFile === undefined
      ? o.jwtSecret
      : readSecretFile(o.jwtSecretFile, cmd?.getOptionValueSource('jwtSecret') === 'cli');
  return {
    scenarioFile: file,
    clients: o.clients,
    duration: o.duration,
    target: o.target,
    gatewayCommand: o.gatewayCmd ? [o.gatewayCmd] : undefined,
    jwtSecret,
    reportRoot: o.reportDir,
    seed: o.seed,
    workers: o.workers,
    runId: o.runId,
    profile: o.profile,
    stack: o.stack,
    gatewayImage: o.gatewayImage,
    gatewayPort: o.gatewayPort,
    gatewayEnv: o.gatewayEnv,
    dockerNetwork: o.dockerNetwork,
    client: o.client,
    protocol: o.protocol,
    allowRemote: o.allowRemote,
    skipHealthz: o.skipHealthz,
    sourceIps: o.sourceIps,
    cpuFit: o.cpuFit,
    cpuCosts: o.cpuCosts,
    ...(cmd?.getOptionValueSource('cpuCosts') === 'env' ? { cpuCostsFromEnv: true } : {}),
  };
}

/** --jwt-secret-file: the secret without its trailing newline; a missing or empty file is a usage error. */
function readSecretFile(file: string, alsoFlag: boolean): string {
  if (alsoFlag)
    throw new ConfigError('invalid run configuration', [
      '--jwt-secret and --jwt-secret-file exclude each other (give one)',
    ]);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('invalid run configuration', [
      `--jwt-secret-file: cannot read "${file}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    ]);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (!secret) throw new ConfigError('invalid run configuration', [`--jwt-secret-file: "${file}" is empty`]);
  return secret;
}

/** What must hold before anything starts (run.ts readyToStart), with the client flag named as given. */
export async function preflight(plan: RunPlan, o: RunFlags, cpuNotes = true): Promise<RunPlan> {
  return readyToStart(plan, { clientField: o.client !== undefined ? '--client' : 'client', cpuNotes });
}
