/**
 * The mutation suite: every mutant (a gateway or client broken on purpose, one defect each), the
 * promise of DESIGN §3-§5 it breaks, and the check that must catch it with evidence in a category.
 * test/e2e/mutants.test.ts runs each through the real CLI and prints and records the score.
 */
export interface Mutant {
  name: string;
  /** What is broken, in one line. */
  defect: string;
  kind: 'gateway' | 'client';
  /** Extra chatstorm arguments that put the mutant in place. */
  args: string[];
  /** Scenario and profile it runs under. */
  scenario: string;
  profile: string;
  /** The check that must fail, and the example category that must name the evidence. */
  check: string;
  category: string;
}

const gateway = (name: string, defect: string, check: string, category: string, scenario = 'scenarios/network-cut.ts'): Mutant => ({
  name,
  defect,
  kind: 'gateway',
  args: ['--gateway-cmd', `node test/mutants/gateways/${name}.ts`],
  scenario,
  profile: 'small',
  check,
  category,
});

export const MUTANTS: Mutant[] = [
  gateway('drop-broadcast', 'drops every 20th delivery', 'delivery', 'lost'),
  gateway('duplicate-delivery', 'sends every 10th message twice', 'delivery', 'duplicated'),
  gateway('reorder-delivery', 'swaps consecutive messages per recipient', 'delivery', 'out-of-order'),
  gateway('delay-delivery', 'delivers every message 600 ms late', 'latency', 'slow', 'scenarios/smoke.ts'),
  gateway('phantom-message', 'invents a message after every 25th', 'delivery', 'phantom'),
  gateway('seq-gap', 'skips a seq number every 20 messages', 'delivery', 'seq-gap'),
  gateway('ignore-since', 'ignores since on resume', 'delivery', 'lost'),
  gateway('fallback-system-frame', 'announces a local mode with a system frame', 'no-fallback', 'system'),
  gateway('is-fallback-flag', 'marks messages with is_fallback', 'no-fallback', 'is_fallback'),
];
