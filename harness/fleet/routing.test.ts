/** fleet.ts proxyFor: the coordinator routes clients to proxies; a shard's chats spread over all of its proxies. */
import { describe, expect, it } from 'vitest';
import { buildRoster } from '../auth/roster.ts';
import { resolvePlan } from '../config/plan.ts';
import { proxyFor } from './fleet.ts';

const plan = (shard?: string) =>
  resolvePlan(
    { name: 's', clients: 300, chatSize: 10, duration: '20s' },
    { scenarioFile: 's.ts', runId: 'r', ...(shard ? { shard } : {}) },
  );

describe('proxy routing', () => {
  it("a shard's clients use every proxy of its own pool (one gateway process)", () => {
    for (const shard of [undefined, '0/3', '2/3']) {
      const roster = buildRoster(plan(shard));
      const route = proxyFor(roster, 4);
      expect(new Set(route)).toEqual(new Set([0, 1, 2, 3]));
    }
  });

  it("with several gateway processes, a shard's whole chats go to one process's proxies and every process gets chats", () => {
    const routes = [
      [0, 2],
      [1, 3],
    ];
    // Shards of 2 over 2 gateway processes: routing by the run-wide chat number (k mod 2) would put all of a shard's chats on one.
    for (const shard of [undefined, '1/3', '0/2', '1/2']) {
      const roster = buildRoster(plan(shard));
      const route = proxyFor(roster, 4, routes);
      const processOf = new Map<string, Set<number>>();
      roster.forEach((r, i) => {
        processOf.set(r.chat, (processOf.get(r.chat) ?? new Set()).add(routes.findIndex((g) => g.includes(route[i]))));
      });
      expect([...processOf.values()].every((s) => s.size === 1)).toBe(true);
      expect(new Set(route)).toEqual(new Set([0, 1, 2, 3]));
    }
  });
});
