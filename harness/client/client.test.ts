/**
 * Unit tests of the reference client (docs/client-policy.md) against a hand-written environment: a fake clock
 * and timer queue advanced by hand, a scripted random(), a recorder, and fake sockets the test
 * opens, feeds and closes. No network, no real timers.
 */
import { describe, expect, it } from 'vitest';
import { ChatClient } from './client.ts';
import type { ClientEnv } from './client.ts';
import { DEFAULT_POLICY, delayEnvelope, minimalBackoffBudget, nominalDelay } from '../policy/policy.ts';
import type { BackoffPolicy, ClientPolicy } from '../policy/policy.ts';
import type { SocketLike } from './socket.ts';
import type { ClientEvent } from '../record/history.ts';

// ─── the fake environment ────────────────────────────────────────────────────────────────────────

const T0 = 1_700_000_000_000;
const C = 7;

interface Timer {
  at: number;
  fn: () => void;
}

/** A manual clock with a timer queue; timers run in time order, ties in the order they were set. */
class FakeTimers {
  now = T0;
  private nextId = 1;
  private readonly queue = new Map<number, Timer>();

  set(fn: () => void, ms: number): number {
    if (!Number.isFinite(ms)) throw new Error(`setTimeout with a non-finite delay: ${ms}`);
    const id = this.nextId++;
    this.queue.set(id, { at: this.now + Math.max(0, ms), fn });
    return id;
  }

  clear(handle: unknown): void {
    if (typeof handle === 'number') this.queue.delete(handle);
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.queue.size;
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, Timer] | undefined;
      for (const entry of this.queue) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.queue.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }
}

/** A socket the test drives: open(), frame(), serverClose(); it records what the client does to it. */
class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: { t: number; frame: Record<string, unknown> }[] = [];
  readonly closes: { code?: number; reason?: string }[] = [];
  readonly url: string;
  private readonly clock: FakeTimers;

  constructor(url: string, clock: FakeTimers) {
    this.url = url;
    this.clock = clock;
  }

  send(data: string): void {
    this.sent.push({ t: this.clock.now, frame: JSON.parse(data) });
  }

  close(code?: number, reason?: string): void {
    this.closes.push({ code, reason });
    this.readyState = 2;
  }

  // Driven by the test. A detached socket (handlers null) ignores them, as a real one would.
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  frame(f: unknown): void {
    this.onmessage?.({ data: typeof f === 'string' ? f : JSON.stringify(f) });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }

  framesOf(type: string): Record<string, unknown>[] {
    return this.sent.map((s) => s.frame).filter((f) => f.type === type);
  }
}

type Kind = ClientEvent['k'];
type Ev<K extends Kind> = Extract<ClientEvent, { k: K }>;

interface Options {
  policy?: Partial<Omit<ClientPolicy, 'backoff'>>;
  backoff?: Partial<BackoffPolicy>;
  /** Values random() returns, in order; 0.5 once exhausted. */
  random?: number[];
  /** The host's handshake gate (ClientEnv.whenFree); absent: none. */
  whenFree?: ClientEnv['whenFree'];
}

function setup(o: Options = {}) {
  const timers = new FakeTimers();
  const events: ClientEvent[] = [];
  const sockets: FakeSocket[] = [];
  const sinces: (number | null)[] = [];
  const script = [...(o.random ?? [])];
  const policy: ClientPolicy = { ...DEFAULT_POLICY, ...o.policy, backoff: { ...DEFAULT_POLICY.backoff, ...o.backoff } };
  let refuseConnect = false;

  const env: ClientEnv = {
    now: () => timers.now,
    setTimeout: (fn, ms) => timers.set(fn, ms),
    clearTimeout: (h) => timers.clear(h),
    random: () => (script.length > 0 ? script.shift()! : 0.5),
    connect: (url) => {
      if (refuseConnect) throw new Error('connect failed synchronously');
      const s = new FakeSocket(url, timers);
      sockets.push(s);
      return s;
    },
    record: (ev) => void events.push(ev),
    ...(o.whenFree ? { whenFree: o.whenFree } : {}),
  };
  const identity = {
    c: C,
    url: (since: number | null) => {
      sinces.push(since);
      return `ws://gw.test/api/v1/chats/c1/ws?token=tok${since === null ? '' : `&since=${since}`}`;
    },
  };
  const client = new ChatClient(identity, policy, env);

  const h = {
    client,
    timers,
    events,
    sockets,
    sinces,
    policy,
    /** The most recent socket the client asked for. */
    get socket(): FakeSocket {
      const s = sockets[sockets.length - 1];
      if (!s) throw new Error('no socket yet');
      return s;
    },
    of<K extends Kind>(k: K): Ev<K>[] {
      return events.filter((e): e is Ev<K> => e.k === k);
    },
    last<K extends Kind>(k: K): Ev<K> | undefined {
      const all = h.of(k);
      return all[all.length - 1];
    },
    advance(ms: number): void {
      timers.advance(ms);
    },
    /** start() and open the first socket. */
    startOpen(): FakeSocket {
      client.start();
      h.socket.open();
      return h.socket;
    },
    /** Every frame of a type the client sent, on any socket. */
    allSent(type?: string): Record<string, unknown>[] {
      return sockets.flatMap((s) => s.sent.map((x) => x.frame)).filter((f) => type === undefined || f.type === type);
    },
    refuseConnects(on: boolean): void {
      refuseConnect = on;
    },
  };
  return h;
}

type Harness = ReturnType<typeof setup>;

const message = (seq: number, over: Record<string, unknown> = {}) => ({
  type: 'message',
  message_id: `c1:${seq}`,
  chat_id: 'c1',
  seq,
  sender_id: 'u2',
  client_msg_id: `m-${seq}`,
  content: `hello ${seq}`,
  server_ts: T0 + seq,
  ...over,
});

/**
 * Advances to just before `wait` ms have passed (nothing new), then to it: a new attempt on a new
 * socket, recorded with its number, its backoff `delay` (default: the wait) and `since`.
 */
function expectAttemptAfter(h: Harness, wait: number, n: number, since: number | null = 0, delay = wait): FakeSocket {
  const before = h.sockets.length;
  const attempts = h.of('attempt').length;
  if (wait > 0) {
    h.advance(wait - 1);
    expect(h.sockets.length, `attempt ${n} started early`).toBe(before);
    expect(h.of('attempt').length).toBe(attempts);
    h.advance(1);
  }
  expect(h.sockets.length, `attempt ${n} did not start after ${wait} ms`).toBe(before + 1);
  const a = h.last('attempt') as Extract<ClientEvent, { k: 'attempt' }>;
  // A backoff attempt says when its timer was due: with on-time timers, the moment it fired.
  expect(a).toEqual({
    k: 'attempt',
    t: h.timers.now,
    c: C,
    n,
    delay,
    since,
    ...(wait > 0 ? { due: h.timers.now } : a.due !== undefined ? { due: h.timers.now } : {}),
  });
  return h.socket;
}

// ─── attempt schedule ────────────────────────────────────────────────────────────────────────────

describe('attempt schedule', () => {
  it('the initial connect is attempt 1 with delay 0 and since null, and opens', () => {
    const h = setup();
    expect(h.client.state).toBe('idle');
    h.client.start();
    expect(h.client.state).toBe('connecting');
    expect(h.events).toEqual([{ k: 'attempt', t: T0, c: C, n: 1, delay: 0, since: null }]);
    expect(h.sockets).toHaveLength(1);
    expect(h.sinces).toEqual([null]);
    h.advance(250);
    h.socket.open();
    expect(h.client.state).toBe('open');
    expect(h.last('open')).toEqual({ k: 'open', t: T0 + 250, c: C, n: 1 });
  });

  it('start() while already connecting or open does not open a second socket', () => {
    const h = setup();
    h.client.start();
    h.client.start();
    expect(h.sockets).toHaveLength(1);
    h.socket.open();
    h.client.start();
    expect(h.sockets).toHaveLength(1);
    expect(h.of('attempt')).toHaveLength(1);
  });

  it('after a drop, attempt n starts exactly nominalDelay(n) later: 1, 2, 4, 8, 16, 30 … s; after 10 refusals it stops in failed', () => {
    const h = setup();
    h.startOpen();
    h.advance(5_000);
    const dropAt = h.timers.now;
    h.socket.serverClose(1006);
    expect(h.last('close')).toEqual({ k: 'close', t: dropAt, c: C, code: 1006, by: 'network' });
    expect(h.client.state).toBe('backoff');

    const expected = [1, 2, 4, 8, 16, 30, 30, 30, 30, 30].map((s) => s * 1000);
    for (let n = 1; n <= 10; n++) {
      expect(nominalDelay(DEFAULT_POLICY.backoff, n)).toBe(expected[n - 1]);
      const s = expectAttemptAfter(h, expected[n - 1], n);
      expect(h.client.state).toBe('connecting');
      s.serverClose(1006); // refused at once
      expect(h.last('fail')).toEqual({ k: 'fail', t: h.timers.now, c: C, n, why: 'refused', code: 1006 });
      if (n < 10) expect(h.client.state).toBe('backoff');
    }

    // Gave up right after the 10th failure: 181 s after the drop, the minimal backoff budget.
    const stopped = h.last('stopped');
    expect(stopped).toMatchObject({ k: 'stopped', c: C, state: 'failed' });
    expect(stopped!.t - dropAt).toBe(181_000);
    expect(stopped!.t - dropAt).toBe(minimalBackoffBudget(DEFAULT_POLICY));
    expect(typeof stopped!.message).toBe('string');
    expect(stopped!.message.length).toBeGreaterThan(0);
    expect(h.client.state).toBe('failed');
    expect(h.client.error).toBe(stopped!.message);

    // No further attempt, however long we wait.
    const sockets = h.sockets.length;
    const events = h.events.length;
    h.advance(24 * 3600_000);
    expect(h.sockets).toHaveLength(sockets);
    expect(h.events).toHaveLength(events);
    expect(h.timers.pending).toBe(0);
    expect(h.of('attempt')).toHaveLength(1 + 10);
  });

  it('with attempts that time out, attempt n still waits nominalDelay(n) after the previous failure', () => {
    const h = setup();
    h.startOpen();
    const dropAt = h.timers.now;
    h.socket.serverClose(1011);
    for (let n = 1; n <= 10; n++) {
      const s = expectAttemptAfter(h, nominalDelay(DEFAULT_POLICY.backoff, n), n);
      h.advance(DEFAULT_POLICY.connectTimeoutMs);
      expect(s.closes).toHaveLength(1);
      expect(h.last('fail')).toMatchObject({ n, why: 'timeout' });
    }
    // Attempt 10 starts at 181 s of delays + 9 connect timeouts; the client gives up 10 s later.
    expect(h.last('attempt')!.t - dropAt).toBe(181_000 + 9 * 10_000);
    expect(h.last('stopped')).toMatchObject({ state: 'failed', t: dropAt + 181_000 + 10 * 10_000 });
    h.advance(3600_000);
    expect(h.of('attempt')).toHaveLength(11);
  });

  it('a first connect that fails is attempt 1 of the series: attempt 2 follows after nominalDelay(2) = 2 s', () => {
    const h = setup();
    h.client.start();
    h.socket.serverClose(1006);
    expect(h.last('fail')).toMatchObject({ n: 1, why: 'refused' });
    expectAttemptAfter(h, 2_000, 2, null);
  });

  it('a connect() that throws counts as a failed attempt (why: error) and is retried', () => {
    const h = setup();
    h.refuseConnects(true);
    h.client.start();
    expect(h.sockets).toHaveLength(0);
    expect(h.last('fail')).toEqual({ k: 'fail', t: T0, c: C, n: 1, why: 'error' });
    expect(h.client.state).toBe('backoff');
    h.refuseConnects(false);
    expectAttemptAfter(h, 2_000, 2, null);
  });

  it('resetOnOpen: after a successful reopen, the next drop starts again at n = 1 after 1 s', () => {
    const h = setup();
    h.startOpen();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1).serverClose(1006);
    expectAttemptAfter(h, 2_000, 2).open();
    expect(h.last('open')).toMatchObject({ n: 2 });
    h.advance(60_000);
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1);
  });

  it('resetOnOpen false: an open does not reset the counter, the next drop continues the series', () => {
    const h = setup({ policy: { resetOnOpen: false } });
    h.startOpen(); // attempt 1
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 2_000, 2).serverClose(1006);
    expectAttemptAfter(h, 4_000, 3).open();
    h.advance(60_000);
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 8_000, 4);
  });

  it('resetOnOpen false: maxAttempts counts every attempt since start, opens included', () => {
    const h = setup({ policy: { resetOnOpen: false, maxAttempts: 3 } });
    h.startOpen();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 2_000, 2).open();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 4_000, 3).open();
    h.socket.serverClose(1006);
    expect(h.client.state).toBe('failed');
    expect(h.last('stopped')).toMatchObject({ state: 'failed' });
    h.advance(3600_000);
    expect(h.of('attempt')).toHaveLength(3);
  });

  it("jittered delays come from random(), are recorded as waited, and lie inside the policy's envelope", () => {
    const h = setup({ backoff: { jitter: 'full' }, random: [0.25, 0.75, 0.5] });
    h.startOpen();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 250, 1).serverClose(1006); // 0.25 × 1 s
    expectAttemptAfter(h, 1_500, 2).serverClose(1006); // 0.75 × 2 s
    expectAttemptAfter(h, 2_000, 3); // 0.5 × 4 s
  });

  it('decorrelated jitter grows from the previous actual delay', () => {
    const b: Partial<BackoffPolicy> = { jitter: 'decorrelated' };
    const h = setup({ backoff: b, random: [0.5, 0.5, 0] });
    h.startOpen();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 2_000, 1).serverClose(1006); // 1 s + 0.5 × (3 s − 1 s)
    expectAttemptAfter(h, 3_500, 2).serverClose(1006); // 1 s + 0.5 × (3 × 2 s − 1 s)
    expectAttemptAfter(h, 1_000, 3); // random 0 → base
    const attempts = h.of('attempt').slice(1);
    let prev = 0;
    for (const a of attempts) {
      const env = delayEnvelope(h.policy.backoff, a.n, prev);
      expect(a.delay).toBeGreaterThanOrEqual(env.min);
      expect(a.delay).toBeLessThanOrEqual(env.max);
      prev = a.delay;
    }
  });
});

// ─── connect timeout ─────────────────────────────────────────────────────────────────────────────

describe('connect timeout', () => {
  it('a socket that never opens is closed after connectTimeoutMs, recorded as a timeout, and the backoff follows', () => {
    const h = setup();
    h.startOpen();
    h.socket.serverClose(1006);
    const stuck = expectAttemptAfter(h, 1_000, 1);
    h.advance(DEFAULT_POLICY.connectTimeoutMs - 1);
    expect(stuck.closes).toHaveLength(0);
    expect(h.client.state).toBe('connecting');
    h.advance(1);
    expect(stuck.closes).toHaveLength(1);
    expect(h.last('fail')).toEqual({ k: 'fail', t: h.timers.now, c: C, n: 1, why: 'timeout' });
    expect(h.client.state).toBe('backoff');
    const next = expectAttemptAfter(h, 2_000, 2);

    // Late events of the abandoned socket change nothing.
    const events = h.events.length;
    stuck.open();
    stuck.frame(message(3));
    stuck.serverClose(1006);
    expect(h.events).toHaveLength(events);
    expect(h.client.state).toBe('connecting');
    expect(h.client.lastSeq).toBeNull();
    h.advance(1_500);
    expect(h.sockets).toHaveLength(3); // no extra attempt scheduled by the stale close

    // The current attempt still works, and keeps its number.
    next.open();
    expect(h.client.state).toBe('open');
    expect(h.last('open')).toMatchObject({ n: 2 });
  });

  it('the first connect times out too: closed at 10 s, attempt 2 follows 2 s later', () => {
    const h = setup();
    h.client.start();
    const first = h.socket;
    h.advance(10_000);
    expect(first.closes).toHaveLength(1);
    expect(h.last('fail')).toMatchObject({ n: 1, why: 'timeout', t: T0 + 10_000 });
    expectAttemptAfter(h, 2_000, 2, null);
    expect(h.last('attempt')!.t).toBe(T0 + 12_000);
  });

  it('a socket that opens in time is not closed by the connect timer', () => {
    const h = setup();
    h.client.start();
    h.advance(9_999);
    h.socket.open();
    h.advance(60_000);
    expect(h.socket.closes).toHaveLength(0);
    expect(h.client.state).toBe('open');
    expect(h.of('fail')).toHaveLength(0);
  });

  it('uses the configured connectTimeoutMs', () => {
    const h = setup({ policy: { connectTimeoutMs: 3_000 } });
    h.client.start();
    h.advance(2_999);
    expect(h.of('fail')).toHaveLength(0);
    h.advance(1);
    expect(h.last('fail')).toMatchObject({ why: 'timeout', t: T0 + 3_000 });
  });
});

// ─── close codes ─────────────────────────────────────────────────────────────────────────────────

describe('close codes', () => {
  const refusals = [
    [4401, 'unauthorized'],
    [4403, 'forbidden'],
  ] as const;

  function expectStoppedForGood(h: Harness, state: 'unauthorized' | 'forbidden'): void {
    expect(h.client.state).toBe('stopped');
    const stopped = h.last('stopped');
    expect(stopped).toMatchObject({ k: 'stopped', c: C, state });
    expect(stopped!.message.length).toBeGreaterThan(0);
    expect(h.client.error).toBe(stopped!.message);
    const sockets = h.sockets.length;
    h.advance(24 * 3600_000);
    expect(h.sockets).toHaveLength(sockets);
    expect(h.timers.pending).toBe(0);
    expect(h.of('stopped')).toHaveLength(1);
  }

  it.each(refusals)('%i before open on the first connect stops the client for good (%s)', (code, state) => {
    const h = setup();
    h.client.start();
    h.socket.serverClose(code);
    expect(h.last('fail')).toEqual({ k: 'fail', t: T0, c: C, n: 1, why: 'closed', code });
    expectStoppedForGood(h, state);
    expect(h.of('attempt')).toHaveLength(1);
  });

  it.each(refusals)(
    '%i right after the upgrade on the first connect (open, then close) stops it (%s)',
    (code, state) => {
      const h = setup();
      h.startOpen();
      h.socket.serverClose(code);
      expect(h.last('close')).toMatchObject({ code, by: 'server' });
      expectStoppedForGood(h, state);
      expect(h.of('attempt')).toHaveLength(1);
    },
  );

  it.each(refusals)('%i on a long-open socket stops the client for good (%s)', (code, state) => {
    const h = setup();
    h.startOpen();
    h.advance(30_000);
    h.socket.serverClose(code);
    expect(h.last('close')).toEqual({ k: 'close', t: T0 + 30_000, c: C, code, by: 'server' });
    expectStoppedForGood(h, state);
  });

  it.each(refusals)('%i on a reconnect attempt stops the client for good (%s)', (code, state) => {
    const h = setup();
    h.startOpen();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1).serverClose(code);
    expect(h.last('fail')).toMatchObject({ n: 1, why: 'closed', code });
    expectStoppedForGood(h, state);
    expect(h.of('attempt')).toHaveLength(2);
  });

  it('a send while stopped fails visibly and does not reconnect', () => {
    const h = setup();
    h.client.start();
    h.socket.serverClose(4401);
    expect(h.client.send('m1', 'x')).toBe(false);
    expect(h.last('send-error')).toMatchObject({ id: 'm1' });
    h.advance(60_000);
    expect(h.sockets).toHaveLength(1);
  });

  it.each([
    [1006, 'network'],
    [1011, 'server'],
    [1001, 'server'],
    [1000, 'server'],
    [4400, 'server'],
  ] as const)('%i on an open socket schedules a reconnect after 1 s (close by %s)', (code, by) => {
    const h = setup();
    h.startOpen();
    h.socket.serverClose(code);
    expect(h.last('close')).toEqual({ k: 'close', t: T0, c: C, code, by });
    expect(h.client.state).toBe('backoff');
    expect(h.of('stopped')).toHaveLength(0);
    expectAttemptAfter(h, 1_000, 1);
  });

  it.each([
    [1006, 'refused'],
    [1011, 'closed'],
    [1001, 'closed'],
  ] as const)('%i before open fails the attempt (%s) and schedules the next one', (code, why) => {
    const h = setup();
    h.client.start();
    h.socket.serverClose(code);
    expect(h.last('fail')).toEqual({ k: 'fail', t: T0, c: C, n: 1, why, code });
    expect(h.client.state).toBe('backoff');
    expectAttemptAfter(h, 2_000, 2, null);
  });
});

// ─── resume ──────────────────────────────────────────────────────────────────────────────────────

describe('resume', () => {
  it('first connect uses since = null; a reconnect after messages up to seq 7 uses since = 7', () => {
    const h = setup();
    h.startOpen();
    expect(h.sinces).toEqual([null]);
    for (let seq = 1; seq <= 7; seq++) h.socket.frame(message(seq));
    expect(h.client.lastSeq).toBe(7);
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, 7);
    expect(h.sinces).toEqual([null, 7]);
    expect(h.socket.url).toContain('since=7');
  });

  it('since is the highest seq seen, not the last one received', () => {
    const h = setup();
    h.startOpen();
    h.socket.frame(message(7));
    h.socket.frame(message(5));
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, 7);
  });

  it('each attempt of a series uses the seq seen so far, across failed attempts', () => {
    const h = setup();
    h.startOpen();
    h.socket.frame(message(3));
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, 3).serverClose(1006);
    expectAttemptAfter(h, 2_000, 2, 3).open();
    h.socket.frame(message(4));
    h.socket.frame(message(5));
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, 5);
    expect(h.sinces).toEqual([null, 3, 3, 5]);
  });

  it('after a system/gap to_seq 12, the next reconnect uses since = 12', () => {
    const h = setup();
    h.startOpen();
    h.socket.frame(message(2));
    h.socket.frame({ type: 'system', event: 'gap', from_seq: 3, to_seq: 12 });
    expect(h.last('gap')).toEqual({ k: 'gap', t: T0, c: C, from: 3, to: 12 });
    expect(h.of('fallback')).toHaveLength(0);
    expect(h.client.lastSeq).toBe(12);
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, 12);
  });

  it('a client that opened but saw nothing resumes from since = 0 (so it gets what was sent while away)', () => {
    const h = setup();
    h.startOpen();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, 0);
  });

  it('a client that never opened keeps since = null on its retries', () => {
    const h = setup();
    h.client.start();
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 2_000, 2, null);
    expect(h.sinces).toEqual([null, null]);
  });

  it('with resume: false, since stays null', () => {
    const h = setup({ policy: { resume: false } });
    h.startOpen();
    for (let seq = 1; seq <= 7; seq++) h.socket.frame(message(seq));
    h.socket.frame({ type: 'system', event: 'gap', from_seq: 8, to_seq: 12 });
    h.socket.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, null);
    expect(h.sinces).toEqual([null, null]);
    expect(h.socket.url).not.toContain('since');
  });
});

// ─── sends ───────────────────────────────────────────────────────────────────────────────────────

describe('sends', () => {
  it('a send while connecting fails visibly, sends nothing, and queues nothing for later', () => {
    const h = setup();
    h.client.start();
    h.advance(100);
    expect(h.client.send('m1', 'hi')).toBe(false);
    expect(h.events.slice(-2)).toEqual([
      { k: 'send', t: T0 + 100, c: C, id: 'm1', open: false },
      { k: 'send-error', t: T0 + 100, c: C, id: 'm1', why: expect.any(String) },
    ]);
    expect(h.client.pendingCount).toBe(0);
    expect(h.sockets).toHaveLength(1); // no extra connect: one is already under way
    h.socket.open();
    h.advance(60_000);
    expect(h.allSent('send')).toEqual([]);
  });

  it('a send during backoff fails visibly, sends nothing, and keeps the scheduled backoff', () => {
    const h = setup();
    h.startOpen();
    h.socket.serverClose(1006);
    h.advance(500);
    expect(h.client.send('m1', 'hi')).toBe(false);
    expect(h.last('send')).toMatchObject({ id: 'm1', open: false });
    expect(h.last('send-error')).toMatchObject({ id: 'm1' });
    expect(h.sockets).toHaveLength(1);
    expectAttemptAfter(h, 500, 1, 0, 1_000).open(); // still 1 s after the drop
    expect(h.allSent('send')).toEqual([]);
  });

  it('a send while idle fails visibly and starts the client (error + reconnect)', () => {
    const h = setup();
    expect(h.client.send('m1', 'hi')).toBe(false);
    expect(h.events.map((e) => e.k)).toEqual(['send', 'send-error', 'attempt']);
    expect(h.client.state).toBe('connecting');
    h.socket.open();
    expect(h.allSent('send')).toEqual([]);
  });

  it('a send after the client gave up fails visibly and does not restart it', () => {
    const h = setup({ policy: { maxAttempts: 1 } });
    h.client.start();
    h.socket.serverClose(1006);
    expect(h.client.state).toBe('failed');
    expect(h.client.send('m1', 'hi')).toBe(false);
    expect(h.last('send-error')).toMatchObject({ id: 'm1' });
    h.advance(60_000);
    expect(h.sockets).toHaveLength(1);
  });

  it('a send on a socket whose readyState is no longer OPEN fails visibly and writes nothing', () => {
    const h = setup();
    const s = h.startOpen();
    s.readyState = 2; // closing, close event not yet delivered
    expect(h.client.send('m1', 'hi')).toBe(false);
    expect(h.last('send')).toMatchObject({ open: false });
    expect(h.last('send-error')).toMatchObject({ id: 'm1' });
    expect(s.sent).toEqual([]);
  });

  it('a send while open writes a send frame and stays pending until its ack', () => {
    const h = setup();
    const s = h.startOpen();
    h.advance(40);
    expect(h.client.send('m1', 'hello there')).toBe(true);
    expect(h.last('send')).toEqual({ k: 'send', t: T0 + 40, c: C, id: 'm1', open: true });
    expect(h.of('send-error')).toHaveLength(0);
    expect(s.sent.map((x) => x.frame)).toEqual([{ type: 'send', client_msg_id: 'm1', content: 'hello there' }]);
    expect(h.client.pendingCount).toBe(1);

    h.advance(10);
    s.frame({ type: 'ack', client_msg_id: 'm1', message_id: 'c1:1', seq: 1, server_ts: T0 + 45 });
    expect(h.last('ack')).toEqual({ k: 'ack', t: T0 + 50, c: C, id: 'm1', seq: 1, mid: 'c1:1' });
    expect(h.client.pendingCount).toBe(0);

    // An acked send is not reported lost on a later drop.
    s.serverClose(1006);
    expect(h.of('send-error')).toHaveLength(0);
  });

  it('without ackTimeout, a drop reports every unacked send as lost and resends nothing', () => {
    const h = setup();
    const s = h.startOpen();
    h.client.send('m1', 'a');
    h.client.send('m2', 'b');
    h.client.send('m3', 'c');
    s.frame({ type: 'ack', client_msg_id: 'm2', message_id: 'c1:1', seq: 1, server_ts: T0 });
    h.advance(100);
    s.serverClose(1006);
    const errors = h.of('send-error');
    expect(errors.map((e) => e.id).sort()).toEqual(['m1', 'm3']);
    for (const e of errors) expect(e).toMatchObject({ t: T0 + 100, c: C, why: 'connection lost before ack' });
    expect(h.client.pendingCount).toBe(0);
    const next = expectAttemptAfter(h, 1_000, 1);
    next.open();
    expect(next.sent).toEqual([]);
  });

  it('with ackTimeout, an unacked send makes the client abandon the socket (4000) and resend the same id after reopen', () => {
    const h = setup({ policy: { ackTimeoutMs: 3_000 } });
    const s1 = h.startOpen();
    h.advance(100);
    h.client.send('m1', 'hello');
    h.advance(2_999);
    expect(s1.closes).toEqual([]);
    expect(h.client.state).toBe('open');
    h.advance(1);
    expect(s1.closes).toHaveLength(1);
    expect(s1.closes[0].code).toBe(4000);
    expect(h.last('close')).toEqual({ k: 'close', t: T0 + 3_100, c: C, code: 4000, by: 'client' });
    expect(h.client.state).toBe('backoff');
    expect(h.of('send-error')).toHaveLength(0); // it will be resent, not reported lost
    expect(h.client.pendingCount).toBe(1);

    const s2 = expectAttemptAfter(h, 1_000, 1);
    // The abandoned socket's close event arrives late: ignored.
    const events = h.events.length;
    s1.serverClose(1006);
    expect(h.events).toHaveLength(events);

    s2.open();
    expect(s2.framesOf('send')).toEqual([{ type: 'send', client_msg_id: 'm1', content: 'hello' }]);
    s2.frame({ type: 'ack', client_msg_id: 'm1', message_id: 'c1:1', seq: 1, server_ts: T0 });
    expect(h.client.pendingCount).toBe(0);
    h.advance(60_000);
    expect(s2.closes).toEqual([]);
    expect(h.client.state).toBe('open');
  });

  it('with ackTimeout, the resent message gets a fresh ack timer on the new socket', () => {
    const h = setup({ policy: { ackTimeoutMs: 3_000 } });
    h.startOpen();
    h.client.send('m1', 'hello');
    h.advance(3_000);
    const s2 = expectAttemptAfter(h, 1_000, 1);
    s2.open();
    h.advance(2_999);
    expect(s2.closes).toEqual([]);
    h.advance(1);
    expect(s2.closes.map((c) => c.code)).toEqual([4000]);
    const s3 = expectAttemptAfter(h, 1_000, 1);
    s3.open();
    expect(s3.framesOf('send')).toEqual([{ type: 'send', client_msg_id: 'm1', content: 'hello' }]);
  });

  it('with ackTimeout, an ack in time keeps the socket', () => {
    const h = setup({ policy: { ackTimeoutMs: 3_000 } });
    const s = h.startOpen();
    h.client.send('m1', 'hello');
    h.advance(2_000);
    s.frame({ type: 'ack', client_msg_id: 'm1', message_id: 'c1:1', seq: 1, server_ts: T0 });
    h.advance(60_000);
    expect(s.closes).toEqual([]);
    expect(h.of('close')).toHaveLength(0);
  });

  it('with ackTimeout, a network drop keeps unacked sends and resends them after reopen', () => {
    const h = setup({ policy: { ackTimeoutMs: 3_000 } });
    const s1 = h.startOpen();
    h.client.send('m1', 'a');
    h.client.send('m2', 'b');
    s1.serverClose(1006);
    expect(h.of('send-error')).toHaveLength(0);
    const s2 = expectAttemptAfter(h, 1_000, 1);
    s2.open(); // at T0 + 1 s, while the first ack timers (due at T0 + 3 s) would still be running
    expect(s2.framesOf('send').map((f) => f.client_msg_id)).toEqual(['m1', 'm2']);
    // The resends get a full ack timeout on the new socket; the old timers died with the old socket.
    h.advance(2_999);
    expect(s2.closes).toEqual([]);
    expect(h.client.state).toBe('open');
    h.advance(1);
    expect(s2.closes.map((c) => c.code)).toEqual([4000]);
  });

  it('pending sends get a visible error when the client gives up', () => {
    const h = setup({ policy: { ackTimeoutMs: 3_000, maxAttempts: 2 } });
    const s = h.startOpen();
    h.client.send('m1', 'a');
    s.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1).serverClose(1006);
    expectAttemptAfter(h, 2_000, 2).serverClose(1006);
    expect(h.client.state).toBe('failed');
    expect(h.of('send-error')).toEqual([{ k: 'send-error', t: h.timers.now, c: C, id: 'm1', why: expect.any(String) }]);
    expect(h.client.pendingCount).toBe(0);
  });

  it('pending sends get a visible error when the client is refused (4401) on reconnect', () => {
    const h = setup({ policy: { ackTimeoutMs: 3_000 } });
    const s = h.startOpen();
    h.client.send('m1', 'a');
    s.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1).serverClose(4401);
    expect(h.of('send-error')).toEqual([{ k: 'send-error', t: h.timers.now, c: C, id: 'm1', why: 'unauthorized' }]);
    expect(h.client.pendingCount).toBe(0);
  });

  it('an error frame about a pending send records error-frame and send-error, and clears it', () => {
    const h = setup({ policy: { ackTimeoutMs: 3_000 } });
    const s = h.startOpen();
    h.client.send('m1', 'a');
    h.client.send('m2', 'b');
    h.advance(10);
    s.frame({ type: 'error', code: 'rate_limited', message: 'too many sends; slow down', client_msg_id: 'm1' });
    expect(h.last('error-frame')).toEqual({ k: 'error-frame', t: T0 + 10, c: C, code: 'rate_limited', id: 'm1' });
    const errs = h.of('send-error');
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ t: T0 + 10, c: C, id: 'm1' });
    expect(errs[0].why).toContain('rate_limited');
    expect(h.client.pendingCount).toBe(1); // m2 still waits
    s.frame({ type: 'ack', client_msg_id: 'm2', message_id: 'c1:1', seq: 1, server_ts: T0 });
    // The refused send's ack timer was cleared too: no suspect-socket close.
    h.advance(60_000);
    expect(s.closes).toEqual([]);
  });

  it('an error frame without client_msg_id, or about an unknown one, records only error-frame', () => {
    const h = setup();
    const s = h.startOpen();
    h.client.send('m1', 'a');
    s.frame({ type: 'error', code: 'bad_frame', message: 'frame must be a JSON object' });
    s.frame({ type: 'error', code: 'bad_frame', message: '…', client_msg_id: 'other' });
    expect(h.of('error-frame')).toEqual([
      { k: 'error-frame', t: T0, c: C, code: 'bad_frame' },
      { k: 'error-frame', t: T0, c: C, code: 'bad_frame', id: 'other' },
    ]);
    expect(h.of('send-error')).toHaveLength(0);
    expect(h.client.pendingCount).toBe(1);
  });
});

// ─── heartbeat ───────────────────────────────────────────────────────────────────────────────────

describe('heartbeat', () => {
  const heartbeat = { intervalMs: 5_000, deadAfterMs: 12_000 };

  it('sends an app ping every intervalMs', () => {
    const h = setup({ policy: { heartbeat } });
    const s = h.startOpen();
    h.advance(4_999);
    expect(s.framesOf('ping')).toHaveLength(0);
    h.advance(1);
    h.advance(5_000);
    const pings = s.sent.filter((x) => x.frame.type === 'ping');
    expect(pings.map((p) => p.t)).toEqual([T0 + 5_000, T0 + 10_000]);
    for (const p of pings) expect(typeof p.frame.id).toBe('string');
    expect(new Set(pings.map((p) => p.frame.id)).size).toBe(2);
  });

  it('without pongs, abandons the socket after deadAfterMs (4000, by client) and reconnects', () => {
    const h = setup({ policy: { heartbeat } });
    const s = h.startOpen();
    h.advance(heartbeat.deadAfterMs);
    expect(s.closes).toEqual([]); // not dead before deadAfterMs
    expect(h.client.state).toBe('open');
    // Detected by the next tick at the latest (steps of 100 ms so the reconnect does not start yet).
    for (let waited = 0; waited < heartbeat.intervalMs && s.closes.length === 0; waited += 100) h.advance(100);
    expect(s.closes.map((c) => c.code)).toEqual([4000]);
    const close = h.last('close');
    expect(close).toMatchObject({ c: C, code: 4000, by: 'client' });
    expect(close!.t).toBeGreaterThan(T0 + heartbeat.deadAfterMs);
    expect(close!.t).toBeLessThanOrEqual(T0 + heartbeat.deadAfterMs + heartbeat.intervalMs);
    expect(h.client.state).toBe('backoff');
    const pingsBefore = s.framesOf('ping').length;
    const next = expectAttemptAfter(h, close!.t + 1_000 - h.timers.now, 1, 0, 1_000);
    h.advance(60_000);
    expect(s.framesOf('ping')).toHaveLength(pingsBefore); // nothing more on the dead socket
    expect(h.sockets.length).toBeGreaterThanOrEqual(2);
    expect(next.closes).toHaveLength(1); // the next attempt, never opened, timed out normally
    expect(h.last('fail')).toMatchObject({ why: 'timeout' });
  });

  it('with pongs, the socket stays open', () => {
    const h = setup({ policy: { heartbeat } });
    const s = h.startOpen();
    let answered = 0;
    for (let i = 0; i < 24; i++) {
      h.advance(heartbeat.intervalMs);
      const pings = s.framesOf('ping');
      for (; answered < pings.length; answered++) s.frame({ type: 'pong', id: pings[answered].id });
    }
    expect(answered).toBe(24);
    expect(s.closes).toEqual([]);
    expect(h.of('close')).toHaveLength(0);
    expect(h.client.state).toBe('open');
  });

  it('a new socket starts a fresh heartbeat: no stale deadline from the previous one', () => {
    const h = setup({ policy: { heartbeat } });
    const s1 = h.startOpen();
    h.advance(11_000); // two pings, no pongs
    s1.serverClose(1006);
    const s2 = expectAttemptAfter(h, 1_000, 1);
    s2.open();
    h.advance(heartbeat.deadAfterMs - 1_000);
    expect(s2.closes).toEqual([]);
    expect(s2.framesOf('ping').length).toBeGreaterThan(0);
  });

  it('heartbeat off: no pings ever, and a silent socket stays open', () => {
    const h = setup();
    const s = h.startOpen();
    h.advance(3600_000);
    expect(s.sent).toEqual([]);
    expect(s.closes).toEqual([]);
    expect(h.client.state).toBe('open');
  });
});

// ─── frames ──────────────────────────────────────────────────────────────────────────────────────

describe('frames', () => {
  it('a message frame is recorded as recv with seq, client_msg_id, sender, message_id and server_ts', () => {
    const h = setup();
    const s = h.startOpen();
    h.advance(3);
    s.frame(message(5, { sender_id: 'u9', client_msg_id: 'x-1', server_ts: 1234.5 }));
    expect(h.events.slice(-1)).toEqual([
      { k: 'recv', t: T0 + 3, c: C, seq: 5, id: 'x-1', sender: 'u9', mid: 'c1:5', sts: 1234.5 },
    ]);
    expect(h.client.lastSeq).toBe(5);
  });

  it('a frame carrying is_fallback is recorded as a fallback (whatever its value)', () => {
    const h = setup();
    const s = h.startOpen();
    s.frame(message(1, { is_fallback: true }));
    s.frame({ type: 'ack', client_msg_id: 'q', message_id: 'c1:2', seq: 2, server_ts: 0, is_fallback: false });
    const fb = h.of('fallback');
    expect(fb).toHaveLength(2);
    for (const f of fb) {
      expect(f).toMatchObject({ c: C, what: 'is_fallback' });
      expect(f.detail).toContain('is_fallback');
    }
    expect(h.of('recv')).toHaveLength(1); // still recorded as received: the oracle judges both
  });

  it('a system frame other than gap is recorded as a fallback, not as a gap', () => {
    const h = setup();
    const s = h.startOpen();
    s.frame(message(4));
    s.frame({ type: 'system', event: 'offline_mode', message: 'messages will be delivered later' });
    expect(h.of('fallback')).toEqual([
      { k: 'fallback', t: T0, c: C, what: 'system', detail: expect.stringContaining('offline_mode') },
    ]);
    expect(h.of('gap')).toHaveLength(0);
    expect(h.client.lastSeq).toBe(4);
  });

  it('a frame without is_fallback and of a known type records no fallback', () => {
    const h = setup();
    const s = h.startOpen();
    s.frame(message(1));
    s.frame({ type: 'pong', id: '1' });
    s.frame({ type: 'system', event: 'gap', from_seq: 2, to_seq: 3 });
    expect(h.of('fallback')).toHaveLength(0);
  });

  it('malformed frames are ignored without throwing', () => {
    const h = setup();
    const s = h.startOpen();
    const before = h.events.length;
    for (const bad of ['not json', 'null', '42', '"a string"', '{"type":"unknown"}'])
      expect(() => s.frame(bad)).not.toThrow();
    expect(h.events).toHaveLength(before);
    expect(h.client.state).toBe('open');
  });
});

// ─── stop ────────────────────────────────────────────────────────────────────────────────────────

describe('stop()', () => {
  it('closes an open socket with 1000, records a client close, and no timer fires afterwards', () => {
    const h = setup({ policy: { heartbeat: { intervalMs: 5_000, deadAfterMs: 12_000 }, ackTimeoutMs: 3_000 } });
    const s = h.startOpen();
    h.client.send('m1', 'a'); // arms an ack timer
    h.advance(1_000);
    h.client.stop();
    expect(s.closes).toEqual([{ code: 1000, reason: expect.any(String) }]);
    expect(h.last('close')).toEqual({ k: 'close', t: T0 + 1_000, c: C, code: 1000, by: 'client' });
    expect(h.client.state).toBe('closed');
    expect(h.timers.pending).toBe(0);
    const events = h.events.length;
    h.advance(24 * 3600_000);
    expect(h.events).toHaveLength(events);
    expect(s.sent.filter((x) => x.t > T0 + 1_000)).toEqual([]); // no ping, no resend
    expect(h.sockets).toHaveLength(1);
    // The socket's own close event, arriving later, is ignored.
    s.serverClose(1000);
    expect(h.events).toHaveLength(events);
  });

  it('during backoff: the scheduled attempt never happens', () => {
    const h = setup();
    h.startOpen();
    h.socket.serverClose(1006);
    h.client.stop();
    expect(h.client.state).toBe('closed');
    expect(h.timers.pending).toBe(0);
    h.advance(3600_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.of('attempt')).toHaveLength(1);
  });

  it('while connecting: closes the socket and the connect timeout never fires', () => {
    const h = setup();
    h.client.start();
    const s = h.socket;
    h.client.stop();
    expect(s.closes).toEqual([{ code: 1000, reason: expect.any(String) }]);
    expect(h.timers.pending).toBe(0);
    h.advance(3600_000);
    expect(h.of('fail')).toHaveLength(0);
    expect(h.sockets).toHaveLength(1);
    s.open(); // late open of the abandoned socket
    expect(h.of('open')).toHaveLength(0);
    expect(h.client.state).toBe('closed');
  });
});

// ─── regressions: defects these tests found, now fixed ───────────────────────────────────────────

describe('regressions', () => {
  // client.ts onFrame, case 'message' (and likewise case 'system'/gap): `Number(undefined)` is NaN, and
  // `lastSeq === null` lets NaN in; every later `seq > NaN` is false, so lastSeq stays NaN and each
  // reconnect asks for `since=NaN`. Fix: only accept finite seq / to_seq values.
  it('a message frame without a numeric seq does not poison lastSeq (resume stays on)', () => {
    const h = setup();
    const s = h.startOpen();
    s.frame(message(1, { seq: undefined })); // a defective gateway omits seq once
    for (let seq = 1; seq <= 3; seq++) s.frame(message(seq));
    expect(h.client.lastSeq).toBe(3);
    s.serverClose(1006);
    expectAttemptAfter(h, 1_000, 1, 3);
  });

  // client.ts scheduleHeartbeat: the dead check (`now - lastPong > deadAfterMs`) runs at each tick
  // *before* the ping is sent, and lastPong is set at open; with deadAfterMs < intervalMs the first
  // tick finds the socket "dead" without having pinged once, so a healthy socket is dropped every
  // intervalMs. Fix: time the deadline from the oldest unanswered ping (or reject such a policy).
  it('a heartbeat with deadAfterMs < intervalMs keeps a healthy, answering socket', () => {
    const h = setup({ policy: { heartbeat: { intervalMs: 5_000, deadAfterMs: 3_000 } } });
    const s = h.startOpen();
    let answered = 0;
    for (let i = 0; i < 12; i++) {
      h.advance(1_000);
      const pings = s.framesOf('ping');
      for (; answered < pings.length; answered++) s.frame({ type: 'pong', id: pings[answered].id });
    }
    expect(s.framesOf('ping').length).toBeGreaterThan(0);
    expect(s.closes).toEqual([]);
    expect(h.client.state).toBe('open');
  });
});

describe('a host that bounds handshakes in flight (ClientEnv.whenFree)', () => {
  it("a reconnect waits for the host to start it and keeps the time its timer was due, so the wait is never the policy's delay", () => {
    const held: { due: number; start: () => void }[] = [];
    const h = setup({ whenFree: (due, start) => void held.push({ due, start }) });
    h.startOpen();
    h.socket.serverClose(1006);
    const firstAttempts = h.of('attempt').length;
    h.advance(1_000); // the backoff timer (1 s, no jitter) fires: handed to the host, not started
    expect(held).toHaveLength(1);
    expect(held[0].due).toBe(T0 + 1_000);
    expect(h.of('attempt')).toHaveLength(firstAttempts);
    h.advance(2_500); // the host is busy for 2.5 s more
    held[0].start();
    const a = h.last('attempt')!;
    expect(a).toMatchObject({ n: 1, delay: 1_000, due: T0 + 1_000, t: T0 + 3_500 });
    h.socket.open();
    expect(h.client.state).toBe('open');
  });

  it('a queued reconnect of a client stopped meanwhile does not connect', () => {
    const held: (() => void)[] = [];
    const h = setup({ whenFree: (_due, start) => void held.push(start) });
    h.startOpen();
    h.socket.serverClose(1006);
    h.advance(1_000);
    const sockets = h.sockets.length;
    h.client.stop();
    held[0]();
    expect(h.sockets).toHaveLength(sockets);
    expect(h.client.state).toBe('closed');
  });
});
