/** --shard, --shards and --start-at: how a run splits into shards, and the mistakes refused before anything runs. */
import { describe, expect, it } from 'vitest';
import { buildRoster } from '../auth/roster.ts';
import { ConfigError } from './errors.ts';
import { resolvePlan, shardShare, type RunOptions } from './plan.ts';
import type { ScenarioDefinition } from './scenario.ts';

const scenario: ScenarioDefinition = {
  name: 's',
  clients: 95,
  chatSize: 10,
  duration: '20s',
  faults: [{ type: 'cut', at: '6s', duration: '3s' }],
};
const plan = (o: Partial<RunOptions> = {}, s: Partial<ScenarioDefinition> = {}) =>
  resolvePlan({ ...scenario, ...s }, { scenarioFile: 's.ts', runId: 'r', ...o });
const problems = (o: Partial<RunOptions>, s: Partial<ScenarioDefinition> = {}): string[] => {
  try {
    plan(o, s);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('shards', () => {
  it('shard i of n owns the chats k mod n = i, whole; together the shards are exactly the whole roster, with its names', () => {
    const whole = buildRoster(plan());
    const parts = [0, 1, 2].map((i) => buildRoster(plan({ shard: `${i}/3` })));
    parts.forEach((roster, i) => {
      // Renumbered 0, 1, … within the shard; the run-wide index in g.
      expect(roster.map((r) => r.c)).toEqual(roster.map((_, c) => c));
      for (const r of roster) {
        expect(Number(r.chat.slice('chat-'.length)) % 3).toBe(i);
        expect(r.user).toBe(`u${r.g}`);
        expect(whole[r.g!]).toMatchObject({ user: r.user, chat: r.chat });
      }
    });
    // 10 chats (the last of 5): shard 0 has chats 0, 3, 6, 9.
    expect(parts.map((p) => p.length)).toEqual([35, 30, 30]);
    expect(
      parts
        .flat()
        .map((r) => r.g)
        .sort((a, b) => a! - b!),
    ).toEqual(whole.map((r) => r.c));
  });

  it("a shard's share (what the preflight sizes) is exactly what its roster holds, auth probes included", () => {
    for (const probes of [undefined, 'all' as const]) {
      for (const n of [1, 3, 4]) {
        for (let i = 0; i < n; i++) {
          const p = plan({ shard: n > 1 ? `${i}/${n}` : undefined }, probes ? { authProbes: probes } : {});
          const roster = buildRoster(p);
          expect(shardShare(p)).toEqual({
            clients: roster.filter((r) => !r.probe).length,
            probes: roster.filter((r) => r.probe).length,
          });
        }
      }
    }
  });

  it('a shard spreads its chats over its fleet workers, whole chats each', () => {
    const roster = buildRoster(plan({ shard: '1/3', clients: 600, workers: 2 }));
    const workerOf = new Map<string, Set<number>>();
    for (const r of roster) workerOf.set(r.chat, (workerOf.get(r.chat) ?? new Set()).add(r.worker));
    expect([...workerOf.values()].every((w) => w.size === 1)).toBe(true);
    expect(new Set(roster.map((r) => r.worker))).toEqual(new Set([0, 1]));
  });

  it('every shard of one run has the same plan hash; another seed, size or start is another plan', () => {
    const at = '2030-01-01T00:00:00Z';
    const hashes = [0, 1, 2].map(
      (i) => plan({ shard: `${i}/3`, startAt: at, runId: `r${i}`, sourceIps: `127.0.0.${i + 2}` }).shard!.planHash,
    );
    expect(new Set(hashes).size).toBe(1);
    expect(plan({ shard: '0/3', startAt: at, seed: 2 }).shard!.planHash).not.toBe(hashes[0]);
    expect(plan({ shard: '0/3', startAt: at, clients: 90 }).shard!.planHash).not.toBe(hashes[0]);
    expect(plan({ shard: '0/3', startAt: '2030-01-01T00:00:01Z' }).shard!.planHash).not.toBe(hashes[0]);
    expect(plan({ shard: '0/2', startAt: at }).shard!.planHash).not.toBe(hashes[0]);
    expect(plan().shard).toBeNull();
  });

  it('--shards takes the index from JOB_COMPLETION_INDEX', () => {
    expect(plan({ shards: 3, env: { JOB_COMPLETION_INDEX: '2' } }).shard).toMatchObject({ index: 2, count: 3 });
    expect(problems({ shards: 3, env: {} })).toEqual([
      expect.stringMatching(
        /^--shards 3: the shard index comes from JOB_COMPLETION_INDEX, which must be an integer 0\.\.2 \(got nothing: it is not set\)/,
      ),
    ]);
    expect(problems({ shards: 3, env: { JOB_COMPLETION_INDEX: '3' } })).toEqual([expect.stringContaining('(got "3")')]);
  });

  it('refuses a bad --shard, both flags, more shards than chats, a bad --start-at and --source-ips, naming each', () => {
    expect(problems({ shard: '3/3' })).toEqual([
      '--shard: expected <index>/<count> with 0 <= index < count, e.g. 0/3 (got "3/3")',
    ]);
    expect(problems({ shard: 'one' })).toEqual([
      '--shard: expected <index>/<count> with 0 <= index < count, e.g. 0/3 (got "one")',
    ]);
    expect(problems({ shard: '0/2', shards: 2 })).toEqual([
      '--shard and --shards exclude each other (got --shard 0/2 and --shards 2)',
    ]);
    expect(problems({ shard: '0/11' })).toEqual([
      '--shard: 11 shards but only 10 chats; a shard owns whole chats, so at most 10 shards',
    ]);
    expect(problems({ startAt: 'tomorrow' })).toEqual([
      '--start-at: expected an ISO 8601 time with a zone, e.g. 2026-11-30T18:40:00Z (got "tomorrow")',
    ]);
    expect(problems({ startAt: '2030-01-01T00:00:00' })).toHaveLength(1);
    expect(plan({ startAt: '2030-01-01T00:00:00.500Z' }).startAt).toBe(Date.parse('2030-01-01T00:00:00.500Z'));
    expect(problems({ sourceIps: '127.0.0.300' })).toEqual([expect.stringMatching(/^--source-ips: "127\.0\.0\.300"/)]);
    // A single address is a range of one: each shard on a shared host gets its own port range.
    expect(plan({ shard: '1/3', sourceIps: '127.0.0.3' }).sourceIps).toEqual(['127.0.0.3']);
  });

  it("the 200,000-client cap is per host: each shard's share is held to it, the refusal names the field, the value, the shard and the shards that fit", () => {
    const million = { clients: 1_000_000, chatSize: 10 };
    // 5 shards of 100,000 chats: 20,000 chats, 200,000 clients each — at the cap, accepted.
    for (const i of [0, 4])
      expect(shardShare(plan({ shard: `${i}/5` }, million))).toEqual({ clients: 200_000, probes: 0 });
    // 4 shards: 250,000 each, refused before anything runs, with the remedy.
    expect(problems({ shard: '3/4' }, million)).toEqual([
      'clients: 1,000,000 clients, and shard 3/4 would hold 250,000 of them: above the cap of 200,000 clients per host; split the run over more shards: --shards 5 or more (run each with --shard <i>/5; the largest share is then 200,000)',
    ]);
    expect(problems({ shards: 4, env: { JOB_COMPLETION_INDEX: '0' }, clients: 1_000_000 }, { chatSize: 10 })).toEqual([
      expect.stringMatching(
        /^--clients: 1,000,000 clients, and shard 0\/4 would hold 250,000 of them: .* --shards 5 or more/,
      ),
    ]);
    // Whole chats: 1,000,001 clients is 100,001 chats; 5 shards leave shard 0 one chat of 1 over the cap, so 6.
    expect(problems({ shard: '1/5' }, { ...million, clients: 1_000_001 })).toEqual([]);
    expect(problems({ shard: '0/5' }, { ...million, clients: 1_000_001 })[0]).toContain(
      'shard 0/5 would hold 200,001 of them: above the cap of 200,000 clients per host; split the run over more shards: --shards 6 or more',
    );
    // The fleet of a shard is sized by its share (one process per 10,000 of them), and that does not change the plan's hash.
    const three = { clients: 30_000, chatSize: 10_000 };
    const [a, b] = [0, 1].map((i) => plan({ shard: `${i}/2`, startAt: '2030-01-01T00:00:00Z' }, three));
    expect([a.workers, b.workers]).toEqual([2, 1]);
    expect(a.shard!.planHash).toBe(b.shard!.planHash);
    // A shard's roster is its share, built without the others' (and equal to the whole roster's part: the first test).
    const roster = buildRoster(plan({ shard: '1/5' }, { ...million, clients: 1_000_001 }));
    expect(roster.length).toBe(200_000);
    expect(roster[0]).toMatchObject({ c: 0, g: 10, user: 'u10', chat: 'chat-1', worker: 0 });
    expect(roster.at(-1)).toMatchObject({ c: 199_999, g: 999_969, chat: 'chat-99996', worker: 19 });
  });

  it("a shard's default run folder says which shard it is", () => {
    expect(plan({ shard: '1/3', runId: undefined }).runId).toMatch(/-s-shard-1-of-3$/);
  });
});
