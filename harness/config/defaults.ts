/**
 * Every default of a run, in one place: what resolvePlan (plan.ts) fills in for a field the
 * scenario and the command line leave out. Durations in milliseconds. The client policy's defaults
 * are the product's (policy/policy.ts); each fault's parameter defaults live in its own file (faults/).
 */
import { DEFAULT_POLICY } from '../policy/policy.ts';
import { DEFAULT_PROTOCOL } from '../protocol/index.ts';

export const DEFAULTS = Object.freeze({
  clients: 1_000,
  chatSize: 10,
  trafficMs: 30_000,
  connectRate: 500,
  sendIntervalMs: 5_000,
  messageBytes: 64,
  drainTimeoutMs: 60_000,
  settleMs: 2_000,
  reconnectToleranceMs: 250,
  policy: DEFAULT_POLICY,
  protocol: DEFAULT_PROTOCOL,
  gateway: Object.freeze({ pingIntervalMs: 30_000, historyLimit: 10_000 }),
  thresholds: Object.freeze({ delivery_latency: Object.freeze(['p(99)<500']) }) as Readonly<
    Record<string, readonly string[]>
  >,
  /** Proxies: one, or this many when a fault acts on a fraction of the clients. */
  proxies: 1,
  proxiesForFractions: 10,
  /** A fault's share of the proxies when it has no `fraction`. */
  faultFraction: 1,
  stack: 'local',
  dockerNetwork: 'host',
  seed: 1,
  /** 10,000 sockets a process: few processes keep the fleet's base memory small per socket. */
  clientsPerWorker: 10_000,
  /** expires-before-reconnect: the token's lifetime. */
  probeTtlMs: 5_000,
  reportRoot: 'reports',
  jwtSecret: 'chatstorm-dev-secret-change-me',
} as const);
