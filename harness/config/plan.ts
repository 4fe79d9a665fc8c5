/**
 * Resolution of a scenario plus command-line options into a RunPlan: every default filled in,
 * every duration in milliseconds, every threshold parsed. Everything downstream reads the plan,
 * never the scenario file.
 */
import { DEFAULT_POLICY, type ClientPolicy } from '../client/policy.ts';
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import type { FaultInput, ScenarioDefinition } from './scenario.ts';
import { scenarioSchema, describeIssues } from './schema.ts';
import { parseThreshold, type Threshold } from './threshold.ts';

export type FaultType = FaultInput['type'];

export interface FaultPlan {
  /** Stable id within the run: "cut#1". */
  id: string;
  type: FaultType;
  /** Offset from the start of the traffic phase. */
  atMs: number;
  durationMs: number;
  /** Share of the proxies (and so of the clients) the fault acts on, in (0, 1]. */
  fraction: number;
  /** The fault's own parameters, in Toxiproxy's units (ms, KB/s, bytes; slicer delay in µs). */
  params: Record<string, number | string>;
}

export type TargetPlan =
  | { kind: 'local'; gatewayCommand: string[] | null }
  | { kind: 'external'; url: string };

export interface RunPlan {
  runId: string;
  scenario: { name: string; description: string; file: string };
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
  policy: ClientPolicy;
  gateway: { pingIntervalMs: number; historyLimit: number };
  faults: FaultPlan[];
  /** Proxies the clients are spread over, round-robin (client c uses proxy c mod proxies). */
  proxies: number;
  thresholds: Record<string, Threshold[]>;
  target: TargetPlan;
  /** Fleet processes; each holds whole chats. */
  workers: number;
  reportDir: string;
  /** HS256 secret tokens are minted with. Never written to a report. */
  jwtSecret: string;
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
}

export const DEFAULT_JWT_SECRET = 'chatstorm-dev-secret-change-me';

/** Toxiproxy attributes of a fault, durations turned into numbers. */
function faultParams(f: FaultInput): Record<string, number | string> {
  const d = (v: string | number | undefined, fallback = 0) => (v === undefined ? fallback : parseDuration(v));
  const stream = 'stream' in f ? (f.stream ?? 'both') : 'both';
  switch (f.type) {
    case 'cut':
    case 'blackhole':
    case 'gateway-restart':
      return {};
    case 'latency': return { latency: d(f.latency), jitter: d(f.jitter), stream };
    case 'bandwidth': return { rate: f.rate, stream };
    case 'reset_peer': return { timeout: d(f.timeout), stream };
    // Toxiproxy's slicer delay is in microseconds.
    case 'slicer': return { average_size: f.averageSize, size_variation: f.sizeVariation ?? 0, delay: d(f.delay) * 1000, stream };
    case 'limit_data': return { bytes: f.bytes, stream };
    case 'slow_close': return { delay: d(f.delay), stream };
    case 'flapping': return { periodMs: d(f.period), downMs: d(f.down) };
  }
}

export function validateScenario(raw: unknown, file: string): ScenarioDefinition {
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(`invalid scenario ${file}`, describeIssues(parsed.error));
  return parsed.data as ScenarioDefinition;
}

function ms(v: string | number | undefined, fallback: number): number {
  return v === undefined ? fallback : parseDuration(v);
}

export function resolvePlan(s: ScenarioDefinition, o: RunOptions): RunPlan {
  const problems: string[] = [];
  const clients = o.clients ?? s.clients ?? 1_000;
  const chatSize = Math.min(s.chatSize ?? 10, clients);
  let trafficMs = ms(s.duration, 30_000);
  if (o.duration !== undefined) {
    try {
      trafficMs = parseDuration(o.duration);
    } catch (e) {
      problems.push(`--duration: ${(e as Error).message}`);
    }
  }
  const p = s.policy ?? {};
  const policy: ClientPolicy = {
    connectTimeoutMs: ms(p.connectTimeout, DEFAULT_POLICY.connectTimeoutMs),
    backoff: {
      initialMs: ms(p.backoff?.initial, DEFAULT_POLICY.backoff.initialMs),
      maxMs: ms(p.backoff?.max, DEFAULT_POLICY.backoff.maxMs),
      multiplier: p.backoff?.multiplier ?? DEFAULT_POLICY.backoff.multiplier,
      jitter: p.backoff?.jitter ?? DEFAULT_POLICY.backoff.jitter,
    },
    maxAttempts: p.maxAttempts ?? DEFAULT_POLICY.maxAttempts,
    resetOnOpen: p.resetOnOpen ?? DEFAULT_POLICY.resetOnOpen,
    heartbeat: p.heartbeat ? { intervalMs: parseDuration(p.heartbeat.interval), deadAfterMs: parseDuration(p.heartbeat.deadAfter) } : null,
    ackTimeoutMs: p.ackTimeout ? parseDuration(p.ackTimeout) : null,
    resume: p.resume ?? DEFAULT_POLICY.resume,
  };
  if (policy.backoff.initialMs > policy.backoff.maxMs) {
    problems.push(`policy.backoff.initial: ${policy.backoff.initialMs}ms is above policy.backoff.max ${policy.backoff.maxMs}ms`);
  }
  const counters = new Map<string, number>();
  const faults: FaultPlan[] = (s.faults ?? []).map((f, i) => {
    const n = (counters.get(f.type) ?? 0) + 1;
    counters.set(f.type, n);
    const plan: FaultPlan = { id: `${f.type}#${n}`, type: f.type, atMs: parseDuration(f.at), durationMs: parseDuration(f.duration), fraction: 'fraction' in f ? (f.fraction ?? 1) : 1, params: faultParams(f) };
    if (plan.atMs + plan.durationMs > trafficMs) {
      problems.push(`faults[${i}]: ends at ${plan.atMs + plan.durationMs}ms, after the traffic phase (duration ${trafficMs}ms)`);
    }
    if (f.type === 'flapping' && Number(plan.params.downMs) >= Number(plan.params.periodMs)) {
      problems.push(`faults[${i}].down: ${plan.params.downMs}ms must be shorter than faults[${i}].period ${plan.params.periodMs}ms`);
    }
    if (f.type === 'gateway-restart' && (o.target !== undefined)) {
      problems.push(`faults[${i}]: gateway-restart needs a gateway chatstorm starts (not --target ${o.target})`);
    }
    return plan;
  });
  const proxies = s.proxies ?? (faults.some((f) => f.fraction < 1) ? 10 : 1);
  const thresholds: Record<string, Threshold[]> = {};
  for (const [metric, exprs] of Object.entries(s.thresholds ?? { delivery_latency: ['p(99)<500'] })) {
    thresholds[metric] = (exprs ?? []).map(parseThreshold);
  }
  let target: TargetPlan = { kind: 'local', gatewayCommand: o.gatewayCommand ?? null };
  if (o.target !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(o.target);
    } catch {
      problems.push(`--target: not a URL: "${o.target}" (expected e.g. ws://127.0.0.1:8083)`);
    }
    if (url && url.protocol !== 'ws:') problems.push(`--target: "${o.target}" must be a ws:// URL (Toxiproxy forwards TCP; wss would need the proxy to terminate TLS)`);
    if (url && o.gatewayCommand) problems.push(`--target and --gateway-cmd exclude each other (got --target ${o.target})`);
    if (url) target = { kind: 'external', url: `ws://${url.host}` };
  }
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0) problems.push(`--seed: expected a non-negative integer (got ${o.seed})`);
  if (o.clients !== undefined && (!Number.isInteger(o.clients) || o.clients <= 0)) problems.push(`--clients: expected a positive integer (got ${o.clients})`);
  const workers = o.workers ?? Math.max(1, Math.ceil(clients / 4_000));
  if (!Number.isInteger(workers) || workers < 1) problems.push(`--workers: expected a positive integer (got ${o.workers})`);
  if (problems.length) throw new ConfigError(`invalid run configuration for ${o.scenarioFile}`, problems);

  const chats = Math.ceil(clients / chatSize);
  const runId = o.runId ?? `${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}-${s.name}`;
  const root = o.reportRoot ?? 'reports';
  return {
    runId,
    scenario: { name: s.name, description: s.description ?? '', file: o.scenarioFile },
    seed,
    clients,
    chatSize,
    chats,
    trafficMs,
    connectRate: s.connectRate ?? 500,
    sendIntervalMs: ms(s.sendInterval, 5_000),
    messageBytes: s.messageBytes ?? 64,
    drainTimeoutMs: ms(s.drainTimeout, 60_000),
    settleMs: ms(s.settle, 2_000),
    reconnectToleranceMs: ms(s.reconnectTolerance, 250),
    policy,
    gateway: { pingIntervalMs: ms(s.gateway?.pingInterval, 30_000), historyLimit: s.gateway?.historyLimit ?? 10_000 },
    faults,
    proxies,
    thresholds,
    target,
    workers: Math.min(workers, chats),
    reportDir: `${root}/${runId}`,
    jwtSecret: o.jwtSecret ?? DEFAULT_JWT_SECRET,
  };
}

/** The plan as it may be written to a report: the secret is redacted. */
export function publicPlan(plan: RunPlan): Omit<RunPlan, 'jwtSecret'> & { jwtSecret: string } {
  return { ...plan, jwtSecret: '(redacted)' };
}
