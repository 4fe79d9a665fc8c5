/**
 * A fault that is one Toxiproxy toxic, on one or both streams of every targeted proxy. The toxic
 * is named after the fault ("latency_1-downstream") so that removing it needs no state. Its plan's
 * params are, by default, the toxic's attributes plus `stream`.
 */
import type { Toxic, ToxicType } from 'toxiproxy-node-client';
import type { z } from 'zod';
import { onEveryProxy } from './each-proxy.ts';
import type { Stream } from './entry.ts';
import { defineFault, type Fault, type FaultParams, type FaultPlanOf } from './types.ts';

type Direction = 'upstream' | 'downstream';

/** Toxic names go into URL paths: "latency#1" would end the path at "#". */
function toxicName(plan: FaultPlanOf, stream: Direction): string {
  return `${plan.id.replace(/[^A-Za-z0-9_-]/g, '_')}-${stream}`;
}

function streams(stream: Stream | undefined): Direction[] {
  return stream === undefined || stream === 'both' ? ['upstream', 'downstream'] : [stream];
}

/** The toxic's attributes by default: the params but `stream`. */
function withoutStream(params: FaultParams): Record<string, number | string> {
  const { stream: _, ...attributes } = params;
  return attributes;
}

export function toxicFault<T extends string, S extends z.ZodType, P extends FaultParams & { stream?: Stream }>(def: {
  type: T;
  toxic: ToxicType;
  schema: S;
  /** The plan's params, in Toxiproxy's units, from a validated entry; `stream` (default both) says which streams get the toxic. */
  params: (entry: z.output<S>) => P;
  /** The toxic's attributes. Default: the params but `stream`. */
  attributes?: (params: P) => Record<string, number | string>;
}): Fault<T, S, P> {
  const attributesOf = def.attributes ?? withoutStream;
  return defineFault({
    type: def.type,
    schema: def.schema,
    on: 'proxies',
    drops: false,
    params: def.params,
    async apply({ proxies }, plan) {
      const attributes = attributesOf(plan.params);
      await onEveryProxy(proxies, (p) =>
        Promise.all(
          streams(plan.params.stream).map((stream) =>
            p.addToxic({ name: toxicName(plan, stream), type: def.toxic, stream, toxicity: 1, attributes } as never),
          ),
        ),
      );
    },
    async remove({ proxies }, plan) {
      await onEveryProxy(proxies, (p) =>
        Promise.all(
          streams(plan.params.stream).map(async (stream) => {
            const t = (await p.getToxic(toxicName(plan, stream))) as Toxic<unknown>;
            await t.remove();
          }),
        ),
      );
    },
  });
}
