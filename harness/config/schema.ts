/**
 * The scenario schema (zod). Strict objects: a misspelt field is an error, not a silent default.
 */
import { z } from 'zod';
import { parseDuration } from '../units/duration.ts';
import { parseThreshold } from './threshold.ts';

const duration = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  try {
    parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

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

export const clientsField = positiveInt.max(MAX_RUN_CLIENTS, `at most ${MAX_RUN_CLIENTS.toLocaleString('en')} clients in a whole run, however many shards (a guard against a typo)`);
const sendInterval = duration.superRefine((v, ctx) => {
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    return; // reported by duration
  }
  if (ms < MIN_SEND_INTERVAL_MS) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is ${ms} ms, below the floor of ${MIN_SEND_INTERVAL_MS} ms per client (each client sends one message per interval)` });
});

export const THRESHOLD_METRICS = ['delivery_latency', 'recovery_time', 'detect_time'] as const;

const policy = z.strictObject({
  connectTimeout: duration.optional(),
  backoff: z
    .strictObject({
      initial: duration.optional(),
      max: duration.optional(),
      multiplier: z.number().min(1).optional(),
      jitter: z.enum(['none', 'full', 'equal', 'decorrelated']).optional(),
    })
    .optional(),
  maxAttempts: positiveInt.optional(),
  resetOnOpen: z.boolean().optional(),
  heartbeat: z.union([z.literal(false), z.strictObject({ interval: duration, deadAfter: duration })]).optional(),
  ackTimeout: z.union([z.literal(false), duration]).optional(),
  resume: z.boolean().optional(),
});

const timing = { at: duration, duration, fraction: z.number().gt(0).max(1).optional() };
const stream = z.enum(['upstream', 'downstream', 'both']).optional();
const faultSchemas = [
  z.strictObject({ type: z.literal('cut'), ...timing }),
  z.strictObject({ type: z.literal('blackhole'), ...timing }),
  z.strictObject({ type: z.literal('latency'), ...timing, latency: duration, jitter: duration.optional(), stream }),
  z.strictObject({ type: z.literal('bandwidth'), ...timing, rate: z.number().nonnegative(), stream }),
  z.strictObject({ type: z.literal('reset_peer'), ...timing, timeout: duration.optional(), stream }),
  z.strictObject({ type: z.literal('slicer'), ...timing, averageSize: positiveInt, sizeVariation: z.number().int().nonnegative().optional(), delay: duration.optional(), stream }),
  z.strictObject({ type: z.literal('limit_data'), ...timing, bytes: positiveInt, stream }),
  z.strictObject({ type: z.literal('slow_close'), ...timing, delay: duration, stream }),
  z.strictObject({ type: z.literal('flapping'), ...timing, period: duration, down: duration }),
  z.strictObject({ type: z.literal('gateway-restart'), at: duration, duration }),
] as const;

const authProbeList = z.array(
  z.strictObject({
    kind: z.enum(['missing', 'malformed', 'bad-signature', 'alg-none', 'expired', 'not-yet-valid', 'wrong-chat', 'expires-before-reconnect']),
    when: z.enum(['first-connect', 'reconnect', 'both']).optional(),
    ttl: duration.optional(),
  }),
);
/** "all" or a list; checked by hand so that a bad entry is reported by its own path, not as "Invalid input" for the whole union. */
const authProbes = z.unknown().superRefine((v, ctx) => {
  if (v === 'all') return;
  if (!Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: 'expected "all" or a list of { kind, when?, ttl? }', input: v });
    return;
  }
  const r = authProbeList.safeParse(v, { reportInput: true });
  if (r.success) return;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: (issue as { input?: unknown }).input });
});

const scenarioFields = z.strictObject({
  name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"'),
  description: z.string().optional(),
  clients: clientsField.optional(),
  chatSize: positiveInt.max(10_000).optional(),
  duration: duration.optional(),
  connectRate: z.number().positive().optional(),
  sendInterval: sendInterval.optional(),
  messageBytes: positiveInt.max(4096).optional(),
  drainTimeout: duration.optional(),
  policy: policy.optional(),
  // Checked against the codecs in plan.ts, so an unknown name lists the known ones.
  protocol: z.string().min(1).optional(),
  gateway: z.strictObject({ pingInterval: duration.optional(), historyLimit: positiveInt.optional() }).optional(),
  faults: z.array(z.discriminatedUnion('type', faultSchemas)).optional(),
  proxies: positiveInt.max(64).optional(),
  stack: z.enum(['local', 'testcontainers']).optional(),
  thresholds: z
    .partialRecord(
      z.enum(THRESHOLD_METRICS),
      z.array(
        z.string().superRefine((v, ctx) => {
          try {
            parseThreshold(v);
          } catch (e) {
            ctx.addIssue({ code: 'custom', message: (e as Error).message });
          }
        }),
      ),
    )
    .optional(),
  settle: duration.optional(),
  reconnectTolerance: duration.optional(),
  authProbes: authProbes.optional(),
  client: z.string().min(1).optional(),
});

/** A profile overrides any field but the name: "small" for tests, "no-heartbeat" for a variant. */
const profileSchema = scenarioFields.omit({ name: true }).partial();

export const scenarioSchema = scenarioFields.extend({
  profiles: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), profileSchema).optional(),
});

/** Renders zod issues as "field: problem (got value)" lines. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(scenario)';
    const shown = 'input' in issue && issue.input !== undefined && issue.code !== 'unrecognized_keys' ? JSON.stringify(issue.input) : undefined;
    // Custom messages already quote the value; object-level issues would dump the whole scenario.
    const got = shown !== undefined && shown.length < 200 && !issue.message.includes(shown) ? ` (got ${shown})` : '';
    return `${path}: ${issue.message}${got}`;
  });
}
