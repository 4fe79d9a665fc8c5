import type { FaultPlan } from '../config/plan.ts';
import { cut } from './cut.ts';
import type { Fault } from './types.ts';

/** The fault vocabulary, by scenario `type`. */
export const FAULTS: Record<FaultPlan['type'], Fault> = { cut };
