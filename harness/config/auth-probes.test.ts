/** Auth probes in the scenario: how they expand into the plan and the roster, and the mistakes refused before anything runs. */
import { describe, expect, it } from 'vitest';
import { buildRoster } from '../auth/roster.ts';
import { ConfigError } from './errors.ts';
import { resolvePlan, validateScenario } from './plan.ts';
import type { ScenarioDefinition } from './scenario.ts';

const base: ScenarioDefinition = {
  name: 'a',
  clients: 30,
  chatSize: 10,
  duration: '20s',
  faults: [{ type: 'cut', at: '6s', duration: '3s' }],
};
const plan = (s: Partial<ScenarioDefinition>) => resolvePlan({ ...base, ...s }, { scenarioFile: 'a.ts' });
const problems = (s: Partial<ScenarioDefinition>): string[] => {
  try {
    plan(s);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('authProbes', () => {
  it('"all" is every kind on first connect and on reconnect, and expires-before-reconnect once', () => {
    const p = plan({ authProbes: 'all' });
    expect(p.authProbes).toHaveLength(15);
    expect(p.authProbes.filter((x) => x.expect === 4403).map((x) => x.when)).toEqual(['first-connect', 'reconnect']);
    expect(p.authProbes.at(-1)).toEqual({
      kind: 'expires-before-reconnect',
      when: 'reconnect',
      expect: 4401,
      ttlMs: 5_000,
    });
    expect(plan({}).authProbes).toEqual([]);
  });

  it('appends probes to the roster after the normal clients, in real chats, with the worker of their chat', () => {
    const p = plan({
      authProbes: [
        { kind: 'missing', when: 'first-connect' },
        { kind: 'wrong-chat', when: 'reconnect' },
        { kind: 'expired' },
      ],
    });
    const roster = buildRoster({ ...p, workers: 3 });
    expect(roster).toHaveLength(34);
    expect(roster.slice(0, 30).every((r) => !r.probe)).toBe(true);
    expect(roster.slice(30).map((r) => [r.c, r.user, r.chat, r.worker, r.probe!.kind, r.probe!.when])).toEqual([
      [30, 'u30', 'chat-0', 0, 'missing', 'first-connect'],
      [31, 'u31', 'chat-1', 1, 'wrong-chat', 'reconnect'],
      [32, 'u32', 'chat-2', 2, 'expired', 'first-connect'],
      [33, 'u33', 'chat-0', 0, 'expired', 'reconnect'],
    ]);
  });

  it('refuses probes that could not be exercised, naming the field', () => {
    expect(problems({ authProbes: 'all', faults: [] })).toEqual([
      expect.stringMatching(/^authProbes: reconnect probes need a fault that drops every connection/),
    ]);
    expect(problems({ authProbes: [{ kind: 'expires-before-reconnect', ttl: '8s' }] })).toEqual([
      expect.stringMatching(
        /expires-before-reconnect token lives 8000ms, but every fault that drops connections starts before that \(first at 6000ms\)/,
      ),
    ]);
    expect(problems({ authProbes: [{ kind: 'expires-before-reconnect', when: 'first-connect' }] })).toEqual([
      'authProbes[0].when: expires-before-reconnect is presented on reconnect only (got "first-connect")',
    ]);
    expect(problems({ authProbes: [{ kind: 'expired', when: 'first-connect', ttl: '3s' }] })).toEqual([
      'authProbes[0].ttl: only expires-before-reconnect takes a ttl (got "3s" for "expired")',
    ]);
    expect(problems({ authProbes: [{ kind: 'missing', when: 'first-connect' }], faults: [] })).toEqual([]);
    // A client adapter builds its URLs from one token: reconnect probes would be false alarms.
    const adapter = 'examples/clients/fixed-store/adapter.ts';
    expect(problems({ authProbes: 'all', client: adapter })).toEqual([
      expect.stringMatching(/^authProbes: reconnect probes switch tokens inside the reference client/),
    ]);
    expect(
      problems({
        authProbes: [{ kind: 'alg-none', when: 'first-connect' }, { kind: 'expires-before-reconnect' }],
        client: adapter,
      }),
    ).toEqual([]);
  });

  it('rejects an unknown probe kind in the scenario file', () => {
    const issues = (raw: unknown) => {
      try {
        validateScenario({ name: 'a', authProbes: raw }, 'a.ts');
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
      }
      return [];
    };
    expect(issues([{ kind: 'missing' }, { kind: 'stolen' }])).toEqual([
      expect.stringMatching(/^authProbes\[1\]\.kind: .* \(got "stolen"\)$/),
    ]);
    expect(issues('some')).toEqual(['authProbes: expected "all" or a list of { kind, when?, ttl? } (got "some")']);
    expect(issues('all')).toEqual([]);
  });
});
