/** The preflight sizes a shard (--shard i/n) to its host by its own share of the plan (config/plan.ts shardShare). */
import { describe, expect, it } from 'vitest';
import { resolvePlan, type RunOptions } from '../config/plan.ts';
import type { ScenarioDefinition } from '../config/scenario.ts';
import { preflight } from './preflight.ts';

const scenario: ScenarioDefinition = {
  name: 's',
  clients: 95,
  chatSize: 10,
  duration: '20s',
  faults: [{ type: 'cut', at: '6s', duration: '3s' }],
};
const plan = (o: Partial<RunOptions> = {}, s: Partial<ScenarioDefinition> = {}) =>
  resolvePlan({ ...scenario, ...s }, { scenarioFile: 's.ts', runId: 'r', ...o });

describe('preflight of a shard', () => {
  it('the preflight sizes a shard by its own share of the clients, not the whole plan', () => {
    const host = {
      openFiles: 1_024,
      ephemeralPorts: 28_232,
      portRange: [32_768, 60_999] as [number, number],
      memAvailableMb: 23_000,
      cpus: 2,
      sources: { openFiles: 'test', ephemeralPorts: 'test', memAvailableMb: 'test' },
    };
    const big = { clients: 3_000, chatSize: 10 };
    // 3,000 clients through one worker cannot fit 1,024 descriptors; a third of them (1,000) can't either,
    // but a sixth (500) can, sized to its share: 2 Toxiproxy servers of 345 clients (the whole plan would need 9).
    expect(() => preflight(plan({ workers: 1 }, big), host)).toThrow(/fleet worker\(s\) would hold 3000 sockets/);
    expect(() => preflight(plan({ workers: 1, shard: '0/3' }, big), host)).toThrow(
      /fleet worker\(s\) would hold 1000 sockets/,
    );
    expect(preflight(plan({ workers: 1, shard: '5/6' }, big), host).layout.toxiproxies).toBe(2);
  });
});
