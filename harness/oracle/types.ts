/** What the oracle decides: a verdict per check, with the counts and first examples behind it. */
import type { LatencySummary } from '../metrics/histogram.ts';
import type { ReconnectStorm } from '../metrics/reconnect-storm.ts';
import type { SeriesPoint } from '../metrics/series.ts';

/** Defined beside the code that computes them (metrics/); the summary carries them. */
export type { LatencySummary, SeriesPoint };

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';

export type CheckName =
  | 'delivery'
  | 'latency'
  | 'reconnect'
  | 'no-fallback'
  | 'errors-surfaced'
  | 'generator-health'
  | 'auth';

/** One piece of evidence: enough ids to find it in the history. Times are seconds since run start. */
export interface Example {
  category: string;
  client?: number;
  user?: string;
  chat?: string;
  /** client_msg_id */
  message?: string;
  seq?: number;
  at?: number;
  detail: string;
  /** A merged run: the shard the example comes from. */
  shard?: number;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  /** The statistic the threshold reads, e.g. "p(99)". */
  statistic: string;
  observed: number | null;
  limit: number;
  ok: boolean;
  /** limit − observed for "<" thresholds (positive = room left), observed − limit for ">". */
  headroom: number | null;
  window: string;
}

export interface CheckResult {
  name: CheckName;
  verdict: Verdict;
  /** One sentence a person reads first. */
  summary: string;
  /** Counts by category; the categories each check defines are documented in the README. */
  counts: Record<string, number>;
  /** First examples per failing category (at most 5 each), and every fallback instance up to 100. */
  examples: Example[];
  thresholds?: ThresholdResult[];
  /** Seconds since run start of the first observed breach, when the check failed. */
  firstBreachAt?: number | null;
}

/**
 * What a fault cost in messages: acked messages sent (or acked) from the fault's start until its
 * disturbed window ends (the last affected client back, plus the settle time), and how their
 * required deliveries went. Counted per (message, member), like the delivery check.
 */
export interface FaultDelivery {
  /** Acked messages attributed to this fault's window. */
  messages: number;
  /** Deliveries those messages owed (members connected at some time after the ack). */
  required: number;
  lost: number;
  duplicated: number;
  /** Delivered, but later than lateAfterMs after the send; null when no delivery_latency upper limit is set. */
  late: number | null;
  /** The strictest delivery_latency upper limit (ms), the bar for "late"; null when there is none. */
  lateAfterMs: number | null;
  /** Seconds since run start: the window the messages were attributed by. */
  from: number;
  to: number;
}

export interface FaultResilience {
  id: string;
  type: string;
  /** Seconds since run start. */
  start: number;
  end: number;
  error?: string;
  affected: number;
  detect: { p50: number | null; max: number | null };
  /** ms from the fault's end until 50 / 99 / 100 % of affected clients were open again (null: never). */
  recover: { p50: number | null; p99: number | null; p100: number | null };
  notRecovered: number;
  /** Messages lost, duplicated and late around this fault. Optional, added after the first release. */
  delivery?: FaultDelivery;
  /** A merged run: the shard whose Toxiproxy the fault ran on. */
  shard?: number;
}

export interface Metrics {
  latency: { steady: LatencySummary; all: LatencySummary; spectrum: { percentile: number; value: number }[] };
  series: SeriesPoint[];
  /** Failures by reason ("refused", "timeout", "closed 4401", …). */
  failureReasons: Record<string, number>;
  closeCodes: Record<string, number>;
  faults: FaultResilience[];
  reconnectDelays: { attempt: number; envelopeMin: number; envelopeMax: number; delays: number[] }[];
  attemptsPerClient: Record<string, number>;
  generator: { s: number; worker: number; eldP99: number; eldMax: number; cpu: number; shard?: number }[];
  /** CPU (fraction of one core) and memory (MB) of the gateway and Toxiproxy per second: what the load did to the stack. Local stack only. */
  stack?: { s: number; name: string; cpu: number; rssMb: number }[];
  /**
   * Connect attempts per second after each fault's removal (peak, p99), the thundering herd a
   * restore causes. Optional, added after the first release: absent in older summaries.
   */
  reconnectStorm?: ReconnectStorm[];
  /** Steady-state windows used for latency, seconds since start. */
  steadyWindows: [number, number][];
  toleranceMs: number;
}

export interface Evaluation {
  verdict: Verdict;
  checks: CheckResult[];
  metrics: Metrics;
  /** Runtime failures (the run itself broke): any makes the verdict "error". */
  runtimeErrors: { code: string; message: string }[];
}

/** What the fault windows (windows.ts) and the cut-reach rule need of one client: its opens and closes, in time order. */
export interface Connections {
  c: number;
  opens: number[];
  closes: { t: number; by: string; code: number }[];
}
