/**
 * The mutation suite, end to end: each mutant of test/mutants/registry.ts runs through the real
 * CLI against a real Toxiproxy and must fail on its own check, with evidence in its category
 * naming the message, client or chat. The clean gateway and client passing the same scenarios is
 * shown by test/e2e/network-cut.test.ts and test/e2e/scenario-library.test.ts; for client mutants,
 * by the controls below (the same store without its defect, on each scenario they use). The score
 * (killed/total) is printed and written to test-results/mutation-score.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLEAN_CLIENT, clientControls, MUTANTS } from '../mutants/registry.ts';
import { checkOf, expectPassOrInstrument, runCli } from './cli.ts';

const killed = new Set<string>();
/** Mutants that ran (a filtered run, `-t client`, runs some): a skipped mutant is no survivor. */
const ran = new Set<string>();

// Two runs at a time (vitest.config.ts maxConcurrency): each is a small run that mostly waits on
// its timeline; side by side they halve the suite's longest file.
describe.concurrent('mutation suite: every mutant fails on its own check', () => {
  for (const m of MUTANTS) {
    it(`${m.kind} ${m.name} (${m.defect}) → ${m.check}/${m.category}`, async () => {
      ran.add(m.name);
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
      expect(evidence.every((e) => e.message !== undefined || e.client !== undefined || e.chat !== undefined)).toBe(
        true,
      );
      if (m.kind === 'client') expect(evidence.every((e) => e.client !== undefined)).toBe(true);
      if (m.namesMessage)
        expect(
          evidence.every((e) => e.message !== undefined),
          JSON.stringify(evidence[0]),
        ).toBe(true);
      if (m.detail) expect(evidence.map((e) => e.detail)).toContainEqual(expect.stringMatching(m.detail));
      killed.add(m.name);
    }, 150_000);
  }

  // Without these, a client mutant could fail because its scenario is too harsh for any store.
  for (const c of clientControls()) {
    it(`client control: the clean store passes ${c.scenario} --profile ${c.profile}`, async () => {
      const r = await runCli(['run', c.scenario, '--profile', c.profile, '--client', CLEAN_CLIENT]);
      expect(r.summary, r.stderr).not.toBeNull();
      const s = r.summary!;
      // pass, or inconclusive naming the instrument or the host's CPU (a loaded shared machine); never fail.
      expectPassOrInstrument(s, r.code);
      // The fault hit every client, so the clean store had the same chance to go wrong.
      expect(s.metrics.faults.length).toBeGreaterThan(0);
      expect(s.metrics.faults.every((f) => f.affected === s.clients)).toBe(true);
    }, 150_000);
  }

  afterAll(() => {
    const score = {
      killed: killed.size,
      total: ran.size,
      notRun: MUTANTS.length - ran.size,
      survivors: [...ran].filter((n) => !killed.has(n)),
    };
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/mutation-score.json', `${JSON.stringify(score, null, 2)}\n`);
    console.log(
      `mutation score: ${score.killed}/${score.total} killed${score.notRun ? ` (${score.notRun} of ${MUTANTS.length} not run)` : ''}${score.survivors.length ? `; survivors: ${score.survivors.join(', ')}` : ''}`,
    );
  });
});
