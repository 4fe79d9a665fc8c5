/**
 * The scenario file format. A scenario is a TypeScript module whose default export is
 * `defineScenario({...})`. Durations are strings as k6 writes them ("500ms", "15s", "1m").
 * Every field but `name` is optional. The types are inferred from the zod schema (schema.ts),
 * where each field is documented with its default; the defaults themselves are DEFAULTS (defaults.ts).
 */
import type { z } from 'zod';
import type { scenarioSchema } from './schema.ts';

export type { Duration } from '../units/duration.ts';
export type { FaultInput } from '../faults/index.ts';

/** A scenario as its file writes it. */
export type ScenarioDefinition = z.input<typeof scenarioSchema>;
/** The client's reconnect policy as a scenario writes it. */
export type PolicyInput = NonNullable<ScenarioDefinition['policy']>;
/** One auth probe as a scenario writes it (docs/auth.md). */
export type AuthProbeInput = Exclude<NonNullable<ScenarioDefinition['authProbes']>, 'all'>[number];
/** One kind of bad credential (docs/auth.md). */
export type AuthProbeKind = AuthProbeInput['kind'];

/** Identity function that gives a scenario file its types. */
export function defineScenario(s: ScenarioDefinition): ScenarioDefinition {
  return s;
}
