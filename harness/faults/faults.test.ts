/**
 * The fault vocabulary as the scenario file and the plan see it: the registry is complete, each
 * fault's own schema reports a bad entry by field and value, its params come out in Toxiproxy's
 * units with its defaults, and its own checks (flapping, gateway-restart) reach the plan's errors.
 * (What a fault does to a socket is test/e2e/faults.test.ts, against a real Toxiproxy.)
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { resolvePlan, validateScenario } from '../config/plan.ts';
import type { FaultInput } from '../config/scenario.ts';
import { FAULT_LIST, FAULTS } from './index.ts';

const plan = (faults: FaultInput[], target?: string) =>
  resolvePlan(validateScenario({ name: 'f', duration: '30s', faults }, 'f.ts'), {
    scenarioFile: 'f.ts',
    runId: 'r',
    target,
  });

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('fault registry', () => {
  it('holds each fault under the type its schema accepts, once', () => {
    const types = FAULT_LIST.map((f) => f.type);
    expect(new Set(types).size).toBe(types.length);
    for (const f of FAULT_LIST) {
      expect(FAULTS[f.type]).toBe(f);
      expect(
        f.schema.safeParse({ type: f.type, at: 0, duration: 1 }).error?.issues.some((i) => i.path[0] === 'type'),
      ).not.toBe(true);
    }
  });

  it('turns each entry into params in Toxiproxy units, with the fault’s own defaults', () => {
    const p = plan([
      { type: 'latency', at: '1s', duration: '2s', latency: '300ms' },
      { type: 'slicer', at: 0, duration: 1, averageSize: 16, delay: '2ms', stream: 'downstream' },
      { type: 'reset_peer', at: 0, duration: 1 },
      { type: 'flapping', at: 0, duration: '2s', period: '400ms', down: '150ms' },
      { type: 'blackhole', at: 0, duration: 1, fraction: 0.5 },
      { type: 'gateway-restart', at: 0, duration: 1 },
    ]);
    expect(p.faults.map((f) => [f.id, f.params])).toEqual([
      ['latency#1', { latency: 300, jitter: 0, stream: 'both' }],
      ['slicer#1', { average_size: 16, size_variation: 0, delay: 2_000, stream: 'downstream' }],
      ['reset_peer#1', { timeout: 0, stream: 'both' }],
      ['flapping#1', { periodMs: 400, downMs: 150 }],
      ['blackhole#1', {}],
      ['gateway-restart#1', {}],
    ]);
    expect(p.faults.find((f) => f.type === 'blackhole')?.fraction).toBe(0.5);
    expect(p.proxies).toBe(10);
  });

  it('reports a bad entry by its path and value', () => {
    const bad = (faults: unknown[]) => problems(() => validateScenario({ name: 'f', faults }, 'f.ts'));
    expect(bad([{ type: 'latency', at: '1s', duration: '2s', latency: 'soon' }])).toEqual([
      'faults[0].latency: not a duration: "soon" (expected e.g. "500ms", "5s", "1m30s")',
    ]);
    expect(bad([{ type: 'cut', at: '1s', duration: '2s', latnecy: 5 }])[0]).toBe(
      'faults[0]: Unrecognized key: "latnecy"',
    );
    expect(bad([{ type: 'gateway-restart', at: 0, duration: 1, fraction: 0.5 }])[0]).toBe(
      'faults[0]: Unrecognized key: "fraction"',
    );
    expect(bad([{ type: 'bandwidth', at: 0, duration: 1, rate: -1 }])[0]).toMatch(/^faults\[0\]\.rate: .*\(got -1\)$/);
    expect(bad([{ type: 'flood', at: 0, duration: 1 }])[0]).toMatch(/^faults\[0\]\.type: .*'cut' \| 'blackhole'/);
  });

  it("runs a fault's own checks into the plan's errors", () => {
    expect(problems(() => plan([{ type: 'flapping', at: 0, duration: '5s', period: '1s', down: '1s' }]))).toEqual([
      'faults[0].down: 1000ms must be shorter than faults[0].period 1000ms',
    ]);
    expect(problems(() => plan([{ type: 'gateway-restart', at: 0, duration: '1s' }], 'ws://127.0.0.1:9'))).toContain(
      'faults[0]: gateway-restart needs a gateway chatstorm starts (not --target ws://127.0.0.1:9)',
    );
    expect(problems(() => plan([{ type: 'gateway-restart', at: 0, duration: '1s' }]))).toEqual([]);
  });
});
