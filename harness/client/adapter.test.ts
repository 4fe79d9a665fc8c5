/** Choosing a client adapter: --client or the scenario's `client`, resolved and checked before anything starts. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { resolvePlan, validateScenario } from '../config/plan.ts';
import { loadClientAdapter } from './adapter.ts';

const FIXED = 'examples/clients/fixed-store/adapter.ts';
const LEGACY = 'examples/clients/legacy-fallback-store/adapter.ts';

describe('the client of a run', () => {
  it('is the reference client unless --client or the scenario names an adapter; the flag wins', () => {
    expect(resolvePlan({ name: 's' }, { scenarioFile: 's.ts' }).client).toBeNull();
    expect(resolvePlan({ name: 's', client: FIXED }, { scenarioFile: 's.ts' }).client).toBe(resolve(FIXED));
    expect(resolvePlan({ name: 's', client: FIXED }, { scenarioFile: 's.ts', client: LEGACY }).client).toBe(
      resolve(LEGACY),
    );
  });

  it('a module that does not exist is refused, naming where it came from and the value', () => {
    expect(() => resolvePlan({ name: 's' }, { scenarioFile: 's.ts', client: 'nope/adapter.ts' })).toThrow(
      /--client: no such module: "nope\/adapter.ts"/,
    );
    expect(() => resolvePlan({ name: 's', client: 'nope/adapter.ts' }, { scenarioFile: 's.ts' })).toThrow(
      /client: no such module: "nope\/adapter.ts"/,
    );
    expect(() => validateScenario({ name: 's', client: 42 }, 's.ts')).toThrow(
      /client: Invalid input: expected string, received number/,
    );
  });

  it('loads an adapter factory, and refuses a module without one', async () => {
    expect(typeof (await loadClientAdapter(FIXED))).toBe('function');
    await expect(loadClientAdapter('examples/clients/fixed-store/store.ts', '--client')).rejects.toThrow(ConfigError);
    await expect(loadClientAdapter('examples/clients/fixed-store/store.ts', '--client')).rejects.toThrow(
      /--client: the default export must be a factory.*\(got no default export\)/,
    );
  });
});
