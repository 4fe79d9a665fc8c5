/**
 * The scenario file format. A scenario is a TypeScript module whose default export is
 * `defineScenario({...})`. Durations are strings as k6 writes them ("500ms", "15s", "1m").
 * Every field but `name` is optional; the defaults below are the product's.
 */
import type { Jitter } from '../policy/policy.ts';

export type Duration = string | number;

export interface PolicyInput {
  /** Default "10s". */
  connectTimeout?: Duration;
  backoff?: {
    /** Default "1s". */ initial?: Duration;
    /** Default "30s". */ max?: Duration;
    /** Default 2. */ multiplier?: number;
    /** Default "none". */ jitter?: Jitter;
  };
  /** Default 10. */
  maxAttempts?: number;
  /** Default true. */
  resetOnOpen?: boolean;
  /** Default false (off). */
  heartbeat?: false | { interval: Duration; deadAfter: Duration };
  /** Default false (off). */
  ackTimeout?: false | Duration;
  /** Default true. */
  resume?: boolean;
}

/** Which direction of a connection a toxic acts on: client→gateway, gateway→client, or both. Default "both". */
export type Stream = 'upstream' | 'downstream' | 'both';

interface FaultTiming {
  /** Offset from the start of the traffic phase. */
  at: Duration;
  /** How long the fault stays in force. */
  duration: Duration;
  /**
   * Share of the clients affected, in (0, 1]. Default 1. Clients are spread round-robin over
   * several proxies (see `proxies`); the fault acts on the first ⌈fraction × proxies⌉ of them.
   */
  fraction?: number;
}

/** Proxy disabled (open connections closed, new ones refused), then enabled again. */
export interface CutFault extends FaultTiming { type: 'cut' }
/** Half-open: Toxiproxy's timeout toxic with timeout 0 on both streams; sockets stay open and carry nothing. */
export interface BlackholeFault extends FaultTiming { type: 'blackhole' }
/** Added latency per chunk, with jitter (Toxiproxy latency toxic). */
export interface LatencyFault extends FaultTiming { type: 'latency'; latency: Duration; jitter?: Duration; stream?: Stream }
/** Throughput limit in KB/s (bandwidth toxic). */
export interface BandwidthFault extends FaultTiming { type: 'bandwidth'; rate: number; stream?: Stream }
/** Connections reset (TCP RST) after `timeout` (reset_peer toxic). Default timeout 0: at once. */
export interface ResetPeerFault extends FaultTiming { type: 'reset_peer'; timeout?: Duration; stream?: Stream }
/** Data cut into small chunks with delays between them (slicer toxic). */
export interface SlicerFault extends FaultTiming { type: 'slicer'; averageSize: number; sizeVariation?: number; delay?: Duration; stream?: Stream }
/** Connections closed after `bytes` bytes (limit_data toxic). */
export interface LimitDataFault extends FaultTiming { type: 'limit_data'; bytes: number; stream?: Stream }
/** Closing delayed by `delay` (slow_close toxic). */
export interface SlowCloseFault extends FaultTiming { type: 'slow_close'; delay: Duration; stream?: Stream }
/** Cut and restore repeatedly: down for `down` in every `period`, for the fault's duration. */
export interface FlappingFault extends FaultTiming { type: 'flapping'; period: Duration; down: Duration }
/**
 * The gateway process is killed (SIGKILL) at `at` and started again after `duration`. Its sockets
 * die and its in-memory history is lost. Local stack only.
 */
export interface GatewayRestartFault extends Omit<FaultTiming, 'fraction'> { type: 'gateway-restart' }

export type FaultInput =
  | CutFault
  | BlackholeFault
  | LatencyFault
  | BandwidthFault
  | ResetPeerFault
  | SlicerFault
  | LimitDataFault
  | SlowCloseFault
  | FlappingFault
  | GatewayRestartFault;

/** One kind of bad credential (docs/auth.md). */
export type AuthProbeKind = 'missing' | 'malformed' | 'bad-signature' | 'alg-none' | 'expired' | 'not-yet-valid' | 'wrong-chat' | 'expires-before-reconnect';

export interface AuthProbeInput {
  kind: AuthProbeKind;
  /**
   * When the bad credential is presented: on the first connect, on every reconnect after a valid
   * first connect (a fault must drop the connection), or both (two probes). Default "both";
   * expires-before-reconnect is a reconnect probe by nature, and takes only "reconnect".
   */
  when?: 'first-connect' | 'reconnect' | 'both';
  /**
   * expires-before-reconnect only: the token's lifetime from when it is minted (just before the
   * fleet starts). A fault must drop the connection no earlier than this into the traffic phase,
   * so that the reconnect finds the token expired. Default "5s".
   */
  ttl?: Duration;
}

export interface ScenarioDefinition {
  name: string;
  description?: string;
  /** Sockets, one user each. Default 1000. */
  clients?: number;
  /** Members per chat; clients are grouped into chats of this size. Default 10. */
  chatSize?: number;
  /** Length of the traffic phase; the fault timeline counts from its start. Default "30s". */
  duration?: Duration;
  /** Sockets opened per second while the fleet connects. Default 500. */
  connectRate?: number;
  /** Each client sends one message per interval (phases spread by the seed). Default "5s". */
  sendInterval?: Duration;
  /** Message content length in characters. Default 64. */
  messageBytes?: number;
  /** After traffic stops, the longest wait for every client to be back and caught up. Default "60s". */
  drainTimeout?: Duration;
  policy?: PolicyInput;
  /**
   * The gateway's wire protocol: "chat-v1" (the bundled gateway's) or "socket.io" (Socket.IO 4.x,
   * driven by socket.io-client; docs/protocols.md). --protocol overrides it. Default "chat-v1".
   */
  protocol?: 'chat-v1' | 'socket.io';
  gateway?: {
    /** Server ping interval. Default "30s". */ pingInterval?: Duration;
    /** Messages per chat kept for resume. Default 10000. */ historyLimit?: number;
  };
  faults?: FaultInput[];
  /**
   * Where the gateway and Toxiproxy run: "local" processes, or Docker containers started with
   * Testcontainers ("testcontainers"; see docs/docker.md). The --stack flag overrides it. Default "local".
   */
  stack?: 'local' | 'testcontainers';
  /** Proxies the clients are spread over, round-robin. Default 1, or 10 when a fault has a fraction < 1. */
  proxies?: number;
  /**
   * k6-style thresholds per metric. Metrics: delivery_latency (ms, live deliveries in steady
   * state), recovery_time (ms from a fault's end until every client is back), detect_time (ms
   * from a fault's start until a client saw it). Default { delivery_latency: ["p(99)<500"] }.
   */
  thresholds?: Record<string, string[]>;
  /** Time after a fault's recovery still excluded from steady-state latency windows. Default "2s". */
  settle?: Duration;
  /** Slack the reconnect check allows on every delay the policy prescribes. Default "250ms". */
  reconnectTolerance?: Duration;
  /**
   * Auth probes (docs/auth.md): extra clients, beyond `clients`, that each carry one bad credential
   * into a real chat of the run and must be refused with the right close code; they send nothing
   * and are judged by the `auth` check alone. "all": every kind, on first connect and on reconnect.
   * Default none (and then there is no `auth` check).
   */
  authProbes?: 'all' | AuthProbeInput[];
  /**
   * A client adapter module (docs/client-adapters.md) whose default export is
   * defineClientAdapter(...): the fleet drives that client, e.g. the product's own store, instead of
   * the reference client, and the checks judge it against `policy`. Resolved against the current
   * directory; --client overrides it. Default: the reference client.
   */
  client?: string;
  /**
   * Named variants chosen with --profile: each overrides fields of the scenario ("small" is the
   * size the tests run; `policy` and `gateway` merge field by field, anything else replaces).
   */
  profiles?: Record<string, Partial<Omit<ScenarioDefinition, 'name' | 'profiles'>>>;
}

/** Identity function that gives a scenario file its types. */
export function defineScenario(s: ScenarioDefinition): ScenarioDefinition {
  return s;
}
