/**
 * A fault of the vocabulary, in one file (docs/scenarios.md#faults): the scenario entry it accepts
 * (its zod schema, from which its types are inferred), its parameters in Toxiproxy's units, the
 * checks a schema cannot express, and how to apply it and take it back — as a Toxiproxy toxic owns
 * its attributes. The registry (index.ts) collects them; the scenario schema is built from it.
 */
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import type { z } from 'zod';

/** A gateway the run started itself and may kill and start again. */
export interface RestartableGateway {
  /** Kills the process at once (SIGKILL): sockets die, in-memory state is lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port and waits until it is healthy. */
  start(): Promise<void>;
}

/** What a fault acts on. */
export interface FaultContext {
  /** The proxies this fault targets (its fraction of all proxies). */
  proxies: ToxiproxyProxy[];
  /** Present when chatstorm started the gateway. */
  gateway: RestartableGateway | null;
}

/** A fault's parameters as the plan (and summary.json) holds them: Toxiproxy's units (ms, KB/s, bytes; slicer delay in µs). */
export type FaultParams = Record<string, number | string>;

/** One fault of the run's timeline, resolved: what the plan holds and the timeline runs (index.ts's FaultPlan: any fault of the registry). */
export interface FaultPlanOf<P extends FaultParams = FaultParams, T extends string = string> {
  /** Stable id within the run: "cut#1". */
  id: string;
  type: T;
  /** Offset from the start of the traffic phase. */
  atMs: number;
  durationMs: number;
  /** Share of the proxies (and so of the clients) the fault acts on, in (0, 1]. */
  fraction: number;
  /** The fault's own parameters, from its `params`. */
  params: P;
}

/** What a fault's `problems` may need of the run besides its own plan. */
export interface FaultCheckContext {
  /** Where the entry is in the scenario, for messages: "faults[2]". */
  path: string;
  /** --target, when the gateway is not chatstorm's to restart. */
  target: string | undefined;
}

/** One fault of the vocabulary. */
export interface Fault<
  T extends string = string,
  S extends z.ZodType = z.ZodType,
  P extends FaultParams = FaultParams,
> {
  /** As a scenario's `type` spells it. */
  readonly type: T;
  /** The scenario entry: `{ type, at, duration, fraction?, …its parameters }` (strict). */
  readonly schema: S;
  /** Where it acts: on the targeted proxies (recorded in the history by name), or on the gateway process. */
  readonly on: 'proxies' | 'gateway';
  /** It closes every connection it reaches (a reconnect auth probe needs one such fault). */
  readonly drops: boolean;
  /** Its parameters in Toxiproxy's units, from a validated entry; every default of the fault is here. */
  params(entry: z.output<S>): P;
  /** What a schema cannot express, as "field: value: why" lines (empty: none). */
  problems?(plan: FaultPlanOf<P>, ctx: FaultCheckContext): string[];
  apply(ctx: FaultContext, plan: FaultPlanOf<P>): Promise<void>;
  remove(ctx: FaultContext, plan: FaultPlanOf<P>): Promise<void>;
}

/** Identity function that infers a fault's types from its schema and its `params`. */
export function defineFault<T extends string, S extends z.ZodType, P extends FaultParams>(
  fault: Fault<T, S, P>,
): Fault<T, S, P> {
  return fault;
}
