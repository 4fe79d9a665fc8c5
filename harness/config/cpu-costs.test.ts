/** A costs file (--cpu-costs) is taken whole or refused, naming the file, the field and the value. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COSTS_FORMAT, loadCpuCosts } from './cpu-costs.ts';
import { ConfigError } from './errors.ts';
import { planHash, resolvePlan } from './plan.ts';

const dir = mkdtempSync(join(tmpdir(), 'cpu-costs-'));
const good = {
  format: COSTS_FORMAT,
  measured: {
    at: '2026-12-01T11:09:51.094Z',
    command: 'npx node bench/stack.ts --write-costs c.json',
    host: 'vm',
    cores: 2,
  },
  costs: {
    fleet: { connect: 235, delivery: 42, reconnect: 793 },
    toxiproxy: { connect: 253, delivery: 39, reconnect: 370 },
    gateway: { connect: 358, delivery: 31, reconnect: 343 },
  },
  restUs: 0,
};
let n = 0;
const file = (content: unknown) => {
  const f = join(dir, `costs-${n++}.json`);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
};
const problemsOf = (f: string): string[] => {
  try {
    loadCpuCosts(f);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toContain(`--cpu-costs ${f}`);
    return (e as ConfigError).problems;
  }
  throw new Error(`${f} was accepted`);
};

describe('loadCpuCosts', () => {
  it('reads every figure and says where they were measured', () => {
    const c = loadCpuCosts(file(good));
    expect(c.costs).toEqual(good.costs);
    expect(c.restUs).toBe(0);
    expect(c.from).toMatch(/costs-\d+\.json: measured on vm \(2 cores\) at 2026-12-01T11:09:51\.094Z$/);
  });

  it('refuses a missing file, naming it and how to write one', () => {
    const [p] = problemsOf(join(dir, 'nope.json'));
    expect(p).toContain('cannot read it: ENOENT');
    expect(p).toContain('npx node bench/stack.ts --write-costs');
  });

  it('refuses text that is not JSON', () => {
    expect(problemsOf(file('{ fleet: 1 '))[0]).toMatch(/^not JSON: /);
  });

  it('names the field and the value of a figure that is not a positive number', () => {
    const bad = structuredClone(good);
    bad.costs.fleet.delivery = -3;
    (bad.costs.gateway as Record<string, unknown>).connect = 'fast';
    const p = problemsOf(file(bad));
    expect(p).toHaveLength(2);
    expect(p.find((x) => x.startsWith('costs.fleet.delivery:'))).toContain('-3');
    expect(p.find((x) => x.startsWith('costs.gateway.connect:'))).toContain('"fast"');
  });

  it('takes a file whole or not at all: a missing part, an unknown part, another format', () => {
    const { gateway: _g, ...twoParts } = good.costs;
    expect(problemsOf(file({ ...good, costs: twoParts }))).toEqual([expect.stringMatching(/^costs\.gateway: /)]);
    const extra = { ...good, costs: { ...good.costs, kernel: { connect: 1, delivery: 1, reconnect: 1 } } };
    expect(problemsOf(file(extra))[0]).toMatch(/^costs: .*kernel/);
    expect(problemsOf(file({ ...good, format: 'chatstorm-cpu-costs/0' }))[0]).toMatch(/^format: /);
    expect(problemsOf(file([]))[0]).toMatch(/^\(the file\): /);
  });
});

describe('--cpu-costs in the plan', () => {
  const scenario = { name: 's', clients: 100, chatSize: 10 };
  it('is carried by the plan, and is not part of what shards of one run share', () => {
    const f = file(good);
    const plan = resolvePlan(scenario, { scenarioFile: 's.ts', cpuCosts: f });
    expect(plan.cpuCosts?.costs).toEqual(good.costs);
    const without = resolvePlan(scenario, { scenarioFile: 's.ts' });
    expect(without.cpuCosts).toBeUndefined();
    expect(planHash({ ...plan, runId: 'x' })).toBe(planHash({ ...without, runId: 'x' }));
  });

  it('a bad file is a configuration problem of the flag, with the field and the value', () => {
    const bad = structuredClone(good);
    bad.restUs = -1;
    const f = file(bad);
    expect(() => resolvePlan(scenario, { scenarioFile: 's.ts', cpuCosts: f })).toThrow(
      new RegExp(`--cpu-costs ${f.replace(/[.]/g, '\\.')}: restUs: .*-1`),
    );
  });
});
