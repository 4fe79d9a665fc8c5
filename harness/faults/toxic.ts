/**
 * A fault that is one Toxiproxy toxic, on one or both streams of every targeted proxy. The toxic
 * is named after the fault ("latency_1-downstream") so that removing it needs no state.
 */
import type { Toxic, ToxicType } from 'toxiproxy-node-client';
import type { FaultPlan, FaultType } from '../config/plan.ts';
import { onEveryProxy } from './each-proxy.ts';
import type { Fault } from './types.ts';

type Direction = 'upstream' | 'downstream';

/** Toxic names go into URL paths: "latency#1" would end the path at "#". */
function toxicName(plan: FaultPlan, stream: Direction): string {
  return `${plan.id.replace(/[^A-Za-z0-9_-]/g, '_')}-${stream}`;
}

function streams(plan: FaultPlan): Direction[] {
  const s = plan.params.stream ?? 'both';
  return s === 'both' ? ['upstream', 'downstream'] : [s as Direction];
}

export function toxicFault(type: FaultType, toxic: ToxicType, attributes: (plan: FaultPlan) => Record<string, number>): Fault {
  return {
    type,
    async apply({ proxies }, plan) {
      await onEveryProxy(proxies, (p) => Promise.all(streams(plan).map((stream) => p.addToxic({ name: toxicName(plan, stream), type: toxic, stream, toxicity: 1, attributes: attributes(plan) } as never))));
    },
    async remove({ proxies }, plan) {
      await onEveryProxy(proxies, (p) =>
        Promise.all(
          streams(plan).map(async (stream) => {
            const t = (await p.getToxic(toxicName(plan, stream))) as Toxic<unknown>;
            await t.remove();
          }),
        ),
      );
    },
  };
}
