/**
 * A check's result over part of the clients, before its verdict: counts, examples and the first
 * breach. Parts merge exactly (merge.ts): counts add up, the first breach is the earliest, and
 * examples are kept as the whole judge would have kept them — which needs their order. Examples
 * are therefore held in phases (one list per loop of the check: "every client", "every fault
 * window"…), each in the whole judge's order within the part; merging parts in client order
 * concatenates each phase, and only then applies the check's limit.
 */
import type { Example } from './types.ts';

export interface CheckPart<C extends Record<string, number> = Record<string, number>> {
  counts: C;
  examples: Example[][];
  /** Epoch ms of the first breach, or null. */
  firstBreach: number | null;
}

/** How many examples a check keeps: per category (most checks), or in all (fallback instances). */
export type ExampleLimit = { perCategory: number } | { total: number };

export const FIRST_FIVE_PER_CATEGORY: ExampleLimit = { perCategory: 5 };

export function newPart<C extends Record<string, number>>(counts: C, phases: number): CheckPart<C> {
  return { counts, examples: Array.from({ length: phases }, () => []), firstBreach: null };
}

export function breachAt(part: CheckPart, t: number): void {
  part.firstBreach = part.firstBreach === null ? t : Math.min(part.firstBreach, t);
}

/** Adds an example to a phase unless the check's limit is already reached. */
export function addExample(
  part: CheckPart,
  phase: number,
  ex: Example,
  limit: ExampleLimit = FIRST_FIVE_PER_CATEGORY,
): void {
  if ('total' in limit) {
    if (part.examples.reduce((n, l) => n + l.length, 0) < limit.total) part.examples[phase].push(ex);
    return;
  }
  let n = 0;
  for (const list of part.examples)
    for (const e of list) if (e.category === ex.category && ++n >= limit.perCategory) return;
  part.examples[phase].push(ex);
}

/** The examples as the whole judge lists them: phase after phase. */
export function examplesOf(part: CheckPart): Example[] {
  return part.examples.flat();
}

export function addCounts<C extends Record<string, number>>(into: C, from: C): C {
  const out = { ...into } as Record<string, number>;
  for (const [k, v] of Object.entries(from)) out[k] = (out[k] ?? 0) + v;
  return out as C;
}

/** Merges parts given in client order. */
export function mergeCheckParts<C extends Record<string, number>>(
  parts: CheckPart<C>[],
  limit: ExampleLimit = FIRST_FIVE_PER_CATEGORY,
): CheckPart<C> {
  const phases = Math.max(0, ...parts.map((p) => p.examples.length));
  const out = newPart<C>({} as C, phases);
  for (const p of parts) {
    out.counts = addCounts(out.counts, p.counts);
    if (p.firstBreach !== null) breachAt(out, p.firstBreach);
  }
  for (let phase = 0; phase < phases; phase++)
    for (const p of parts) for (const ex of p.examples[phase] ?? []) addExample(out, phase, ex, limit);
  return out;
}
