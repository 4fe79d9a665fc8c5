import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../config/errors.ts';
import type { ScenarioDefinition } from '../config/scenario.ts';
import { planCapacity } from './capacity.ts';

const scenario: ScenarioDefinition = {
  name: 'cap',
  clients: 200,
  sendInterval: '5s',
  profiles: { small: { clients: 50 } },
};
const base = { scenarioFile: 'cap.ts', reportRoot: '/tmp/cap-unit', runId: 'c' };

describe('capacity planning', () => {
  it("--vary clients starts from the scenario's clients (its profile's) and grows to 16 times it by default", () => {
    const spec = planCapacity(scenario, { ...base, profile: 'small' }, {});
    expect({
      from: spec.search.from,
      to: spec.search.to,
      factor: spec.search.factor,
      resolution: spec.search.resolution,
      headroom: spec.headroom,
      clients: spec.firstPlan.clients,
    }).toEqual({ from: 50, to: 800, factor: 1.5, resolution: { relative: 0.05 }, headroom: 0.2, clients: 50 });
    expect(spec.dir).toBe('/tmp/cap-unit/c');
    expect(spec.firstPlan.reportDir.startsWith('/tmp/cap-unit/c/steps/')).toBe(true);
  });

  it('--vary rate keeps the clients and sets the send interval to clients / rate', () => {
    const spec = planCapacity(scenario, base, { vary: 'rate', from: 100 });
    expect({
      clients: spec.firstPlan.clients,
      sendIntervalMs: spec.firstPlan.sendIntervalMs,
      from: spec.search.from,
    }).toEqual({ clients: 200, sendIntervalMs: 2_000, from: 100 });
    // The scenario's own rate is the default start: 200 clients every 5 s = 40 msg/s.
    expect(planCapacity(scenario, base, { vary: 'rate' }).search.from).toBe(40);
  });

  it('refuses bad options with every problem named, before anything runs', () => {
    let problems: string[] = [];
    try {
      planCapacity(
        scenario,
        { ...base, clients: 10 },
        { vary: 'clients', factor: 'x', resolution: 'fine', headroom: '120%' },
      );
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems).toEqual([
      '--clients: capacity --vary clients sets the clients of each step; use --from and --to (got --clients 10)',
      '--factor: expected a number above 1, e.g. 1.5 (got "x")',
      '--resolution: expected a load (e.g. 50) or a share of the last passing load (e.g. "5%") (got "fine")',
      '--headroom: expected a percentage below 100%, e.g. "20%" (got "120%")',
    ]);
    expect(() => planCapacity(scenario, base, { from: 100, to: 50 })).toThrow(
      /--to: must not be below --from 100 \(got 50\)/,
    );
  });
});
