import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { resolvePlan } from '../config/plan.ts';
import type { ScenarioDefinition } from '../config/scenario.ts';
import { combinations, parseSetFlags, parseValue, withSettings } from './settings.ts';

const scenario: ScenarioDefinition = {
  name: 's',
  clients: 100,
  policy: { backoff: { initial: '1s', jitter: 'none' } },
  thresholds: { delivery_latency: ['p(99)<250'], recovery_time: ['max<3000'] },
  profiles: { small: { clients: 10, policy: { backoff: { max: '2s' } } } },
};

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('sweep settings', () => {
  it('parses values: numbers, booleans, off, and strings kept as written', () => {
    expect(['500', '1.5', 'true', 'false', 'off', '500ms', 'full'].map(parseValue)).toEqual([
      500,
      1.5,
      true,
      false,
      false,
      '500ms',
      'full',
    ]);
  });

  it('every combination, the first setting varying slowest', () => {
    const s = parseSetFlags(['policy.backoff.jitter=none,full', 'gateway.pingInterval=10s,30s,60s']);
    expect(combinations(s).map((c) => c.map((x) => x.text).join(' '))).toEqual([
      'none 10s',
      'none 30s',
      'none 60s',
      'full 10s',
      'full 30s',
      'full 60s',
    ]);
  });

  it('refuses malformed, repeated and empty --set before anything else', () => {
    expect(problems(() => parseSetFlags(['jitter', 'a.b=1', 'a.b=2', 'c=1,,2', '9x=1']))).toEqual([
      '--set: expected key=value[,value…] with key a scenario field path such as policy.backoff.initial (got "jitter")',
      '--set a.b: given twice; list every value in one --set (a.b=a,b)',
      '--set c: an empty value in "1,,2"',
      '--set: expected key=value[,value…] with key a scenario field path such as policy.backoff.initial (got "9x=1")',
    ]);
  });

  it("applies a setting on top of the profile, keeping the rest of the profile and the profile's name", () => {
    const s = withSettings(
      scenario,
      'small',
      [
        { key: 'policy.backoff.jitter', value: 'full' },
        { key: 'gateway.pingInterval', value: '10s' },
      ],
      'f.ts',
    );
    const plan = resolvePlan(s, { scenarioFile: 'f.ts', profile: 'small', runId: 'x' });
    expect({
      clients: plan.clients,
      backoff: plan.policy.backoff,
      ping: plan.gateway.pingIntervalMs,
      profile: plan.scenario.profile,
      thresholds: Object.keys(plan.thresholds),
    }).toEqual({
      clients: 10,
      backoff: { initialMs: 1_000, maxMs: 2_000, multiplier: 2, jitter: 'full' },
      ping: 10_000,
      profile: 'small',
      thresholds: ['delivery_latency', 'recovery_time'],
    });
    // The scenario given is left as it was.
    expect(scenario.policy?.backoff?.jitter).toBe('none');
  });

  it('an unknown key or a bad value is a ConfigError naming the key', () => {
    expect(
      problems(() =>
        withSettings(scenario, undefined, [{ key: 'policy.backof.initial', value: '1s', text: '1s' }], 'f.ts'),
      ),
    ).toEqual(['--set policy.backof.initial: policy: Unrecognized key: "backof"']);
    expect(
      problems(() =>
        withSettings(
          scenario,
          undefined,
          [{ key: 'policy.backoff.jitter', value: 'sometimes', text: 'sometimes' }],
          'f.ts',
        ),
      )[0],
    ).toMatch(/^--set policy\.backoff\.jitter: .*sometimes/);
    expect(
      problems(() => withSettings(scenario, undefined, [{ key: 'clients', value: 0, text: '0' }], 'f.ts'))[0],
    ).toMatch(/^--set clients: /);
  });
});

describe('listed cases', () => {
  it('one assignment per --case, each key once with one value', async () => {
    const { parseCaseFlags } = await import('./settings.ts');
    expect(
      parseCaseFlags(['policy.backoff.jitter=full gateway.pingInterval=10s', 'policy.backoff.jitter=none']).map((c) =>
        c.map((x) => `${x.key}=${x.text}`),
      ),
    ).toEqual([['policy.backoff.jitter=full', 'gateway.pingInterval=10s'], ['policy.backoff.jitter=none']]);
    expect(problems(() => parseCaseFlags(['a=1,2', 'b=1 b=2']))).toEqual([
      '--case 1: expected "key=value key=value …", one value per key (got "a=1,2" in "a=1,2")',
      '--case 2: b given twice in "b=1 b=2"',
    ]);
  });
});
