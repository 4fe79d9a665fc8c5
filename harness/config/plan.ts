/**
 * Resolution of a scenario plus command-line options into a RunPlan: every default filled in,
 * every duration in milliseconds, every threshold parsed. Everything downstream reads the plan,
 * never the scenario file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, resolve as resolvePath } from 'node:path';
import { FAULT_LIST, FAULTS, type FaultInput, type FaultPlan, type FaultType } from '../faults/index.ts';
import type { ClientPolicy } from '../policy/policy.ts';
import { PROTOCOLS, type ProtocolName } from '../protocol/index.ts';
import type { ProtocolInfo } from '../protocol/types.ts';
import type { Refusals } from '../protocol/types.ts';
import type { ProbeSpec } from '../record/history.ts';
import { durationMs as ms, parseDuration } from '../units/duration.ts';
import { type CpuCosts, loadCpuCosts } from './cpu-costs.ts';
import { DEFAULTS } from './defaults.ts';
import { ConfigError } from './errors.ts';
import type { AuthProbeInput, PolicyInput, ScenarioDefinition } from './scenario.ts';
import { AUTH_PROBE_KINDS, clientsField, describeIssues, MAX_CLIENTS_PER_HOST, scenarioSchema } from './schema.ts';
import { parseSourceIps } from './source-ips.ts';
import { parseThreshold, type Threshold } from './threshold.ts';

export type { FaultPlan, FaultType };

/** Where the gateway and Toxiproxy run. */
export type StackKind = 'local' | 'testcontainers';

/** The containers of --stack testcontainers (docs/docker.md). */
export interface DockerPlan {
  /** The gateway image to test; null: the reference gateway's, built from gateway/Dockerfile. */
  gatewayImage: string | null;
  /**
   * Port the gateway listens on inside its container. null: 8083 on a bridge network; on the host
   * network a free port, passed to the container as PORT (so parallel runs cannot collide).
   */
  gatewayPort: number | null;
  /** Extra environment of the gateway container. JWT_SECRET always comes from the run's secret. */
  gatewayEnv: Record<string, string>;
  /** "host" (default): containers share the host's loopback. "bridge": a user network, ports published. */
  network: 'host' | 'bridge';
}

export type TargetPlan =
  | { kind: 'local'; gatewayCommand: string[] | null }
  /** healthCheck: the run starts only once GET /healthz answers 2xx (--skip-healthz turns it off). */
  | { kind: 'external'; url: string; healthCheck: boolean };

export interface RunPlan {
  runId: string;
  scenario: { name: string; description: string; file: string; profile: string | null };
  seed: number;
  clients: number;
  chatSize: number;
  chats: number;
  trafficMs: number;
  connectRate: number;
  sendIntervalMs: number;
  messageBytes: number;
  drainTimeoutMs: number;
  settleMs: number;
  reconnectToleranceMs: number;
  /** Auth probes, one per (kind, when); appended to the roster after the normal clients. Empty: no `auth` check. */
  authProbes: ProbeSpec[];
  policy: ClientPolicy;
  /** The gateway's wire protocol (harness/protocol, docs/protocols.md). Default "chat-v1". */
  protocol: ProtocolName;
  gateway: { pingIntervalMs: number; historyLimit: number };
  faults: FaultPlan[];
  /** Proxies the clients are spread over, round-robin (client c uses proxy c mod proxies). */
  proxies: number;
  thresholds: Record<string, Threshold[]>;
  target: TargetPlan;
  /** Absolute path of the client adapter module the fleet drives (--client); null: the reference client. */
  client: string | null;
  /** Where the gateway and Toxiproxy run. Default "local". */
  stack: StackKind;
  /** Set when stack is "testcontainers". */
  docker: DockerPlan | null;
  /** Fleet processes; each holds whole chats. */
  workers: number;
  /** Loopback source addresses the clients are spread over (--source-ips); empty: the kernel's choice. */
  sourceIps?: string[];
  /** Set by the preflight: how many Toxiproxy and gateway processes and proxies the run uses. */
  layout?: { toxiproxies: number; gatewayShards: number; proxies: number };
  /** Set by the preflight: the CPU the plan asks of this host (harness/preflight/cpu.ts), with its notes. */
  cpuEstimate?: CpuEstimate;
  /** --cpu-fit: a plan over the host's cores is said ("warn", the default) or refused before it starts ("refuse"). */
  cpuFit?: 'warn' | 'refuse';
  /** --cpu-costs: this host's measured CPU costs for the estimate; absent: the built-in ones (harness/preflight/cpu.ts). */
  cpuCosts?: CpuCosts;
  /** Test only (CHATSTORM_TEST_BLOCK_MS): each fleet worker blocks its event loop this long once a second. */
  testBlockMs?: number;
  reportDir: string;
  /** The --target host when it is not on this machine (allowed with --allow-remote); stated in the report. */
  remoteTarget?: string;
  /** Things the plan changed from what was asked, said on the console (e.g. chatSize cut to clients). */
  notes?: string[];
  /** HS256 secret tokens are minted with. Never written to a report. */
  jwtSecret: string;
  /** --shard i/n (or --shards n with JOB_COMPLETION_INDEX): this run is shard `index` of `count` and owns chat k when k mod count = index. null: the whole plan. */
  shard: ShardPlan | null;
  /** --start-at: the shared instant (epoch ms) traffic and the fault timeline start at; null: as soon as the clients are connected. */
  startAt: number | null;
}

/** The CPU a plan asks of its host, estimated by the preflight (harness/preflight/cpu.ts). */
export interface CpuEstimate {
  cores: number;
  /** The parts counted: the gateway only when it is the reference gateway on this host. */
  parts: ('fleet' | 'toxiproxy' | 'gateway')[];
  /** Why the gateway is not counted, when it is not. */
  gatewayNote: string | null;
  /** Where the unit costs come from: built in (the reference host) or a --cpu-costs file (absent in older plan.json). */
  costsFrom?: string;
  connect: { rate: number; cores: number; maxRate: number };
  traffic: { deliveriesPerSecond: number; cores: number; share: number; maxDeliveriesPerSecond: number };
  /** The largest dropping fault: its reconnects, their CPU and the shortest time they take on every core. */
  recovery: { fault: string; reconnects: number; coreSeconds: number; minSeconds: number } | null;
  /** One line per concern, for the console; empty when the plan fits the cores. */
  notes: string[];
  /** false when the traffic asks over the warning share of the cores or a fault's reconnects exceed recovery_time: what --cpu-fit refuse refuses. */
  fits: boolean;
}

export interface ShardPlan {
  index: number;
  count: number;
  /** sha256 of the plan every shard shares (everything but the shard index, run id and folder): merge refuses folders whose hashes differ. */
  planHash: string;
}

export interface RunOptions {
  scenarioFile: string;
  clients?: number;
  duration?: string;
  target?: string;
  gatewayCommand?: string[];
  jwtSecret?: string;
  reportRoot?: string;
  seed?: number;
  workers?: number;
  runId?: string;
  /** --client: a client adapter module, relative to the current directory. Default: the scenario's `client`, else none. */
  client?: string;
  /** A named profile of the scenario (e.g. "small"). */
  profile?: string;
  /** --protocol: the gateway's wire protocol. Default: the scenario's, else chat-v1. */
  protocol?: string;
  /** --stack: "local" or "testcontainers". Default: the scenario's, else "testcontainers" when gatewayImage is given, else "local". */
  stack?: string;
  gatewayImage?: string;
  gatewayPort?: number;
  /** --gateway-env, each "KEY=VALUE". */
  gatewayEnv?: string[];
  /** --docker-network: "host" or "bridge". Default "host". */
  dockerNetwork?: string;
  /** --source-ips: "127.0.0.2-127.0.0.9" or a comma list; clients are spread over them. */
  sourceIps?: string;
  /** --allow-remote: a --target outside loopback is allowed. Default false. */
  allowRemote?: boolean;
  /** --cpu-fit: "warn" (default) says a plan over the host's cores before it starts; "refuse" stops it (exit 64). */
  cpuFit?: string;
  /** --cpu-costs: a costs file measured on this host (npx node bench/stack.ts --write-costs); default: the built-in costs. */
  cpuCosts?: string;
  /** cpuCosts came from $CHATSTORM_CPU_COSTS, not the flag: errors name the variable. */
  cpuCostsFromEnv?: boolean;
  /** --skip-healthz: do not wait for a 2xx GET /healthz of the --target. Default false. */
  skipHealthz?: boolean;
  /** --shard "i/n". */
  shard?: string;
  /** --shards n: the index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job sets it). */
  shards?: number;
  /** The environment --shards reads JOB_COMPLETION_INDEX from. Default process.env. */
  env?: Record<string, string | undefined>;
  /** --start-at: an ISO 8601 time. */
  startAt?: string;
}

/** Hosts on this machine: all of 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export const DEFAULT_JWT_SECRET = DEFAULTS.jwtSecret;

export function validateScenario(raw: unknown, file: string): ScenarioDefinition {
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(`invalid scenario ${file}`, describeIssues(parsed.error));
  return parsed.data as ScenarioDefinition;
}

/** The scenario with a profile's overrides applied. */
export function applyProfile(s: ScenarioDefinition, name: string | undefined): ScenarioDefinition {
  if (name === undefined) return s;
  const profile = s.profiles?.[name];
  if (!profile) {
    const known = Object.keys(s.profiles ?? {});
    throw new ConfigError(`invalid run configuration`, [
      `--profile: scenario "${s.name}" has no profile "${name}" (${known.length ? `profiles: ${known.join(', ')}` : 'it defines none'})`,
    ]);
  }
  return {
    ...s,
    ...profile,
    policy: { ...s.policy, ...profile.policy, backoff: { ...s.policy?.backoff, ...profile.policy?.backoff } },
    gateway: { ...s.gateway, ...profile.gateway },
    profiles: s.profiles,
  };
}

/** Each resolver below reads its fields, fills in DEFAULTS, and adds what is wrong to `problems` ("field: value: why"). */
type Problems = string[];

function resolveChatSize(s: ScenarioDefinition, clients: number, notes: string[]): number {
  const asked = s.chatSize ?? DEFAULTS.chatSize;
  if (asked > clients) notes.push(`chatSize ${asked} is more than the ${clients} clients: one chat of ${clients}`);
  return Math.min(asked, clients);
}

/** The longest traffic phase (a guard against a typo, and within what one timer can wait: 2^31 ms). */
export const MAX_TRAFFIC_MS = 24 * 3_600_000;

function resolveTrafficMs(s: ScenarioDefinition, o: RunOptions, problems: Problems): number {
  const fromScenario = ms(s.duration, DEFAULTS.trafficMs);
  let trafficMs = fromScenario;
  if (o.duration !== undefined) {
    try {
      trafficMs = parseDuration(o.duration);
    } catch (e) {
      problems.push(`--duration: ${(e as Error).message}`);
      return fromScenario;
    }
  }
  const field = o.duration !== undefined ? '--duration' : 'duration';
  const given = o.duration ?? s.duration;
  if (trafficMs <= 0 || trafficMs > MAX_TRAFFIC_MS)
    problems.push(
      `${field}: the traffic phase must last more than 0 and at most 24h (got ${JSON.stringify(given)}, ${trafficMs} ms)`,
    );
  return trafficMs;
}

function resolvePolicy(p: PolicyInput = {}, problems: Problems): ClientPolicy {
  const d = DEFAULTS.policy;
  const policy: ClientPolicy = {
    connectTimeoutMs: ms(p.connectTimeout, d.connectTimeoutMs),
    backoff: {
      initialMs: ms(p.backoff?.initial, d.backoff.initialMs),
      maxMs: ms(p.backoff?.max, d.backoff.maxMs),
      multiplier: p.backoff?.multiplier ?? d.backoff.multiplier,
      jitter: p.backoff?.jitter ?? d.backoff.jitter,
    },
    maxAttempts: p.maxAttempts ?? d.maxAttempts,
    resetOnOpen: p.resetOnOpen ?? d.resetOnOpen,
    heartbeat: p.heartbeat
      ? { intervalMs: parseDuration(p.heartbeat.interval), deadAfterMs: parseDuration(p.heartbeat.deadAfter) }
      : d.heartbeat,
    ackTimeoutMs: p.ackTimeout ? parseDuration(p.ackTimeout) : d.ackTimeoutMs,
    resume: p.resume ?? d.resume,
  };
  if (policy.backoff.initialMs > policy.backoff.maxMs) {
    problems.push(
      `policy.backoff.initial: ${policy.backoff.initialMs}ms is above policy.backoff.max ${policy.backoff.maxMs}ms`,
    );
  }
  return policy;
}

/** The codec named by --protocol or the scenario (undefined when unknown), and whether it can express the policy. */
function resolveProtocol(
  name: string,
  field: string,
  policy: ClientPolicy,
  problems: Problems,
): ProtocolInfo | undefined {
  const protocol = PROTOCOLS[name];
  if (!protocol) problems.push(`${field}: unknown protocol "${name}" (known: ${Object.keys(PROTOCOLS).join(', ')})`);
  else problems.push(...protocol.policyProblems(policy).map((p) => `${p} (protocol ${name})`));
  return protocol;
}

/** Each fault entry as a plan: ids "cut#1", "cut#2"…, timing in ms, its params from its own module, its own checks. */
function resolveFaults(entries: FaultInput[] = [], trafficMs: number, o: RunOptions, problems: Problems): FaultPlan[] {
  const counters = new Map<string, number>();
  return entries.map((f, i) => {
    const fault = FAULTS[f.type];
    const n = (counters.get(f.type) ?? 0) + 1;
    counters.set(f.type, n);
    const fraction = 'fraction' in f ? (f.fraction ?? DEFAULTS.faultFraction) : DEFAULTS.faultFraction;
    const plan: FaultPlan = {
      id: `${f.type}#${n}`,
      type: f.type,
      atMs: parseDuration(f.at),
      durationMs: parseDuration(f.duration),
      fraction,
      params: fault.params(f),
    };
    if (plan.atMs + plan.durationMs > trafficMs) {
      problems.push(
        `faults[${i}]: ends at ${plan.atMs + plan.durationMs}ms, after the traffic phase (duration ${trafficMs}ms)`,
      );
    }
    problems.push(...(fault.problems?.(plan, { path: `faults[${i}]`, target: o.target }) ?? []));
    return plan;
  });
}

function resolveThresholds(input: ScenarioDefinition['thresholds']): Record<string, Threshold[]> {
  const thresholds: Record<string, Threshold[]> = {};
  for (const [metric, exprs] of Object.entries(input ?? DEFAULTS.thresholds))
    thresholds[metric] = (exprs ?? []).map(parseThreshold);
  return thresholds;
}

function resolveTarget(
  o: RunOptions,
  clients: number,
  problems: Problems,
): { target: TargetPlan; remoteTarget?: string } {
  if (o.target === undefined) {
    if (o.allowRemote) problems.push('--allow-remote only applies with --target');
    if (o.skipHealthz)
      problems.push('--skip-healthz only applies with --target (a gateway chatstorm starts must answer /healthz)');
    return { target: { kind: 'local', gatewayCommand: o.gatewayCommand ?? null } };
  }
  let url: URL | undefined;
  try {
    url = new URL(o.target);
  } catch {
    problems.push(`--target: not a URL: "${o.target}" (expected e.g. ws://127.0.0.1:8083)`);
    return { target: { kind: 'local', gatewayCommand: o.gatewayCommand ?? null } };
  }
  let remoteTarget: string | undefined;
  if (url.protocol !== 'ws:')
    problems.push(
      `--target: "${o.target}" must be a ws:// URL (Toxiproxy forwards TCP; wss would need the proxy to terminate TLS)`,
    );
  if (o.gatewayCommand) problems.push(`--target and --gateway-cmd exclude each other (got --target ${o.target})`);
  // Only the origin is used: the client builds /api/v1/chats/{chatId}/ws?token=… itself. Anything
  // more would be dropped without a word, so it is refused.
  const extra = [
    url.pathname !== '' && url.pathname !== '/' ? `a path "${url.pathname}"` : '',
    url.search ? `a query "${url.search}"` : '',
    url.hash ? `a fragment "${url.hash}"` : '',
    url.username || url.password ? 'credentials' : '',
  ].filter(Boolean);
  if (extra.length)
    problems.push(
      `--target: "${o.target}" has ${extra.join(', ')}: give the gateway's origin only, e.g. ws://${url.host} (the client adds /api/v1/chats/{chatId}/ws and the token itself)`,
    );
  if (url.port === '0') problems.push(`--target: "${o.target}": port 0 is no port to connect to`);
  if (url.protocol === 'ws:' && !isLoopbackHost(url.hostname)) {
    // Thousands of sockets and cut networks, aimed at another machine by a typo: only on purpose.
    if (o.allowRemote) remoteTarget = url.host;
    else
      problems.push(
        `--target: "${o.target}" is not on this machine (${url.hostname} is not loopback); chatstorm would open ${clients} sockets to it: pass --allow-remote to test a remote gateway`,
      );
  }
  return {
    target: { kind: 'external', url: `ws://${url.host}`, healthCheck: !o.skipHealthz },
    ...(remoteTarget ? { remoteTarget } : {}),
  };
}

function resolveDocker(o: RunOptions, problems: Problems): DockerPlan {
  if (o.target !== undefined)
    problems.push(
      `--target and --stack testcontainers exclude each other (got --target ${o.target}): with --target, the gateway is already running`,
    );
  if (o.gatewayCommand)
    problems.push(
      `--gateway-cmd starts a local process; with --stack testcontainers name an image with --gateway-image (got --gateway-cmd ${o.gatewayCommand.join(' ')})`,
    );
  const gatewayEnv: Record<string, string> = {};
  for (const kv of o.gatewayEnv ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(kv);
    if (!m) problems.push(`--gateway-env: expected KEY=VALUE with KEY a variable name (got "${kv}")`);
    // The value may be a secret: it is not repeated in the message.
    else if (m[1] === 'JWT_SECRET')
      problems.push('--gateway-env: JWT_SECRET is always set from --jwt-secret (got JWT_SECRET=…); use --jwt-secret');
    else gatewayEnv[m[1]] = m[2];
  }
  if (o.gatewayImage !== undefined && !/^[^\s]+$/.test(o.gatewayImage))
    problems.push(`--gateway-image: expected an image reference such as registry/name:tag (got "${o.gatewayImage}")`);
  if (o.gatewayPort !== undefined && (!Number.isInteger(o.gatewayPort) || o.gatewayPort < 1 || o.gatewayPort > 65_535))
    problems.push(`--gateway-port: expected a port number 1-65535 (got ${o.gatewayPort})`);
  const network = o.dockerNetwork ?? DEFAULTS.dockerNetwork;
  if (network !== 'host' && network !== 'bridge')
    problems.push(`--docker-network: expected "host" or "bridge" (got "${o.dockerNetwork}")`);
  return {
    gatewayImage: o.gatewayImage ?? null,
    gatewayPort: o.gatewayPort ?? null,
    gatewayEnv,
    network: network as DockerPlan['network'],
  };
}

function resolveStack(
  s: ScenarioDefinition,
  o: RunOptions,
  problems: Problems,
): { stack: StackKind; docker: DockerPlan | null } {
  const stack = (o.stack ?? s.stack ?? (o.gatewayImage !== undefined ? 'testcontainers' : DEFAULTS.stack)) as StackKind;
  if (stack === 'testcontainers') return { stack, docker: resolveDocker(o, problems) };
  if (stack !== 'local') problems.push(`--stack: expected "local" or "testcontainers" (got "${o.stack}")`);
  else {
    const dockerOnly = [
      ['--gateway-image', o.gatewayImage],
      ['--gateway-port', o.gatewayPort],
      ['--gateway-env', o.gatewayEnv?.length ? o.gatewayEnv : undefined],
      ['--docker-network', o.dockerNetwork],
    ] as const;
    for (const [flag, value] of dockerOnly)
      if (value !== undefined)
        problems.push(
          `${flag} only applies with --stack testcontainers (the stack is local${o.stack ? '' : ', the default'})`,
        );
  }
  return { stack, docker: null };
}

/** --seed, --clients and --run-id as given on the command line. */
function checkOptions(o: RunOptions, seed: number, problems: Problems): void {
  // The generators take 32 bits (random.ts): a larger seed would repeat a smaller one's traffic.
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
    problems.push(`--seed: expected an integer from 0 to 4294967295 (got ${o.seed})`);
  if (o.clients !== undefined) {
    const r = clientsField.safeParse(o.clients);
    if (!r.success) problems.push(`--clients: ${r.error.issues[0].message} (got ${o.clients})`);
  }
  const runId = o.runId === undefined ? null : runIdProblem(o.runId);
  if (runId) problems.push(runId);
}

/** The longest --run-id, in bytes: a folder name (255 bytes at most on Linux), with room for a "-99" suffix. */
export const RUN_ID_MAX_BYTES = 200;

/**
 * What is wrong with a --run-id (run, capacity, sweep), or null: a folder name, never a path — a
 * run must not write outside --report-dir, nor over `latest` — and short enough to be one.
 */
export function runIdProblem(runId: string): string | null {
  if (!/^[^/\\\0]+$/.test(runId) || runId === '.' || runId === '..' || runId === 'latest')
    return `--run-id: expected a folder name (no "/" or "\\", not ".", ".." or "latest") (got "${runId}")`;
  const bytes = Buffer.byteLength(runId);
  if (bytes > RUN_ID_MAX_BYTES)
    return `--run-id: at most ${RUN_ID_MAX_BYTES} bytes, a folder name (got ${bytes}: "${runId.slice(0, 40)}…")`;
  return null;
}

function resolveSourceIps(o: RunOptions, problems: Problems): string[] {
  if (o.sourceIps === undefined) return [];
  try {
    return parseSourceIps(o.sourceIps);
  } catch (e) {
    problems.push(`--source-ips: ${(e as Error).message}`);
    return [];
  }
}

/** The client adapter module, as an absolute path; null: the reference client. */
function resolveClient(s: ScenarioDefinition, o: RunOptions, problems: Problems): string | null {
  const clientModule = o.client ?? s.client;
  if (clientModule === undefined) return null;
  const client = resolvePath(clientModule);
  if (!existsSync(client))
    problems.push(
      `${o.client !== undefined ? '--client' : 'client'}: no such module: "${clientModule}" (paths are resolved against the current directory, ${process.cwd()})`,
    );
  return client;
}

function resolveCpuCosts(o: RunOptions, problems: Problems): CpuCosts | null {
  if (o.cpuCosts === undefined) return null;
  try {
    return loadCpuCosts(o.cpuCosts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const from = o.cpuCostsFromEnv ? '$CHATSTORM_CPU_COSTS' : '--cpu-costs';
    problems.push(...err.problems.map((p) => `${from} ${o.cpuCosts}: ${p}`));
    return null;
  }
}

function resolveStartAt(o: RunOptions, problems: Problems): number | null {
  if (o.startAt === undefined) return null;
  // Date.parse takes far more than ISO 8601; a shared instant must not depend on a local time zone.
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(o.startAt) ||
    Number.isNaN(Date.parse(o.startAt))
  ) {
    problems.push(`--start-at: expected an ISO 8601 time with a zone, e.g. 2026-11-30T18:40:00Z (got "${o.startAt}")`);
    return null;
  }
  // Date.parse rolls a day past the month's end over (2026-02-30 is 2 March): a typo, refused.
  const [, y, mo, d, h, mi, sec] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(o.startAt)!.map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || (sec || 0) > 59) {
    problems.push(
      `--start-at: no such time: "${o.startAt}" (a month has 1–12, its days, hours 0–23, minutes and seconds 0–59)`,
    );
    return null;
  }
  return Date.parse(o.startAt);
}

/** How far ahead --start-at may be: one run's shared instant, not a schedule (and what one timer can wait). */
export const MAX_START_AHEAD_MS = 24 * 3_600_000;

/**
 * A --start-at too far ahead to be one run's shared instant, or null. Checked when a run is about
 * to start (the CLI), not in resolvePlan: a plan is the same whenever it is resolved.
 */
export function startAtProblem(plan: Pick<RunPlan, 'startAt'>, now = Date.now()): string | null {
  if (plan.startAt === undefined || plan.startAt === null || plan.startAt <= now + MAX_START_AHEAD_MS) return null;
  return `--start-at: at most 24h from now (got ${new Date(plan.startAt).toISOString()}, ${((plan.startAt - now) / 3_600_000).toFixed(1)} h ahead): the shards of one run start together, within a day`;
}

export function resolvePlan(scenario: ScenarioDefinition, o: RunOptions): RunPlan {
  const s = applyProfile(scenario, o.profile);
  const problems: Problems = [];
  const notes: string[] = [];
  const clients = o.clients ?? s.clients ?? DEFAULTS.clients;
  const chatSize = resolveChatSize(s, clients, notes);
  const trafficMs = resolveTrafficMs(s, o, problems);
  const policy = resolvePolicy(s.policy, problems);
  const protocolName = o.protocol ?? s.protocol ?? DEFAULTS.protocol;
  const protocol = resolveProtocol(
    protocolName,
    o.protocol !== undefined ? '--protocol' : 'protocol',
    policy,
    problems,
  );
  const faults = resolveFaults(s.faults, trafficMs, o, problems);
  const proxies = s.proxies ?? (faults.some((f) => f.fraction < 1) ? DEFAULTS.proxiesForFractions : DEFAULTS.proxies);
  const thresholds = resolveThresholds(s.thresholds);
  const { target, remoteTarget } = resolveTarget(o, clients, problems);
  const { stack, docker } = resolveStack(s, o, problems);
  const seed = o.seed ?? DEFAULTS.seed;
  checkOptions(o, seed, problems);
  const sourceIps = resolveSourceIps(o, problems);
  if (o.cpuFit !== undefined && o.cpuFit !== 'warn' && o.cpuFit !== 'refuse')
    problems.push(`--cpu-fit: expected "warn" or "refuse" (got "${o.cpuFit}")`);
  const cpuCosts = resolveCpuCosts(o, problems);
  const testBlockMs = Number(process.env.CHATSTORM_TEST_BLOCK_MS ?? 0) || 0;
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1))
    problems.push(`--workers: expected a positive integer (got ${o.workers})`);
  const client = resolveClient(s, o, problems);
  const authProbes = resolveAuthProbes(
    s.authProbes,
    faults,
    problems,
    (protocol ?? PROTOCOLS[DEFAULTS.protocol]).refusals,
  );
  // An adapter builds its own URLs from one token: it cannot switch to a bad one on reconnect.
  if (client !== null && authProbes.some((p) => p.when === 'reconnect' && p.kind !== 'expires-before-reconnect')) {
    problems.push(
      `authProbes: reconnect probes switch tokens inside the reference client and cannot run with a client adapter (${o.client !== undefined ? '--client' : 'client'} ${o.client ?? s.client}); use when: "first-connect" (and expires-before-reconnect)`,
    );
  }
  const chats = Math.ceil(clients / chatSize);
  const shard = resolveShard(o, chats, problems);
  // What this host opens: the whole run, or this shard's share of it. The per-host cap is about that.
  const hostClients = shardShare({ clients, chatSize, chats, authProbes: [], shard }).clients;
  if (hostClients > MAX_CLIENTS_PER_HOST)
    problems.push(
      perHostCap(o.clients !== undefined ? '--clients' : 'clients', clients, chatSize, chats, shard, hostClients),
    );
  // A shard sizes its fleet by its own share (the layout of a host is not part of the plan's hash).
  const workers = o.workers ?? Math.max(1, Math.ceil(hostClients / DEFAULTS.clientsPerWorker));
  const startAt = resolveStartAt(o, problems);
  if (problems.length) throw new ConfigError(`invalid run configuration for ${o.scenarioFile}`, problems);

  // Shards of one run start together: each folder's default name says which shard it is.
  const runId =
    o.runId ??
    `${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}-${s.name}${o.profile ? `-${o.profile}` : ''}${shard ? `-shard-${shard.index}-of-${shard.count}` : ''}`;
  const root = o.reportRoot ?? DEFAULTS.reportRoot;
  const plan: RunPlan = {
    runId,
    scenario: { name: s.name, description: s.description ?? '', file: o.scenarioFile, profile: o.profile ?? null },
    seed,
    clients,
    chatSize,
    chats,
    trafficMs,
    connectRate: s.connectRate ?? DEFAULTS.connectRate,
    sendIntervalMs: ms(s.sendInterval, DEFAULTS.sendIntervalMs),
    messageBytes: s.messageBytes ?? DEFAULTS.messageBytes,
    drainTimeoutMs: ms(s.drainTimeout, DEFAULTS.drainTimeoutMs),
    settleMs: ms(s.settle, DEFAULTS.settleMs),
    reconnectToleranceMs: ms(s.reconnectTolerance, DEFAULTS.reconnectToleranceMs),
    authProbes,
    policy,
    protocol: protocolName as ProtocolName,
    gateway: {
      pingIntervalMs: ms(s.gateway?.pingInterval, DEFAULTS.gateway.pingIntervalMs),
      historyLimit: s.gateway?.historyLimit ?? DEFAULTS.gateway.historyLimit,
    },
    faults,
    proxies,
    thresholds,
    target,
    client,
    stack,
    docker,
    workers: Math.min(workers, chats),
    sourceIps,
    ...(o.cpuFit === 'refuse' ? { cpuFit: 'refuse' as const } : {}),
    ...(cpuCosts ? { cpuCosts } : {}),
    ...(testBlockMs > 0 ? { testBlockMs } : {}),
    reportDir: `${root}/${runId}`,
    ...(remoteTarget ? { remoteTarget } : {}),
    ...(notes.length ? { notes } : {}),
    jwtSecret: o.jwtSecret ?? DEFAULTS.jwtSecret,
    shard: null,
    startAt,
  };
  if (shard) plan.shard = { ...shard, planHash: planHash({ ...plan, shard: { ...shard, planHash: '' } }) };
  return plan;
}

/**
 * The hash every shard of one run shares: the public plan without what differs between shards
 * (index, run id, folder, source address, and how many fleet processes a host spreads its share
 * over: the traffic and the jitter derive from the run-wide client index, never from the layout). Same scenario, options, seed and start: same hash.
 */
export function planHash(plan: RunPlan): string {
  const {
    runId: _r,
    reportDir: _d,
    shard,
    sourceIps: _s,
    layout: _l,
    cpuEstimate: _c,
    cpuFit: _f,
    cpuCosts: _cc,
    workers: _w,
    jwtSecret: _j,
    client,
    scenario,
    ...shared
  } = plan;
  // Paths differ between hosts and pods; the scenario's name and profile do not.
  const canonical = {
    ...shared,
    scenario: { name: scenario.name, profile: scenario.profile },
    client: client ? basename(client) : null,
    shards: shard?.count ?? null,
  };
  return createHash('sha256').update(stableJson(canonical)).digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** --shard i/n, or --shards n with the index from JOB_COMPLETION_INDEX. */
/**
 * What one shard of the plan holds: the clients of the chats k with k mod n = i, and the auth
 * probes that join them (probe j joins chat j mod chats), as auth/roster.ts builds it. The whole
 * plan when it is not sharded. The preflight sizes a shard to its host by this share.
 */
export function shardShare(
  plan: Pick<RunPlan, 'clients' | 'chatSize' | 'chats' | 'authProbes'> & {
    shard: Pick<ShardPlan, 'index' | 'count'> | null;
  },
): { clients: number; probes: number } {
  const probes = plan.authProbes?.length ?? 0;
  if (!plan.shard) return { clients: plan.clients, probes };
  const { index, count } = plan.shard;
  // Chats index, index + count, … below chats: all full but the last chat of the run, which
  // holds what is left (counted, not looped: a 10,000,000-client plan is checked at once).
  const owned = index < plan.chats ? Math.floor((plan.chats - 1 - index) / count) + 1 : 0;
  const lastOwned = (plan.chats - 1) % count === index;
  const clients = owned * plan.chatSize - (lastOwned ? plan.chats * plan.chatSize - plan.clients : 0);
  let own = 0;
  for (let j = 0; j < probes; j++) if ((j % plan.chats) % count === index) own++;
  return { clients, probes: own };
}

/**
 * The per-host cap's refusal: the field and its value, what this host would hold, and the remedy —
 * the smallest shard count at which every shard's share fits (shard 0 holds the most).
 */
function perHostCap(
  field: string,
  clients: number,
  chatSize: number,
  chats: number,
  shard: { index: number; count: number } | null,
  hostClients: number,
): string {
  const largest = (count: number) =>
    shardShare({ clients, chatSize, chats, authProbes: [], shard: { index: 0, count } }).clients;
  let n = Math.max(2, Math.ceil(clients / MAX_CLIENTS_PER_HOST));
  while (n < chats && largest(n) > MAX_CLIENTS_PER_HOST) n++;
  const cap = MAX_CLIENTS_PER_HOST.toLocaleString('en');
  const where = shard
    ? `shard ${shard.index}/${shard.count} would hold ${hostClients.toLocaleString('en')} of them`
    : 'one host would hold them all';
  return `${field}: ${clients.toLocaleString('en')} clients, and ${where}: above the cap of ${cap} clients per host; split the run over ${shard ? 'more ' : ''}shards: --shards ${n} or more (run each with --shard <i>/${n}; the largest share is then ${largest(n).toLocaleString('en')})`;
}

function resolveShard(o: RunOptions, chats: number, problems: string[]): { index: number; count: number } | null {
  if (o.shard !== undefined && o.shards !== undefined) {
    problems.push(`--shard and --shards exclude each other (got --shard ${o.shard} and --shards ${o.shards})`);
    return null;
  }
  let index: number;
  let count: number;
  if (o.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(o.shard);
    if (!m) {
      problems.push(`--shard: expected <index>/<count> with 0 <= index < count, e.g. 0/3 (got "${o.shard}")`);
      return null;
    }
    [index, count] = [Number(m[1]), Number(m[2])];
    if (count < 1 || index >= count) {
      problems.push(`--shard: expected <index>/<count> with 0 <= index < count, e.g. 0/3 (got "${o.shard}")`);
      return null;
    }
  } else if (o.shards !== undefined) {
    count = o.shards;
    if (!Number.isInteger(count) || count < 1) {
      problems.push(`--shards: expected a positive integer (got ${o.shards})`);
      return null;
    }
    const raw = (o.env ?? process.env).JOB_COMPLETION_INDEX;
    if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) >= count) {
      problems.push(
        `--shards ${count}: the shard index comes from JOB_COMPLETION_INDEX, which must be an integer 0..${count - 1} (got ${raw === undefined ? 'nothing: it is not set' : `"${raw}"`}); outside a Kubernetes Indexed Job use --shard <index>/${count}`,
      );
      return null;
    }
    index = Number(raw);
  } else return null;
  if (count > chats)
    problems.push(
      `--shard${o.shards !== undefined ? 's' : ''}: ${count} shards but only ${chats} chats; a shard owns whole chats, so at most ${chats} shards`,
    );
  return { index, count };
}

/** One probe per (kind, when), in the order given; "all" is every kind, both ways where that means something. */
function resolveAuthProbes(
  input: ScenarioDefinition['authProbes'],
  faults: FaultPlan[],
  problems: string[],
  refusals: Refusals,
): ProbeSpec[] {
  if (input === undefined) return [];
  const list: AuthProbeInput[] = input === 'all' ? AUTH_PROBE_KINDS.map((kind) => ({ kind })) : input;
  const out: ProbeSpec[] = [];
  list.forEach((p, i) => {
    const expiring = p.kind === 'expires-before-reconnect';
    if (expiring && p.when !== undefined && p.when !== 'reconnect') {
      problems.push(`authProbes[${i}].when: expires-before-reconnect is presented on reconnect only (got "${p.when}")`);
    }
    if (!expiring && p.ttl !== undefined)
      problems.push(
        `authProbes[${i}].ttl: only expires-before-reconnect takes a ttl (got ${JSON.stringify(p.ttl)} for "${p.kind}")`,
      );
    const when = expiring
      ? ['reconnect' as const]
      : p.when === 'both' || p.when === undefined
        ? (['first-connect', 'reconnect'] as const)
        : [p.when];
    const expect = p.kind === 'wrong-chat' ? refusals.forbidden : refusals.unauthorized;
    for (const w of when)
      out.push({ kind: p.kind, when: w, expect, ...(expiring ? { ttlMs: ms(p.ttl, DEFAULTS.probeTtlMs) } : {}) });
  });
  // Faults that drop every connection they reach, so that a reconnect probe gets to reconnect.
  const dropping = faults.filter((f) => FAULTS[f.type].drops && f.fraction === 1);
  if (out.some((p) => p.when === 'reconnect') && dropping.length === 0) {
    const kinds = FAULT_LIST.filter((f) => f.drops).map((f) => f.type);
    problems.push(
      `authProbes: reconnect probes need a fault that drops every connection (${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}, fraction 1); the scenario has none`,
    );
  }
  for (const p of out) {
    if (p.ttlMs !== undefined && dropping.length > 0 && !dropping.some((f) => f.atMs >= p.ttlMs!)) {
      problems.push(
        `authProbes: the expires-before-reconnect token lives ${p.ttlMs}ms, but every fault that drops connections starts before that (first at ${Math.min(...dropping.map((f) => f.atMs))}ms): the reconnect would still find it valid`,
      );
    }
  }
  return out;
}

/** The plan as it may be written to a report: the secret is redacted. */
export function publicPlan(plan: RunPlan): Omit<RunPlan, 'jwtSecret'> & { jwtSecret: string } {
  // Container environment often carries credentials: its keys are kept, its values are not.
  const docker = plan.docker && {
    ...plan.docker,
    gatewayEnv: Object.fromEntries(Object.keys(plan.docker.gatewayEnv).map((k) => [k, '(redacted)'])),
  };
  return { ...plan, docker, jwtSecret: '(redacted)' };
}
