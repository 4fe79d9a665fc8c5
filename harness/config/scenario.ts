/**
 * The scenario file format. A scenario is a TypeScript module whose default export is
 * `defineScenario({...})`. Durations are strings as k6 writes them ("500ms", "15s", "1m").
 * Every field but `name` is optional; the defaults below are the product's.
 */
import type { Jitter } from '../client/policy.ts';

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

/** Proxy disabled (open connections closed, new ones refused), then enabled again. */
export interface CutFault { type: 'cut'; at: Duration; duration: Duration }

export type FaultInput = CutFault;

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
  gateway?: {
    /** Server ping interval. Default "30s". */ pingInterval?: Duration;
    /** Messages per chat kept for resume. Default 10000. */ historyLimit?: number;
  };
  faults?: FaultInput[];
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
}

/** Identity function that gives a scenario file its types. */
export function defineScenario(s: ScenarioDefinition): ScenarioDefinition {
  return s;
}
