import type { Proxy } from 'toxiproxy-node-client';
import type { FaultPlan } from '../config/plan.ts';

/** What a fault acts on. */
export interface FaultContext {
  proxies: Proxy[];
}

/** One fault of the vocabulary: how to apply it and how to take it back, in Toxiproxy's terms. */
export interface Fault {
  readonly type: FaultPlan['type'];
  apply(ctx: FaultContext, plan: FaultPlan): Promise<void>;
  remove(ctx: FaultContext, plan: FaultPlan): Promise<void>;
}
