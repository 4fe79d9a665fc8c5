/**
 * The mutation suite, end to end: each mutant of test/mutants/registry.ts runs through the real
 * CLI against a real Toxiproxy and must fail on its own check, with evidence in its category
 * naming the message, client or chat. The clean gateway and client passing the same scenarios is
 * shown by test/e2e/network-cut.test.ts and test/e2e/scenario-library.test.ts. The score
 * (killed/total) is printed and written to test-results/mutation-score.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { MUTANTS } from '../mutants/registry.ts';
import { checkOf, runCli } from './cli.ts';

const killed = new Set<string>();

describe('mutation suite: every mutant fails on its own check', () => {
  for (const m of MUTANTS) {
    it(`${m.kind} ${m.name} (${m.defect}) → ${m.check}/${m.category}`, async () => {
      const r = await runCli(['run', m.scenario, '--profile', m.profile, ...m.args]);
      expect(r.summary, r.stderr).not.toBeNull();
      const s = r.summary!;
      expect(s.runtimeErrors).toEqual([]);
      expect(r.code).toBe(1);
      const c = checkOf(s, m.check);
      expect(c.verdict).toBe('fail');
      const evidence = c.examples.filter((e) => e.category === m.category);
      expect(evidence.length, `${m.check} examples: ${JSON.stringify(c.examples.slice(0, 3))}`).toBeGreaterThan(0);
      // Evidence names what to look for: a message, a client or a chat.
      expect(evidence.every((e) => e.message !== undefined || e.client !== undefined || e.chat !== undefined)).toBe(true);
      killed.add(m.name);
    }, 150_000);
  }

  afterAll(() => {
    const score = { killed: killed.size, total: MUTANTS.length, survivors: MUTANTS.filter((m) => !killed.has(m.name)).map((m) => m.name) };
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/mutation-score.json', `${JSON.stringify(score, null, 2)}\n`);
    console.log(`mutation score: ${score.killed}/${score.total} killed${score.survivors.length ? `; survivors: ${score.survivors.join(', ')}` : ''}`);
  });
});
