/**
 * The reconnect policy of a chat client, as data (docs/client-policy.md). The defaults are the product's:
 * the fixed browser store reconnects 1 s doubling to 30 s, at most 10 attempts, 10 s connect timeout,
 * and never falls back to a local mode.
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export interface BackoffPolicy {
  /** Delay before the first reconnect attempt after a drop. Default 1000 ms. */
  initialMs: number;
  /** Cap on any delay. Default 30000 ms. */
  maxMs: number;
  /** Growth per consecutive failure. Default 2. */
  multiplier: number;
  /** Randomisation of each delay (AWS "Exponential Backoff and Jitter"). Default 'none'. */
  jitter: Jitter;
}

export interface ClientPolicy {
  /** A socket not open by then is closed and counts as a failed attempt. Default 10000 ms. */
  connectTimeoutMs: number;
  backoff: BackoffPolicy;
  /** Attempts in one reconnect series before the client stops in state `failed`. Default 10. */
  maxAttempts: number;
  /** A successful open resets the attempt counter. Default true. */
  resetOnOpen: boolean;
  /** App-level heartbeat: `ping` every intervalMs, dead after deadAfterMs without `pong`. Default null (off). */
  heartbeat: { intervalMs: number; deadAfterMs: number } | null;
  /** A send not acked in time marks the socket suspect: reconnect, resend the same client_msg_id. Default null (off). */
  ackTimeoutMs: number | null;
  /** Reconnect with `since=<last seq seen>`. Default true. */
  resume: boolean;
}

export const DEFAULT_POLICY: ClientPolicy = Object.freeze({
  connectTimeoutMs: 10_000,
  backoff: Object.freeze({ initialMs: 1_000, maxMs: 30_000, multiplier: 2, jitter: 'none' as Jitter }),
  maxAttempts: 10,
  resetOnOpen: true,
  heartbeat: null,
  ackTimeoutMs: null,
  resume: true,
}) as ClientPolicy;

/**
 * The nominal (un-jittered) delay before attempt `n` of a reconnect series, n ≥ 1:
 * initial × multiplier^(n-1), capped. Attempt 1 follows the drop, attempt n+1 follows n failures.
 */
export function nominalDelay(b: BackoffPolicy, n: number): number {
  return Math.min(b.maxMs, b.initialMs * b.multiplier ** Math.max(0, n - 1));
}

/**
 * The delay the client actually waits before attempt n. `prev` is the previous actual delay
 * (decorrelated jitter grows from it); `random` returns [0, 1).
 */
export function nextDelay(b: BackoffPolicy, n: number, prev: number, random: () => number): number {
  const d = nominalDelay(b, n);
  switch (b.jitter) {
    case 'none':
      return d;
    case 'full':
      return random() * d;
    case 'equal':
      return d / 2 + random() * (d / 2);
    case 'decorrelated': {
      // sleep = min(cap, random_between(base, sleep * 3)); the first sleep grows from base.
      const upper = Math.max(b.initialMs, (n <= 1 ? b.initialMs : prev) * 3);
      return Math.min(b.maxMs, b.initialMs + random() * (upper - b.initialMs));
    }
  }
}

/** The bounds a delay before attempt n must lie in under this policy (without tolerance). */
export function delayEnvelope(b: BackoffPolicy, n: number, prev: number): { min: number; max: number } {
  const d = nominalDelay(b, n);
  switch (b.jitter) {
    case 'none':
      return { min: d, max: d };
    case 'full':
      return { min: 0, max: d };
    case 'equal':
      return { min: d / 2, max: d };
    case 'decorrelated': {
      const upper = Math.max(b.initialMs, (n <= 1 ? b.initialMs : prev) * 3);
      return { min: Math.min(b.maxMs, b.initialMs), max: Math.min(b.maxMs, upper) };
    }
  }
}

/**
 * The longest a client of this policy waits in backoff over a whole series: the sum of the
 * maximal delays before all maxAttempts attempts (connect time not included).
 */
export function backoffBudget(p: ClientPolicy): number {
  let total = 0;
  let prev = p.backoff.initialMs;
  for (let n = 1; n <= p.maxAttempts; n++) {
    const { max } = delayEnvelope(p.backoff, n, prev);
    prev = max;
    total += max;
  }
  return total;
}

/**
 * The shortest time a client can spend before giving up: the minimal delays, every attempt failing
 * at once (connection refused). An outage shorter than this must never make a client give up.
 */
export function minimalBackoffBudget(p: ClientPolicy): number {
  let total = 0;
  for (let n = 1; n <= p.maxAttempts; n++) total += delayEnvelope(p.backoff, n, p.backoff.initialMs).min;
  return total;
}
