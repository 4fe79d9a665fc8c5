/** Loads a scenario file (TypeScript, run by Node's type stripping) and validates it. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './errors.ts';
import { validateScenario } from './plan.ts';
import type { ScenarioDefinition } from './scenario.ts';

export async function loadScenario(file: string): Promise<ScenarioDefinition> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new ConfigError(`scenario file not found`, [`<scenario-file>: no such file: "${file}"`]);
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(abs).href);
  } catch (e) {
    throw new ConfigError(`scenario file ${file} could not be loaded`, [(e as Error).message.split('\n')[0]]);
  }
  if (mod.default === undefined)
    throw new ConfigError(`invalid scenario ${file}`, [
      'default export: missing (export default defineScenario({...}))',
    ]);
  return validateScenario(mod.default, file);
}
