/**
 * The CPU costs the preflight's estimate (harness/preflight/cpu.ts) is built from: built in (measured on the reference
 * 2-vCPU host) or read from a costs file measured on this host (`--cpu-costs <file>`, written by
 * `npx node bench/stack.ts --write-costs <file>`; docs/scale.md, "Your host's costs").
 *
 * Rule: a costs file is taken whole or not at all. Every part (fleet, toxiproxy, gateway) with every
 * unit (connect, delivery, reconnect) as a positive number of CPU µs, and `restUs` (the host's share
 * per delivery outside the run's processes) as a number ≥ 0; anything else — a missing file, bad
 * JSON, a missing or unknown field, a value that is not a finite positive number — is a
 * ConfigError naming the file, the field and the value (exit 64), and nothing starts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { describeIssues } from './schema.ts';

export const COSTS_FORMAT = 'chatstorm-cpu-costs/1';

const us = z.number().finite().positive();
const unitCosts = z.strictObject({ connect: us, delivery: us, reconnect: us });
export const costsFileSchema = z.strictObject({
  format: z.literal(COSTS_FORMAT),
  /** Where and how the figures were measured: shown with every note the estimate makes. */
  measured: z.strictObject({
    at: z.string().min(1),
    command: z.string().min(1),
    host: z.string().min(1),
    cores: z.number().int().positive(),
    loadAverage: z.array(z.number()).optional(),
  }),
  costs: z.strictObject({ fleet: unitCosts, toxiproxy: unitCosts, gateway: unitCosts }),
  restUs: z.number().finite().nonnegative(),
});
export type CostsFile = z.infer<typeof costsFileSchema>;

/** What the estimate uses: the costs, and a phrase saying where they come from. */
export interface CpuCosts {
  from: string;
  costs: CostsFile['costs'];
  restUs: number;
}

/** Reads and checks a costs file; `flag` names where the path came from (--cpu-costs or its env). */
export function loadCpuCosts(file: string, flag = '--cpu-costs'): CpuCosts {
  const path = resolve(file);
  const context = `${flag} ${file}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(context, [
      `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (resolved to ${path}); write one with npx node bench/stack.ts --write-costs ${file}`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(context, [`not JSON: ${(err as Error).message}`]);
  }
  const parsed = costsFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success)
    throw new ConfigError(
      context,
      describeIssues(parsed.error).map((l) => l.replace(/^\(scenario\)/, '(the file)')),
    );
  const m = parsed.data.measured;
  return {
    from: `${path}: measured on ${m.host} (${m.cores} ${m.cores === 1 ? 'core' : 'cores'}) at ${m.at}`,
    costs: parsed.data.costs,
    restUs: parsed.data.restUs,
  };
}
