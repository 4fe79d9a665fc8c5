import type { Proxy } from 'toxiproxy-node-client';
import type { FaultPlan } from '../config/plan.ts';

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
  proxies: Proxy[];
  /** Present when chatstorm started the gateway. */
  gateway: RestartableGateway | null;
}

/** One fault of the vocabulary: how to apply it and how to take it back, in Toxiproxy's terms. */
export interface Fault {
  readonly type: FaultPlan['type'];
  apply(ctx: FaultContext, plan: FaultPlan): Promise<void>;
  remove(ctx: FaultContext, plan: FaultPlan): Promise<void>;
}
