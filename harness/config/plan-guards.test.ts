/** The plan's guards against an operator's slip: remote targets, load limits, run ids, chatSize. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { isLoopbackHost, resolvePlan, startAtProblem, validateScenario, type RunOptions } from './plan.ts';
import type { ScenarioDefinition } from './scenario.ts';

const base: ScenarioDefinition = { name: 'a', clients: 4, duration: '5s' };
const problems = (o: Partial<RunOptions>, s: Partial<ScenarioDefinition> = {}): string[] => {
  try {
    resolvePlan({ ...base, ...s }, { scenarioFile: 'a.ts', ...o });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('plan guards', () => {
  it('loopback is all of 127.0.0.0/8, ::1 and localhost; nothing else', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', 'localhost', '[::1]', '::1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['10.0.0.1', '0.0.0.0', 'gateway.example', '128.0.0.1', '127.0.0.1.example'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('a remote --target needs --allow-remote, and the plan then names it', () => {
    expect(problems({ target: 'ws://gw.example:8083' })[0]).toContain(
      '--target: "ws://gw.example:8083" is not on this machine (gw.example is not loopback); chatstorm would open 4 sockets to it',
    );
    const p = resolvePlan(base, { scenarioFile: 'a.ts', target: 'ws://gw.example:8083', allowRemote: true });
    expect(p.remoteTarget).toBe('gw.example:8083');
    expect(p.target).toEqual({ kind: 'external', url: 'ws://gw.example:8083', healthCheck: true });
    expect(resolvePlan(base, { scenarioFile: 'a.ts', target: 'ws://127.0.0.2:9', skipHealthz: true }).target).toEqual({
      kind: 'external',
      url: 'ws://127.0.0.2:9',
      healthCheck: false,
    });
    expect(problems({ skipHealthz: true })).toEqual([
      '--skip-healthz only applies with --target (a gateway chatstorm starts must answer /healthz)',
    ]);
  });

  it('--clients: at most 200,000 on one host (the remedy named: shards), 10,000,000 in a whole run; sendInterval has a floor', () => {
    expect(problems({ clients: 200_001 })).toEqual([
      '--clients: 200,001 clients, and one host would hold them all: above the cap of 200,000 clients per host; split the run over shards: --shards 2 or more (run each with --shard <i>/2; the largest share is then 100,001)',
    ]);
    expect(problems({ clients: 200_000 })).toEqual([]);
    expect(problems({}, { clients: 250_000 })).toEqual([
      expect.stringMatching(
        /^clients: 250,000 clients, and one host would hold them all: above the cap of 200,000 clients per host; split the run over shards: --shards 2 or more/,
      ),
    ]);
    expect(problems({ clients: 10_000_001, shards: 100, env: { JOB_COMPLETION_INDEX: '0' } })).toEqual([
      '--clients: at most 10,000,000 clients in a whole run, however many shards (a guard against a typo) (got 10000001)',
    ]);
    expect(() => validateScenario({ name: 'a', sendInterval: '99ms' }, 'a.ts')).toThrow(
      'sendInterval: "99ms" is 99 ms, below the floor of 100 ms',
    );
    expect(() => validateScenario({ name: 'a', sendInterval: '100ms' }, 'a.ts')).not.toThrow();
  });

  it('--run-id is a folder name, never a path', () => {
    for (const id of ['../x', 'a/b', 'a\\b', '..', '.', 'latest', ''])
      expect(problems({ runId: id })[0], id).toContain('--run-id: expected a folder name');
    for (const id of ['nightly-1.2_x', '01-jitter=none_pingInterval=5s'])
      expect(problems({ runId: id }), id).toEqual([]);
  });

  it('a chatSize above clients is said, not silently cut', () => {
    expect(resolvePlan({ ...base, chatSize: 10 }, { scenarioFile: 'a.ts' }).notes).toEqual([
      'chatSize 10 is more than the 4 clients: one chat of 4',
    ]);
    expect(resolvePlan({ ...base, chatSize: 2 }, { scenarioFile: 'a.ts' }).notes).toBeUndefined();
  });
});

describe('values that would silently mean something else are refused, naming the field and the value', () => {
  it('--target is an origin: a path, a query, credentials or port 0 would be dropped or fail later', () => {
    expect(problems({ target: 'ws://127.0.0.1:8083/chat?x=1' })).toEqual([
      '--target: "ws://127.0.0.1:8083/chat?x=1" has a path "/chat", a query "?x=1": give the gateway\'s origin only, e.g. ws://127.0.0.1:8083 (the client adds /api/v1/chats/{chatId}/ws and the token itself)',
    ]);
    expect(problems({ target: 'ws://u:p@127.0.0.1:8083' })[0]).toContain('has credentials');
    expect(problems({ target: 'ws://127.0.0.1:0' })).toEqual([
      '--target: "ws://127.0.0.1:0": port 0 is no port to connect to',
    ]);
    expect(problems({ target: 'ws://127.0.0.1:8083/' })).toEqual([]);
  });

  it('a traffic phase of 0 or over 24 h, from the flag or the scenario', () => {
    expect(problems({ duration: '0' })).toEqual([
      '--duration: the traffic phase must last more than 0 and at most 24h (got "0", 0 ms)',
    ]);
    expect(problems({ duration: '600h' })[0]).toContain(
      '--duration: the traffic phase must last more than 0 and at most 24h',
    );
    expect(problems({}, { duration: '25h' })[0]).toMatch(/^duration: .*\(got "25h", 90000000 ms\)/);
    expect(problems({ duration: '24h' })).toEqual([]);
  });

  it("--start-at: a day past the month's end, or more than a day ahead", () => {
    const shard = { shard: '0/2' };
    const problems2 = (o: Partial<RunOptions>) => problems(o, { chatSize: 2 });
    expect(problems2({ ...shard, startAt: '2026-02-30T10:00:00Z' })[0]).toContain(
      '--start-at: no such time: "2026-02-30T10:00:00Z"',
    );
    expect(problems2({ ...shard, startAt: '2027-02-29T24:00:00Z' })[0]).toContain('--start-at: no such time');
    // Too far ahead: checked when a run starts (the CLI), so that a plan does not depend on when it is resolved.
    const far = resolvePlan(
      { ...base, chatSize: 2 },
      { scenarioFile: 'a.ts', ...shard, startAt: '9999-12-31T23:59:59Z' },
    );
    expect(startAtProblem(far, Date.parse('2026-12-02T00:00:00Z'))).toMatch(
      /^--start-at: at most 24h from now \(got 9999-12-31T23:59:59\.000Z, \d+\.\d h ahead\)/,
    );
    expect(startAtProblem(far, Date.parse('9999-12-31T00:00:00Z'))).toBeNull();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    expect(problems2({ ...shard, startAt: soon })).toEqual([]);
  });

  it('--seed beyond 32 bits (it would repeat a smaller seed) and a --run-id too long for a folder name', () => {
    expect(problems({ seed: 4_294_967_297 })).toEqual([
      '--seed: expected an integer from 0 to 4294967295 (got 4294967297)',
    ]);
    expect(problems({ seed: 4_294_967_295 })).toEqual([]);
    expect(problems({ runId: 'x'.repeat(201) })[0]).toMatch(
      /^--run-id: at most 200 bytes, a folder name \(got 201: "x{40}…"\)$/,
    );
    expect(problems({ runId: 'é'.repeat(101) })[0]).toContain('(got 202:');
    expect(problems({ runId: 'x'.repeat(200) })).toEqual([]);
  });
});
