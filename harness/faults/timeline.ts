/**
 * Runs the fault timeline: each fault applied at trafficStart + at and removed `duration` later,
 * every action recorded with the time it started and returned. A fault action that fails is
 * recorded, not thrown: the run goes on and the report says the fault did not happen as planned.
 */
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import type { FaultRecord } from '../record/history.ts';
import { FAULTS, type FaultPlan } from './index.ts';
import type { RestartableGateway } from './types.ts';

const now = () => performance.timeOrigin + performance.now();

function sleepUntil(t: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const delay = Math.max(0, t - now());
    const timer = setTimeout(done, delay);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface TimelineRun {
  /** Resolves when every fault has been applied and removed (or the run was aborted). */
  done: Promise<void>;
  records: FaultRecord[];
}

/** The first ⌈fraction × n⌉ proxies: clients are spread round-robin, so that is the same share of clients. */
export function targetedProxies(all: ToxiproxyProxy[], fraction: number): ToxiproxyProxy[] {
  return all.slice(0, Math.max(1, Math.ceil(fraction * all.length)));
}

export function runTimeline(
  plans: FaultPlan[],
  stack: { proxies: ToxiproxyProxy[]; gateway: RestartableGateway | null },
  trafficStart: number,
  signal: AbortSignal,
  onEvent?: (r: FaultRecord, phase: 'applied' | 'removed') => void,
): TimelineRun {
  const records: FaultRecord[] = [];
  const one = async (plan: FaultPlan) => {
    const fault = FAULTS[plan.type];
    const ctx = { proxies: targetedProxies(stack.proxies, plan.fraction), gateway: stack.gateway };
    const rec: FaultRecord = {
      id: plan.id,
      type: plan.type,
      plannedStart: trafficStart + plan.atMs,
      plannedEnd: trafficStart + plan.atMs + plan.durationMs,
      applyStart: 0,
      applyEnd: 0,
      removeStart: null,
      removeEnd: null,
      ...(fault.on === 'proxies' ? { proxies: ctx.proxies.map((p) => p.name) } : {}),
    };
    await sleepUntil(rec.plannedStart, signal);
    if (signal.aborted) return;
    records.push(rec);
    rec.applyStart = now();
    try {
      await fault.apply(ctx, plan);
    } catch (e) {
      rec.error = `apply failed: ${(e as Error).message}`;
    }
    rec.applyEnd = now();
    onEvent?.(rec, 'applied');
    // Removal happens even when the run is aborted: a fault must never outlive its run.
    await sleepUntil(rec.plannedEnd, signal);
    rec.removeStart = now();
    try {
      await fault.remove(ctx, plan);
    } catch (e) {
      rec.error = `${rec.error ? `${rec.error}; ` : ''}remove failed: ${(e as Error).message}`;
    }
    rec.removeEnd = now();
    onEvent?.(rec, 'removed');
  };
  const done = Promise.all(plans.map(one)).then(() => {
    records.sort((a, b) => a.plannedStart - b.plannedStart);
  });
  return { done, records };
}
