/**
 * The fault vocabulary: one file per fault (types.ts says what a fault owns). Adding a fault is its
 * file and one line here; the scenario schema (config/schema.ts) and plan resolution read this list.
 */
import type { z } from 'zod';
import { bandwidth } from './bandwidth.ts';
import { blackhole } from './blackhole.ts';
import { cut } from './cut.ts';
import { flapping } from './flapping.ts';
import { gatewayRestart } from './gateway-restart.ts';
import { latency } from './latency.ts';
import { limitData } from './limit-data.ts';
import { resetPeer } from './reset-peer.ts';
import { slicer } from './slicer.ts';
import { slowClose } from './slow-close.ts';
import type { Fault, FaultParams, FaultPlanOf } from './types.ts';

export const FAULT_LIST = [
  cut,
  blackhole,
  latency,
  bandwidth,
  resetPeer,
  slicer,
  limitData,
  slowClose,
  flapping,
  gatewayRestart,
] as const;

export type FaultType = (typeof FAULT_LIST)[number]['type'];

/** A fault of the run's timeline, as the plan holds it. */
export type FaultPlan = FaultPlanOf<FaultParams, FaultType>;

/** The schema of every fault entry, in FAULT_LIST's order (a tuple, for z.discriminatedUnion). */
export const FAULT_SCHEMAS = FAULT_LIST.map((f) => f.schema) as unknown as SchemasOf<typeof FAULT_LIST>;
type SchemasOf<L> = { -readonly [K in keyof L]: L[K] extends { schema: infer S } ? S : never };

/** A fault entry as a scenario writes it. */
export type FaultInput = z.input<(typeof FAULT_LIST)[number]['schema']>;

/** The faults by scenario `type`. Each fault's own params are typed inside its file; here every plan is the stored shape. */
export const FAULTS = Object.fromEntries(FAULT_LIST.map((f) => [f.type, f])) as unknown as Record<FaultType, Fault>;
