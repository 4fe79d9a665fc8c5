/**
 * The mutation suite: every mutant (a gateway or client broken on purpose, one defect each), the
 * promise of docs/chat-v1.md, docs/client-policy.md or docs/checks.md it breaks, and the check that must catch it with evidence in a category.
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
  /** Set when every example in the category must also name the message (its client_msg_id). */
  namesMessage?: boolean;
  /** At least one example in the category must match this: caught for the right reason. */
  detail?: RegExp;
}

const gateway = (
  name: string,
  defect: string,
  check: string,
  category: string,
  scenario = 'scenarios/network-cut.ts',
): Mutant => ({
  name,
  defect,
  kind: 'gateway',
  args: ['--gateway-cmd', `node test/mutants/gateways/${name}.ts`],
  scenario,
  profile: 'small',
  check,
  category,
});

/** Scenarios the client mutants run under (test size: their `small` profile). */
const LONG_CUT = 'test/mutants/scenarios/long-cut.ts';
const CONNECT_HANG = 'test/mutants/scenarios/connect-hang.ts';

/**
 * The control for client mutants: the fixed store following the scenario's policy, no defect. It
 * must pass every scenario a client mutant runs under (see clientControls()).
 */
export const CLEAN_CLIENT = 'test/mutants/clients/clean.ts';

/** A client mutant: an adapter under test/mutants/clients/, the fixed store with one defect. */
const client = (
  name: string,
  defect: string,
  check: string,
  category: string,
  scenario: string,
  extra: Pick<Mutant, 'namesMessage' | 'detail'> = {},
): Mutant => ({
  name,
  defect,
  kind: 'client',
  args: ['--client', `test/mutants/clients/${name}.ts`],
  scenario,
  profile: 'small',
  check,
  category,
  ...extra,
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
  gateway('no-auth', 'verifies no token at all', 'auth', 'accepted', 'scenarios/auth-abuse.ts'),
  gateway('no-membership', 'lets any valid token into any chat', 'auth', 'accepted', 'scenarios/auth-abuse.ts'),
  gateway(
    'http-401',
    'refuses with HTTP 401/403 before the upgrade (a browser sees a bare 1006)',
    'auth',
    'rejected-before-upgrade',
    'scenarios/auth-abuse.ts',
  ),
  // Also a delivery phantom and a silent send; registered on no-fallback, the promise it breaks first.
  client(
    'echo-local',
    'shows a send made while disconnected in the chat as if sent',
    'no-fallback',
    'local-message',
    LONG_CUT,
    {
      namesMessage: true,
      detail: /^message m\d+-\d+ ".*" shown in the store, never sent by the gateway$/,
    },
  ),
  client(
    'silent-queue',
    'queues sends made while disconnected, shows nothing, sends them on reconnect',
    'errors-surfaced',
    'silent',
    LONG_CUT,
    { namesMessage: true },
  ),
  client(
    'no-backoff-cap',
    'keeps doubling its backoff past the 2 s cap',
    'reconnect',
    'delay-outside-policy',
    LONG_CUT,
    {
      detail: /^attempt ([5-9]|\d\d+) came \d+ ms after the previous failure; the policy allows 2000–2000 ms/,
    },
  ),
  client('no-delay', 'reconnects at once, with no delay', 'reconnect', 'delay-outside-policy', LONG_CUT, {
    detail: /^attempt 1 came \d+ ms after the previous failure; the policy allows 250–250 ms/,
  }),
  client(
    'gives-up-after-5',
    'gives up after 5 attempts though the policy says 10',
    'reconnect',
    'gave-up-early',
    LONG_CUT,
    { detail: /^gave up after 5 attempts; maxAttempts is 10$/ },
  ),
  client(
    'no-connect-timeout',
    'never times out a connect attempt',
    'reconnect',
    'attempt-past-connect-timeout',
    CONNECT_HANG,
    {
      detail: /^attempt \d+ took \d+ ms to (open|fail); connectTimeout is 2000 ms$/,
    },
  ),
];

/** Every scenario and profile a client mutant runs under: the clean client must pass each. */
export function clientControls(): { scenario: string; profile: string }[] {
  const seen = new Map<string, { scenario: string; profile: string }>();
  for (const m of MUTANTS)
    if (m.kind === 'client') seen.set(`${m.scenario} ${m.profile}`, { scenario: m.scenario, profile: m.profile });
  return [...seen.values()];
}
