/**
 * summary.json: the stable, documented record of a run that every other output is rendered from.
 * Field names are part of chatstorm's interface (docs/summary-json.md); add, never rename.
 */
import type { ClientPolicy } from '../policy/policy.ts';
import type { FaultPlan, ShardPlan } from '../config/plan.ts';
import type { ClockOffset } from '../metrics/clock.ts';
import type { CheckResult, Metrics, Verdict } from '../oracle/types.ts';

export const SUMMARY_SCHEMA_VERSION = 1;

export interface Summary {
  schemaVersion: number;
  tool: { name: 'chatstorm'; version: string; node: string };
  runId: string;
  verdict: Verdict;
  exitCode: number;
  /** Names of the checks whose verdict is not pass. */
  failedChecks: string[];
  scenario: { name: string; description: string; file: string; profile: string | null };
  target: { provider: string; gatewayUrl: string; directUrl: string; versions: Record<string, string> };
  /** The gateway's wire protocol (harness/protocol). Absent in summaries written before protocols existed: chat-v1. */
  protocol?: string;
  clients: number;
  chats: number;
  chatSize: number;
  seed: number;
  policy: ClientPolicy;
  faults: FaultPlan[];
  thresholds: Record<string, string[]>;
  /** ISO time of the run start; every other time in this file is seconds since then. */
  startedAt: string;
  durationSeconds: number;
  phases: { connected: number; trafficStart: number; trafficEnd: number; drained: number; end: number };
  drainComplete: boolean;
  /** The run was stopped early (Ctrl-C, SIGTERM): the checks judge what was recorded until then. */
  interrupted: boolean;
  /**
   * How it was stopped: "SIGINT", "SIGTERM", "parent-exited" (its launcher went away), or null
   * (not interrupted, or killed outright so that nobody recorded how). Added after the first release.
   */
  interruptedBy?: Interruption | null;
  /** Set when the run was allowed to target a gateway outside loopback (--allow-remote). Added after the first release. */
  remoteTarget?: string;
  /** WebSocket upgrades refused with an HTTP status (e.g. a 404 from something that is not the gateway), by status. Optional: absent when none. */
  httpRefusals?: Record<string, number>;
  checks: CheckResult[];
  runtimeErrors: { code: string; message: string }[];
  metrics: Metrics;
  /** A shard's run (--shard i/n): which shard, of which plan, and its clock against the gateway's. Absent otherwise. */
  shard?: ShardPlan & { clock: ClockOffset };
  /** A merged run (chatstorm merge): one entry per shard. Absent otherwise. */
  shards?: MergedShard[];
}

/** One shard of a merged run, as `chatstorm merge` found it. */
export interface MergedShard {
  index: number;
  runId: string;
  dir: string;
  verdict: Verdict | 'missing-summary';
  clients: number;
  startedAt: string | null;
  /** This shard's clock minus the gateway's, estimated from its own messages (see metrics/clock.ts). */
  clock: ClockOffset | null;
  /** This shard's clock offset minus shard 0's (ms): the skew between the shards' clocks. */
  offsetToFirstMs: number | null;
}

import type { Evaluation } from '../oracle/types.ts';
import type { Phases } from '../record/history.ts';
import type { RunPlan } from '../config/plan.ts';
import { exitCodeFor, exitCodeForInterruption, type Interruption } from './exit-codes.ts';
import { readFileSync } from 'node:fs';

const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

export interface SummaryInput {
  plan: Omit<RunPlan, 'jwtSecret'>;
  evaluation: Evaluation;
  phases: Phases;
  drainComplete: boolean;
  interrupted: boolean;
  interruptedBy?: Interruption | null;
  target: Summary['target'];
  remoteTarget?: string;
  httpRefusals?: Record<string, number>;
}

export function buildSummary(i: SummaryInput): Summary {
  const { plan, evaluation: e, phases } = i;
  const rel = (t: number) => Math.round((t - phases.start) / 10) / 100;
  const thresholds: Record<string, string[]> = {};
  for (const [m, ts] of Object.entries(plan.thresholds)) thresholds[m] = ts.map((t) => t.expression);
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    tool: { name: 'chatstorm', version: VERSION, node: process.version },
    runId: plan.runId,
    verdict: e.verdict,
    exitCode: i.interrupted ? exitCodeForInterruption(i.interruptedBy) : exitCodeFor(e.verdict),
    failedChecks: e.checks.filter((c) => c.verdict !== 'pass').map((c) => c.name),
    scenario: plan.scenario,
    target: i.target,
    protocol: plan.protocol ?? 'chat-v1',
    clients: plan.clients,
    chats: plan.chats,
    chatSize: plan.chatSize,
    seed: plan.seed,
    policy: plan.policy,
    faults: plan.faults,
    thresholds,
    startedAt: new Date(phases.start).toISOString(),
    durationSeconds: Math.round(phases.end - phases.start) / 1000,
    phases: {
      connected: rel(phases.connected),
      trafficStart: rel(phases.trafficStart),
      trafficEnd: rel(phases.trafficEnd),
      drained: rel(phases.drained),
      end: rel(phases.end),
    },
    drainComplete: i.drainComplete,
    interrupted: i.interrupted,
    interruptedBy: i.interrupted ? (i.interruptedBy ?? null) : null,
    ...(i.remoteTarget ? { remoteTarget: i.remoteTarget } : {}),
    ...(i.httpRefusals && Object.keys(i.httpRefusals).length ? { httpRefusals: i.httpRefusals } : {}),
    checks: e.checks,
    runtimeErrors: e.runtimeErrors,
    metrics: e.metrics,
  };
}
