/**
 * The scenario schema (zod). Strict objects: a misspelt field is an error, not a silent default.
 * The scenario's TypeScript types (scenario.ts) are inferred from it; each fault's entry schema is
 * its own file's (faults/), collected by the registry.
 */
import { z } from 'zod';
import { FAULT_SCHEMAS } from '../faults/index.ts';
import { durationField, parseDuration } from '../units/duration.ts';
import { parseThreshold } from './threshold.ts';

const duration = durationField;

const positiveInt = z.number().int().positive();

/**
 * Most sockets one host may open: the clients of one run, or of one shard of a sharded run
 * (config/plan.ts checks it against the shard's share, once the shard count is known).
 */
export const MAX_CLIENTS_PER_HOST = 200_000;
/**
 * Most sockets a whole (sharded) run may plan: a guard against a typo (an extra zero or three),
 * not a capacity. 10,000,000 is 50 hosts at the per-host cap.
 */
export const MAX_RUN_CLIENTS = 10_000_000;
/** Shortest `sendInterval`: below it a typo ("0s") turns a chat test into a flood. */
export const MIN_SEND_INTERVAL_MS = 100;

export const clientsField = positiveInt.max(
  MAX_RUN_CLIENTS,
  `at most ${MAX_RUN_CLIENTS.toLocaleString('en')} clients in a whole run, however many shards (a guard against a typo)`,
);
const sendInterval = duration.superRefine((v, ctx) => {
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    return; // reported by duration
  }
  if (ms < MIN_SEND_INTERVAL_MS)
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(v)} is ${ms} ms, below the floor of ${MIN_SEND_INTERVAL_MS} ms per client (each client sends one message per interval)`,
    });
});

export const THRESHOLD_METRICS = ['delivery_latency', 'recovery_time', 'detect_time'] as const;

/** The client's reconnect policy (docs/client-policy.md); every field defaults to the product's (policy/policy.ts DEFAULT_POLICY). */
const policy = z.strictObject({
  /** Default "10s". */
  connectTimeout: duration.optional(),
  backoff: z
    .strictObject({
      /** Default "1s". */
      initial: duration.optional(),
      /** Default "30s". */
      max: duration.optional(),
      /** Default 2. */
      multiplier: z.number().min(1).optional(),
      /** Default "none". */
      jitter: z.enum(['none', 'full', 'equal', 'decorrelated']).optional(),
    })
    .optional(),
  /** Default 10. */
  maxAttempts: positiveInt.optional(),
  /** Default true. */
  resetOnOpen: z.boolean().optional(),
  /** Default false (off). */
  heartbeat: z.union([z.literal(false), z.strictObject({ interval: duration, deadAfter: duration })]).optional(),
  /** Default false (off). */
  ackTimeout: z.union([z.literal(false), duration]).optional(),
  /** Default true. */
  resume: z.boolean().optional(),
});

export const AUTH_PROBE_KINDS = [
  'missing',
  'malformed',
  'bad-signature',
  'alg-none',
  'expired',
  'not-yet-valid',
  'wrong-chat',
  'expires-before-reconnect',
] as const;

const authProbe = z.strictObject({
  /** One kind of bad credential (docs/auth.md). */
  kind: z.enum(AUTH_PROBE_KINDS),
  /**
   * When the bad credential is presented: on the first connect, on every reconnect after a valid
   * first connect (a fault must drop the connection), or both (two probes). Default "both";
   * expires-before-reconnect is a reconnect probe by nature, and takes only "reconnect".
   */
  when: z.enum(['first-connect', 'reconnect', 'both']).optional(),
  /**
   * expires-before-reconnect only: the token's lifetime from when it is minted (just before the
   * fleet starts). A fault must drop the connection no earlier than this into the traffic phase,
   * so that the reconnect finds the token expired. Default "5s".
   */
  ttl: duration.optional(),
});
const authProbeList = z.array(authProbe);
/** "all" or a list; checked by hand so that a bad entry is reported by its own path, not as "Invalid input" for the whole union. */
const authProbes = z.custom<'all' | z.input<typeof authProbeList>>().superRefine((v, ctx) => {
  if (v === 'all') return;
  if (!Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: 'expected "all" or a list of { kind, when?, ttl? }', input: v });
    return;
  }
  const r = authProbeList.safeParse(v, { reportInput: true });
  if (r.success) return;
  for (const issue of r.error.issues)
    ctx.addIssue({
      code: 'custom',
      message: issue.message,
      path: issue.path,
      input: (issue as { input?: unknown }).input,
    });
});

const threshold = z.string().superRefine((v, ctx) => {
  try {
    parseThreshold(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** Every field but `name` is optional; the defaults are the product's (config/defaults.ts DEFAULTS). */
const scenarioFields = z.strictObject({
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"'),
  description: z.string().optional(),
  /** Sockets, one user each. Default 1000. */
  clients: clientsField.optional(),
  /** Members per chat; clients are grouped into chats of this size. Default 10. */
  chatSize: positiveInt.max(10_000).optional(),
  /** Length of the traffic phase; the fault timeline counts from its start. Default "30s". */
  duration: duration.optional(),
  /** Sockets opened per second while the fleet connects. Default 500. */
  connectRate: z.number().positive().optional(),
  /** Each client sends one message per interval (phases spread by the seed). Default "5s". */
  sendInterval: sendInterval.optional(),
  /** Message content length in characters. Default 64. */
  messageBytes: positiveInt.max(4096).optional(),
  /** After traffic stops, the longest wait for every client to be back and caught up. Default "60s". */
  drainTimeout: duration.optional(),
  policy: policy.optional(),
  /**
   * The gateway's wire protocol: "chat-v1" (the bundled gateway's) or "socket.io" (Socket.IO 4.x,
   * driven by socket.io-client; docs/protocols.md). --protocol overrides it. Default "chat-v1".
   * Checked against the codecs in plan.ts, so an unknown name lists the known ones.
   */
  protocol: z.string().min(1).optional(),
  gateway: z
    .strictObject({
      /** Server ping interval. Default "30s". */
      pingInterval: duration.optional(),
      /** Messages per chat kept for resume. Default 10000. */
      historyLimit: positiveInt.optional(),
    })
    .optional(),
  /** The fault timeline: one entry per fault, of the types in faults/index.ts (docs/scenarios.md). */
  faults: z.array(z.discriminatedUnion('type', FAULT_SCHEMAS)).optional(),
  /** Proxies the clients are spread over, round-robin. Default 1, or 10 when a fault has a fraction < 1. */
  proxies: positiveInt.max(64).optional(),
  /**
   * Where the gateway and Toxiproxy run: "local" processes, or Docker containers started with
   * Testcontainers ("testcontainers"; see docs/docker.md). The --stack flag overrides it. Default "local".
   */
  stack: z.enum(['local', 'testcontainers']).optional(),
  /**
   * k6-style thresholds per metric. Metrics: delivery_latency (ms, live deliveries in steady
   * state), recovery_time (ms from a fault's end until every client is back), detect_time (ms
   * from a fault's start until a client saw it). Default { delivery_latency: ["p(99)<500"] }.
   */
  thresholds: z.partialRecord(z.enum(THRESHOLD_METRICS), z.array(threshold)).optional(),
  /** Time after a fault's recovery still excluded from steady-state latency windows. Default "2s". */
  settle: duration.optional(),
  /** Slack the reconnect check allows on every delay the policy prescribes. Default "250ms". */
  reconnectTolerance: duration.optional(),
  /**
   * Auth probes (docs/auth.md): extra clients, beyond `clients`, that each carry one bad credential
   * into a real chat of the run and must be refused with the right close code; they send nothing
   * and are judged by the `auth` check alone. "all": every kind, on first connect and on reconnect.
   * Default none (and then there is no `auth` check).
   */
  authProbes: authProbes.optional(),
  /**
   * A client adapter module (docs/client-adapters.md) whose default export is
   * defineClientAdapter(...): the fleet drives that client, e.g. the product's own store, instead of
   * the reference client, and the checks judge it against `policy`. Resolved against the current
   * directory; --client overrides it. Default: the reference client.
   */
  client: z.string().min(1).optional(),
});

/** A profile overrides any field but the name: "small" for tests, "no-heartbeat" for a variant. */
const profileSchema = scenarioFields.omit({ name: true }).partial();

export const scenarioSchema = scenarioFields.extend({
  /**
   * Named variants chosen with --profile: each overrides fields of the scenario ("small" is the
   * size the tests run; `policy` and `gateway` merge field by field, anything else replaces).
   */
  profiles: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), profileSchema).optional(),
});

/** Renders zod issues as "field: problem (got value)" lines. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path =
      issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') ||
      '(scenario)';
    const shown =
      'input' in issue && issue.input !== undefined && issue.code !== 'unrecognized_keys'
        ? JSON.stringify(issue.input)
        : undefined;
    // Custom messages already quote the value; object-level issues would dump the whole scenario.
    const got = shown !== undefined && shown.length < 200 && !issue.message.includes(shown) ? ` (got ${shown})` : '';
    return `${path}: ${issue.message}${got}`;
  });
}
