/**
 * auth-abuse end to end, no mocks: the real CLI, a real gateway behind a real Toxiproxy, real
 * sockets carrying real bad tokens, a real cut before the reconnect probes reconnect. The reference
 * gateway refuses every probe with the right close code; three broken gateways each fail the auth
 * check on exactly the probes their defect lets through.
 */
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../harness/report/summary.ts';
import { checkOf, runCli } from './cli.ts';

const KINDS = ['missing', 'malformed', 'bad-signature', 'alg-none', 'expired', 'not-yet-valid', 'wrong-chat'];
const run = (runId: string, mutant?: string) =>
  runCli(
    [
      'run',
      'scenarios/auth-abuse.ts',
      '--profile',
      'small',
      ...(mutant ? ['--gateway-cmd', `node test/mutants/gateways/${mutant}.ts`] : []),
    ],
    { runId },
  );

/** "kind on first connect" / "kind on reconnect" of every probe in a category. */
function probesIn(s: Summary, category: string): string[] {
  return checkOf(s, 'auth')
    .examples.filter((e) => e.category === category)
    .map((e) => e.detail.split(':')[0])
    .sort();
}

describe('auth-abuse, small', () => {
  it('reference gateway: every probe refused with the right code, first connect and reconnect; every check passes', async () => {
    const r = await run('reference');
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    expect({ verdict: s.verdict, failed: s.failedChecks, errors: s.runtimeErrors }).toEqual({
      verdict: 'pass',
      failed: [],
      errors: [],
    });
    expect(r.code).toBe(0);
    expect(s.checks.map((c) => c.name)).toEqual([
      'delivery',
      'latency',
      'reconnect',
      'no-fallback',
      'errors-surfaced',
      'generator-health',
      'auth',
    ]);
    const auth = checkOf(s, 'auth');
    expect(auth.counts).toEqual({
      probes: 15,
      refusedRightCode: 15,
      wrongCode: 0,
      accepted: 0,
      rejectedBeforeUpgrade: 0,
      notExercised: 0,
      retriedAfterRefusal: 0,
      receivedMessages: 0,
    });
    const expected = [
      ...KINDS.flatMap((k) => [`${k} on first connect`, `${k} on reconnect`]),
      'expires-before-reconnect on reconnect',
    ].sort();
    expect(probesIn(s, 'refused')).toEqual(expected);
    expect(auth.examples.find((e) => e.detail.startsWith('wrong-chat on reconnect'))!.detail).toBe(
      'wrong-chat on reconnect: refused with 4403 as expected',
    );
    // Reconnect probes were refused after the cut (5 s into the traffic), not at the start.
    const cutEnd = s.metrics.faults[0].end;
    for (const e of auth.examples.filter((x) => x.detail.includes('on reconnect')))
      expect(e.at!).toBeGreaterThanOrEqual(cutEnd);
    // Probes stay out of the other checks: 60 normal clients, all back after the cut.
    expect(s.metrics.faults[0].affected).toBe(60);
    expect(checkOf(s, 'delivery').counts.lost).toBe(0);
  }, 120_000);

  // Three mutants side by side: each run is light (75 sockets), and only the auth verdict is asserted.
  describe.concurrent('mutant gateways fail the auth check on their own probes', () => {
    it('no auth at all: every probe accepted, and its socket received messages', async () => {
      const r = await run('no-auth', 'no-auth');
      expect(r.summary, r.stderr).not.toBeNull();
      const s = r.summary!;
      expect(r.code).toBe(1);
      expect(s.verdict).toBe('fail');
      const auth = checkOf(s, 'auth');
      expect(auth.verdict).toBe('fail');
      expect(auth.counts).toMatchObject({ probes: 15, accepted: 15, refusedRightCode: 0 });
      expect(auth.counts.receivedMessages).toBeGreaterThan(0);
      expect(probesIn(s, 'accepted')).toHaveLength(15);
      const alg = auth.examples.find(
        (e) => e.category === 'accepted' && e.detail.startsWith('alg-none on first connect'),
      )!;
      expect(alg.detail).toMatch(/expected close 4401, observed accepted/);
      expect(alg.client).toBeGreaterThanOrEqual(60);
      expect(checkOf(s, 'delivery').verdict).toBe('pass');
    }, 120_000);

    it('no membership check: only the wrong-chat probes get in', async () => {
      const r = await run('no-membership', 'no-membership');
      expect(r.summary, r.stderr).not.toBeNull();
      const s = r.summary!;
      expect(r.code).toBe(1);
      const auth = checkOf(s, 'auth');
      expect(auth.verdict).toBe('fail');
      expect(auth.counts).toMatchObject({ probes: 15, accepted: 2, refusedRightCode: 13, wrongCode: 0 });
      expect(probesIn(s, 'accepted')).toEqual(['wrong-chat on first connect', 'wrong-chat on reconnect']);
      expect(probesIn(s, 'received-message')).toEqual(['wrong-chat on first connect', 'wrong-chat on reconnect']);
      expect(auth.examples.find((e) => e.category === 'accepted')!.detail).toMatch(
        /expected close 4403, observed accepted/,
      );
    }, 120_000);

    it('HTTP 401/403 before the upgrade: every probe counted as rejected-before-upgrade', async () => {
      const r = await run('http-401', 'http-401');
      expect(r.summary, r.stderr).not.toBeNull();
      const s = r.summary!;
      expect(r.code).toBe(1);
      const auth = checkOf(s, 'auth');
      expect(auth.verdict).toBe('fail');
      expect(auth.counts).toMatchObject({ probes: 15, rejectedBeforeUpgrade: 15, accepted: 0, receivedMessages: 0 });
      const wrongChat = auth.examples.find((e) => e.detail.startsWith('wrong-chat on reconnect'))!;
      expect(wrongChat).toMatchObject({ category: 'rejected-before-upgrade' });
      expect(wrongChat.detail).toMatch(/expected close 4403, observed HTTP 403 before the upgrade/);
      expect(auth.examples.find((e) => e.detail.startsWith('expired on first connect'))!.detail).toMatch(
        /observed HTTP 401 before the upgrade/,
      );
    }, 120_000);
  });
});
