/**
 * The auth check from hand-written histories: probes refused with the right code pass; every way
 * of getting it wrong fails with evidence naming the probe kind, the client, the expected and the
 * observed outcome. And probes never leak into the other checks.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../policy/policy.ts';
import { parseThreshold } from '../config/threshold.ts';
import type { ClientEvent, History, ProbeSpec, RosterEntry } from '../record/history.ts';
import { checkAuth, withoutProbes } from './auth.ts';
import type { OraclePlan } from './context.ts';
import { evaluate } from './evaluate.ts';

const T0 = 1_700_000_000_000;
const TRAFFIC = T0 + 1_000;
const plan: OraclePlan = {
  policy: DEFAULT_POLICY,
  thresholds: { delivery_latency: [parseThreshold('p(99)<250')] },
  settleMs: 2_000,
  reconnectToleranceMs: 250,
  faults: [],
};

const attempt = (c: number, t: number, n = 1): ClientEvent => ({
  k: 'attempt',
  t: T0 + t,
  c,
  n,
  delay: 0,
  since: null,
});
const open = (c: number, t: number, n = 1): ClientEvent => ({ k: 'open', t: T0 + t, c, n });
const close = (c: number, t: number, code: number, by: 'server' | 'client' | 'network' = 'server'): ClientEvent => ({
  k: 'close',
  t: T0 + t,
  c,
  code,
  by,
});
const stopped = (c: number, t: number, state: 'unauthorized' | 'forbidden' = 'unauthorized'): ClientEvent => ({
  k: 'stopped',
  t: T0 + t,
  c,
  state,
  message: 'Your session is no longer valid. Please sign in again.',
});
const recv = (c: number, t: number, seq: number): ClientEvent => ({
  k: 'recv',
  t: T0 + t,
  c,
  seq,
  id: `m0-${seq - 1}`,
  sender: 'u0',
  mid: `chat-0:${seq}`,
  sts: T0 + t - 5,
});
/** The gateway completes the upgrade and closes at once with `code`; the client stops for good. */
const refused = (c: number, t: number, code: number, n = 1): ClientEvent[] => [
  attempt(c, t, n),
  open(c, t + 5, n),
  close(c, t + 6, code),
  stopped(c, t + 6, code === 4403 ? 'forbidden' : 'unauthorized'),
];
/** A valid first connect, the network cut at 5 s, one reconnect refused by the network, then `then`. */
const cutThen = (c: number, then: ClientEvent[]): ClientEvent[] => [
  attempt(c, 100),
  open(c, 110),
  close(c, 5_000, 1006, 'network'),
  attempt(c, 6_000, 1),
  { k: 'fail', t: T0 + 6_001, c, n: 1, why: 'refused', code: 1006 },
  ...then,
];

/**
 * Two normal clients of chat-0 (u0 sends three messages, both receive them) and the given probes
 * after them, each with its own events.
 */
function history(probes: { spec: ProbeSpec; events: (c: number) => ClientEvent[] }[]): History {
  const ev: ClientEvent[][] = [[], []];
  for (let c = 0; c < 2; c++) ev[c].push(attempt(c, 100), open(c, 110));
  for (let k = 0; k < 3; k++) {
    const t = 2_000 + k * 1_000;
    ev[0].push(
      { k: 'send', t: T0 + t, c: 0, id: `m0-${k}`, open: true },
      { k: 'ack', t: T0 + t + 5, c: 0, id: `m0-${k}`, seq: k + 1, mid: `chat-0:${k + 1}` },
    );
    for (let c = 0; c < 2; c++) ev[c].push(recv(c, t + 10, k + 1));
  }
  for (let c = 0; c < 2; c++) ev[c].push(close(c, 20_000, 1000, 'client'));
  const roster: RosterEntry[] = [0, 1].map((c) => ({ c, user: `u${c}`, chat: 'chat-0', worker: 0 }));
  probes.forEach((p, j) => {
    const c = 2 + j;
    roster.push({ c, user: `u${c}`, chat: 'chat-0', worker: 0, probe: p.spec });
    ev.push(p.events(c));
  });
  for (const list of ev) list.sort((a, b) => a.t - b.t);
  return {
    roster,
    byClient: ev,
    faults: [],
    samples: Array.from({ length: 20 }, (_, i) => ({
      t: TRAFFIC + i * 1_000,
      worker: 0,
      eldP99: 12,
      eldMax: 20,
      cpu: 0.3,
      open: 2,
      connecting: 0,
      sent: 1,
      received: 2,
    })),
    phases: {
      start: T0,
      connected: T0 + 110,
      trafficStart: TRAFFIC,
      trafficEnd: T0 + 19_000,
      drained: T0 + 19_500,
      end: T0 + 20_000,
    },
    drainComplete: true,
  };
}

const spec = (
  kind: ProbeSpec['kind'],
  when: ProbeSpec['when'] = 'first-connect',
  extra: Partial<ProbeSpec> = {},
): ProbeSpec => ({ kind, when, expect: kind === 'wrong-chat' ? 4403 : 4401, ...extra });

/** Every kind of probe, refused as chat-v1 prescribes, first-connect and reconnect. */
function cleanProbes() {
  return [
    { spec: spec('alg-none'), events: (c: number) => refused(c, 50, 4401) },
    { spec: spec('missing'), events: (c: number) => refused(c, 50, 4401) },
    { spec: spec('wrong-chat'), events: (c: number) => refused(c, 50, 4403) },
    { spec: spec('bad-signature', 'reconnect'), events: (c: number) => cutThen(c, refused(c, 8_000, 4401, 2)) },
    { spec: spec('wrong-chat', 'reconnect'), events: (c: number) => cutThen(c, refused(c, 8_000, 4403, 2)) },
    // Valid until 5 s into the traffic; the cut at 5 s comes after that (T0 + 6 s ≥ TRAFFIC + 5 s).
    {
      spec: spec('expires-before-reconnect', 'reconnect', { ttlMs: 5_000 }),
      events: (c: number) => cutThen(c, refused(c, 8_000, 4401, 2)),
    },
  ];
}

describe('auth check on hand-written histories', () => {
  it('passes when every probe was refused with the right code, and keeps probes out of the other checks', () => {
    const e = evaluate(history(cleanProbes()), plan);
    expect(e.checks.map((c) => [c.name, c.verdict])).toEqual([
      ['delivery', 'pass'],
      ['latency', 'pass'],
      ['reconnect', 'pass'],
      ['no-fallback', 'pass'],
      ['errors-surfaced', 'pass'],
      ['generator-health', 'pass'],
      ['auth', 'pass'],
    ]);
    const auth = e.checks.find((c) => c.name === 'auth')!;
    expect(auth.counts).toEqual({
      probes: 6,
      refusedRightCode: 6,
      wrongCode: 0,
      accepted: 0,
      rejectedBeforeUpgrade: 0,
      notExercised: 0,
      retriedAfterRefusal: 0,
      receivedMessages: 0,
    });
    // Each probe and its outcome is evidence, even when it passed.
    expect(auth.examples).toHaveLength(6);
    expect(auth.examples[2]).toMatchObject({
      category: 'refused',
      client: 4,
      detail: 'wrong-chat on first connect: refused with 4403 as expected',
    });
    // The probes' legitimate receipts (before the cut) and 4401 stops stay out of delivery and errors-surfaced.
    const delivery = e.checks[0].counts;
    expect(delivery).toMatchObject({ acked: 3, required: 6, deliveredLive: 6 });
    expect(e.checks.find((c) => c.name === 'errors-surfaced')!.counts.stopped).toBe(0);
  });

  it('adds no auth check to a run without probes', () => {
    const e = evaluate(history([]), plan);
    expect(e.checks.map((c) => c.name)).not.toContain('auth');
    expect(e.checks).toHaveLength(6);
  });

  it('fails a probe refused with the wrong code, naming kind, client, expected and observed code', () => {
    const h = history([
      ...cleanProbes(),
      { spec: spec('wrong-chat', 'reconnect'), events: (c) => cutThen(c, refused(c, 8_000, 4401, 2)) },
    ]);
    const a = checkAuth(h);
    expect(a.verdict).toBe('fail');
    expect(a.counts).toMatchObject({ probes: 7, refusedRightCode: 6, wrongCode: 1 });
    expect(a.examples.find((x) => x.category === 'wrong-code')).toMatchObject({
      client: 8,
      user: 'u8',
      chat: 'chat-0',
      detail: 'wrong-chat on reconnect: expected close 4403, observed close 4401',
      at: 8.01,
    });
    expect(a.firstBreachAt).toBe(8.01);
  });

  it('fails a bad credential that was accepted, and counts what the unauthorised socket received', () => {
    const h = history([
      {
        spec: spec('expired'),
        events: (c) => [
          attempt(c, 50),
          open(c, 60),
          recv(c, 2_010, 1),
          recv(c, 3_010, 2),
          recv(c, 4_010, 3),
          close(c, 20_000, 1000, 'client'),
        ],
      },
    ]);
    const a = checkAuth(h);
    expect(a.verdict).toBe('fail');
    expect(a.counts).toMatchObject({ accepted: 1, receivedMessages: 3, refusedRightCode: 0 });
    expect(a.examples.find((x) => x.category === 'accepted')!.detail).toBe(
      'expired on first connect: expected close 4401, observed accepted: the socket stayed open to the end of the run, 3 messages received',
    );
    expect(a.examples.find((x) => x.category === 'received-message')).toMatchObject({
      client: 2,
      message: 'm0-0',
      seq: 1,
      at: 2.01,
    });
  });

  it('fails a reconnect that the gateway let in with a bad token, but not the valid first connection', () => {
    const h = history([
      {
        spec: spec('not-yet-valid', 'reconnect'),
        events: (c) =>
          cutThen(c, [recv(c, 2_010, 1), attempt(c, 8_000, 2), open(c, 8_010, 2), close(c, 20_000, 1000, 'client')]),
      },
    ]);
    const a = checkAuth(h);
    expect(a.counts).toMatchObject({ accepted: 1, receivedMessages: 0 });
    expect(a.examples[0].detail).toMatch(/^not-yet-valid on reconnect: expected close 4401, observed accepted/);
  });

  it('fails a rejection before the upgrade (HTTP 401, a bare 1006 to the client) as its own category', () => {
    const rejected = (c: number, t: number, n: number): ClientEvent[] => [
      attempt(c, t, n),
      { k: 'http-status', t: T0 + t + 3, c, status: 401 },
      { k: 'fail', t: T0 + t + 4, c, n, why: 'refused', code: 1006 },
    ];
    const h = history([
      {
        spec: spec('malformed'),
        events: (c) => [...rejected(c, 50, 1), ...rejected(c, 1_050, 2), ...rejected(c, 3_050, 3)],
      },
    ]);
    const a = checkAuth(h);
    expect(a.verdict).toBe('fail');
    expect(a.counts).toMatchObject({ rejectedBeforeUpgrade: 1, retriedAfterRefusal: 0, refusedRightCode: 0 });
    expect(a.examples[0]).toMatchObject({
      category: 'rejected-before-upgrade',
      client: 2,
      detail:
        'malformed on first connect: expected close 4401, observed HTTP 401 before the upgrade (a browser sees a bare 1006 and retries)',
    });
  });

  it('fails a client that retried after 4401', () => {
    const h = history([
      {
        spec: spec('bad-signature'),
        events: (c) => [
          attempt(c, 50),
          open(c, 55),
          close(c, 56, 4401),
          attempt(c, 1_056, 1),
          open(c, 1_060, 1),
          close(c, 1_061, 4401),
        ],
      },
    ]);
    const a = checkAuth(h);
    expect(a.verdict).toBe('fail');
    expect(a.counts).toMatchObject({ refusedRightCode: 1, retriedAfterRefusal: 1 });
    expect(a.examples.find((x) => x.category === 'retried-after-refusal')).toMatchObject({
      client: 2,
      detail: 'bad-signature on first connect: attempted 1 more time(s) after being refused with 4401',
      at: 1.06,
    });
  });

  it('fails when an unauthorised socket received a message before it was closed', () => {
    const h = history([
      {
        spec: spec('alg-none'),
        events: (c) => [attempt(c, 1_990), open(c, 2_000), recv(c, 2_010, 1), close(c, 2_500, 4401), stopped(c, 2_500)],
      },
    ]);
    const a = checkAuth(h);
    expect(a.verdict).toBe('fail');
    expect(a.counts).toMatchObject({ refusedRightCode: 1, receivedMessages: 1 });
    expect(a.examples.find((x) => x.category === 'received-message')).toMatchObject({
      client: 2,
      message: 'm0-0',
      detail: 'alg-none on first connect: an unauthorised socket received 1 messages',
    });
  });

  it('is inconclusive when a reconnect probe never got to reconnect', () => {
    const h = history([
      ...cleanProbes(),
      {
        spec: spec('expired', 'reconnect'),
        events: (c) => [attempt(c, 100), open(c, 110), close(c, 20_000, 1000, 'client')],
      },
    ]);
    const a = checkAuth(h);
    expect(a.verdict).toBe('inconclusive');
    expect(a.counts.notExercised).toBe(1);
    expect(a.examples.find((x) => x.category === 'not-exercised')!.detail).toMatch(
      /^expired on reconnect: not exercised/,
    );
  });

  it('does not hold a reconnect before expiry against an expires-before-reconnect probe', () => {
    // Reconnected at 2.5 s (token still valid, accepted), cut again at 7 s, refused at 8 s.
    const events = (c: number) => [
      attempt(c, 100),
      open(c, 110),
      close(c, 2_000, 1006, 'network'),
      attempt(c, 2_500, 1),
      open(c, 2_510, 1),
      recv(c, 3_010, 2),
      close(c, 7_000, 1006, 'network'),
      ...refused(c, 8_000, 4401),
    ];
    const a = checkAuth(history([{ spec: spec('expires-before-reconnect', 'reconnect', { ttlMs: 5_000 }), events }]));
    expect(a.verdict).toBe('pass');
    expect(a.counts).toMatchObject({ refusedRightCode: 1, accepted: 0, receivedMessages: 0 });
  });

  it('keeps probes out of the history the other checks read, and insists they come last', () => {
    const h = history(cleanProbes());
    expect(withoutProbes(h).roster).toHaveLength(2);
    expect(withoutProbes(h).byClient).toHaveLength(2);
    const swapped = { ...h, roster: [h.roster[2], ...h.roster.slice(0, 2), ...h.roster.slice(3)] };
    expect(() => withoutProbes(swapped)).toThrow(/probes must come after every normal client/);
  });
});
