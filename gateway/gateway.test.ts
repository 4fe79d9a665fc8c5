/**
 * The chat-v1 contract (docs/chat-v1.md) against the reference gateway, over real sockets on
 * 127.0.0.1 with ephemeral ports. Every gateway and socket a test opens is closed in afterEach.
 *
 * "Nothing else arrived" is proven with a barrier: an app ping on the same socket. The gateway
 * writes frames to a socket in order, so every frame it sent before handling the ping arrives
 * before the pong.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import type { ClientOptions } from 'ws';
import { CHAT_V1_CLOSE, chatV1 } from '../harness/protocol/chat-v1.ts';
import { startGateway } from './server.ts';
import type { Gateway, GatewayOptions } from './server.ts';

const SECRET = 'chatstorm-test-secret';
// Frames are whatever the gateway sent; the assertions are the type check.
// biome-ignore lint/suspicious/noExplicitAny: a frame's fields are read as the contract says; the assertions check them.
type Frame = Record<string, any>;

const gateways: Gateway[] = [];
const peers: Peer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

async function gateway(options: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const g = await startGateway({ port: 0, jwtSecret: SECRET, ...options });
  gateways.push(g);
  return g;
}

interface Claims {
  sub?: unknown;
  chats?: unknown;
  /** Seconds from now; null leaves exp out. Default +3600. */
  expIn?: number | null;
  /** Seconds from now; default: no nbf. */
  nbfIn?: number;
}

async function token(claims: Claims = {}, secret = SECRET): Promise<string> {
  const { expIn = 3600, nbfIn, ...rest } = claims;
  const payload: Record<string, unknown> = { sub: 'alice', chats: ['general'], ...rest };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  const nowS = Math.floor(Date.now() / 1000);
  if (expIn !== null) jwt.setExpirationTime(nowS + expIn);
  if (nbfIn !== undefined) jwt.setNotBefore(nowS + nbfIn);
  return jwt.sign(new TextEncoder().encode(secret));
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function wsUrl(g: Gateway, chatId: string, params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return `${g.url.replace(/^http/, 'ws')}/api/v1/chats/${chatId}/ws${qs ? `?${qs}` : ''}`;
}

/** A test client: queues every frame it receives and hands them out in order. */
class Peer {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  pings = 0;
  private readonly queue: Frame[] = [];
  private waiter: (() => void) | null = null;
  private barriers = 0;

  constructor(url: string, options?: ClientOptions) {
    this.ws = new WebSocket(url, options);
    peers.push(this);
    this.ws.on('message', (data, isBinary) => {
      this.queue.push(isBinary ? { binary: true } : JSON.parse(data.toString()));
      this.waiter?.();
    });
    this.ws.on('ping', () => this.pings++);
    this.ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.waiter?.();
      });
    });
  }

  static async open(url: string, options?: ClientOptions): Promise<Peer> {
    const p = new Peer(url, options);
    await new Promise<void>((resolve, reject) => {
      p.ws.once('open', () => resolve());
      p.ws.once('close', (code) => reject(new Error(`closed with ${code} before open`)));
    });
    return p;
  }

  /** Frames received and not yet handed out. */
  get unread(): number {
    return this.queue.length;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async next(timeoutMs = 2000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.queue.shift()!;
  }

  async take(n: number): Promise<Frame[]> {
    const out: Frame[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next());
    return out;
  }

  /** Every frame that arrives before the answer to a fresh app ping. */
  async drain(): Promise<Frame[]> {
    const id = `barrier-${++this.barriers}`;
    this.send({ type: 'ping', id });
    const out: Frame[] = [];
    for (;;) {
      const f = await this.next();
      if (f.type === 'pong' && f.id === id) return out;
      out.push(f);
    }
  }

  async sendAndAck(clientMsgId: string, content = `hello ${clientMsgId}`): Promise<Frame> {
    this.send({ type: 'send', client_msg_id: clientMsgId, content });
    for (;;) {
      const f = await this.next();
      if (f.type === 'ack' && f.client_msg_id === clientMsgId) return f;
      if (f.type === 'error') throw new Error(`send refused: ${JSON.stringify(f)}`);
    }
  }
}

async function join(
  g: Gateway,
  sub: string,
  chatId = 'general',
  params: Record<string, string | number | undefined> = {},
): Promise<Peer> {
  return Peer.open(wsUrl(g, chatId, { token: await token({ sub, chats: [chatId] }), ...params }));
}

/** Connects and reports how the gateway ended the connection. */
async function rejection(url: string): Promise<{ opened: boolean; code: number; reason: string; frames: number }> {
  const p = new Peer(url);
  let opened = false;
  p.ws.once('open', () => (opened = true));
  const { code, reason } = await p.closed;
  return { opened, code, reason, frames: p.unread };
}

const messagesOf = (frames: Frame[]) => frames.filter((f) => f.type === 'message');

describe('http', () => {
  it('answers /healthz with 200 {ok:true} and other paths with 404', async () => {
    const g = await gateway();
    const health = await fetch(`${g.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const other = await fetch(`${g.url}/nope`);
    expect(other.status).toBe(404);
    await other.body?.cancel();
  });

  it('reports its ephemeral port in url', async () => {
    const g = await gateway();
    expect(g.port).toBeGreaterThan(0);
    expect(g.url).toBe(`http://127.0.0.1:${g.port}`);
  });

  it('refuses invalid options naming the field', async () => {
    await expect(startGateway({ port: 0, jwtSecret: '' })).rejects.toThrow(/jwtSecret/);
    await expect(startGateway({ port: 0, jwtSecret: SECRET, historyLimit: -1 })).rejects.toThrow(/historyLimit.*-1/);
  });
});

describe('admission', () => {
  it('completes the upgrade then closes 4401 for every bad credential', async () => {
    const g = await gateway();
    const alg = b64url({ alg: 'none', typ: 'JWT' });
    const body = b64url({ sub: 'alice', chats: ['general'], exp: Math.floor(Date.now() / 1000) + 3600 });
    const probes: Record<string, string | undefined> = {
      missing: undefined,
      empty: '',
      malformed: 'not-a-jwt',
      'wrong secret': await token({}, 'some-other-secret'),
      expired: await token({ expIn: -60 }),
      'nbf in the future': await token({ nbfIn: 600 }),
      'alg none': `${alg}.${body}.`,
      'no sub': await token({ sub: undefined }),
      'no exp': await token({ expIn: null }),
      'sub not a string': await token({ sub: 42 }),
    };
    const results = await Promise.all(
      Object.entries(probes).map(
        async ([name, t]) => [name, await rejection(wsUrl(g, 'general', { token: t }))] as const,
      ),
    );
    for (const [name, r] of results) {
      expect({ name, opened: r.opened, code: r.code, frames: r.frames }).toEqual({
        name,
        opened: true,
        code: 4401,
        frames: 0,
      });
      expect(r.reason.length).toBeGreaterThan(0);
    }
    // The control: the same path with a good token is admitted.
    const ok = await Peer.open(wsUrl(g, 'general', { token: await token() }));
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes 4403 for a valid token without membership', async () => {
    const g = await gateway();
    const notMember = await rejection(wsUrl(g, 'secret-room', { token: await token({ chats: ['general'] }) }));
    expect(notMember).toMatchObject({ opened: true, code: 4403 });
    const noChats = await rejection(wsUrl(g, 'general', { token: await token({ chats: undefined }) }));
    expect(noChats).toMatchObject({ opened: true, code: 4403 });
  });

  it('closes 4400 for a malformed request, before looking at the token', async () => {
    const g = await gateway();
    const good = await token({ chats: ['general', 'a'.repeat(65)] });
    const base = g.url.replace(/^http/, 'ws');
    const urls = [
      wsUrl(g, 'a'.repeat(65), { token: good }),
      wsUrl(g, 'bad%20id', { token: good }),
      wsUrl(g, 'bad.id', { token: good }),
      wsUrl(g, 'general', { token: good, since: -1 }),
      wsUrl(g, 'general', { token: good, since: 'abc' }),
      wsUrl(g, 'general', { token: good, since: '1.5' }),
      wsUrl(g, 'general', { token: good, since: '' }),
      wsUrl(g, 'general', { since: 'x' }), // no token either: still 4400
      `${base}/api/v1/chats//ws?token=${good}`,
      `${base}/something/else?token=${good}`,
    ];
    const results = await Promise.all(urls.map(rejection));
    results.forEach((r, i) => {
      expect({ url: urls[i], opened: r.opened, code: r.code }).toEqual({ url: urls[i], opened: true, code: 4400 });
    });
  });

  it('accepts the full chat id alphabet up to 64 characters', async () => {
    const g = await gateway();
    const chatId = `Az09_-${'x'.repeat(58)}`;
    const p = await join(g, 'alice', chatId);
    const ack = await p.sendAndAck('m1');
    expect(ack.seq).toBe(1);
  });
});

describe('messages', () => {
  it('acks the sender and broadcasts to every member socket, the sender included', async () => {
    const g = await gateway();
    const alice1 = await join(g, 'alice');
    const alice2 = await join(g, 'alice');
    const bob = await join(g, 'bob');
    const carol = await join(g, 'carol', 'elsewhere');

    const before = performance.timeOrigin + performance.now();
    alice1.send({ type: 'send', client_msg_id: 'c-1', content: 'hi there' });
    const [ack, own] = await alice1.take(2);
    const after = performance.timeOrigin + performance.now();

    expect(ack).toEqual({
      type: 'ack',
      client_msg_id: 'c-1',
      message_id: expect.any(String),
      seq: 1,
      server_ts: expect.any(Number),
    });
    expect(ack.server_ts).toBeGreaterThanOrEqual(before);
    expect(ack.server_ts).toBeLessThanOrEqual(after);
    const expected = {
      type: 'message',
      message_id: ack.message_id,
      chat_id: 'general',
      seq: 1,
      sender_id: 'alice',
      client_msg_id: 'c-1',
      content: 'hi there',
      server_ts: ack.server_ts,
    };
    expect(own).toEqual(expected);
    expect(await alice2.drain()).toEqual([expected]);
    expect(await bob.drain()).toEqual([expected]);
    expect(await carol.drain()).toEqual([]);
    expect(await alice1.drain()).toEqual([]);
    expect(g.stats()).toEqual({ connections: 4, chats: 2, messages: 1 });
  });

  it('stamps server_ts with sub-millisecond wall-clock precision', async () => {
    const g = await gateway();
    const p = await join(g, 'alice');
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await p.sendAndAck(`m${i}`));
    for (const a of acks) expect(Math.abs(a.server_ts - Date.now())).toBeLessThan(5_000);
    // An integer-millisecond clock would make all five integral; a µs clock essentially never does.
    expect(acks.some((a) => !Number.isInteger(a.server_ts))).toBe(true);
  });

  it('numbers messages per chat from 1, by exactly 1, across senders', async () => {
    const g = await gateway();
    const alice = await join(g, 'alice');
    const bob = await join(g, 'bob');
    const watcher = await join(g, 'watcher');
    const other = await join(g, 'alice', 'other');
    for (let i = 0; i < 20; i++) {
      alice.send({ type: 'send', client_msg_id: `a${i}`, content: 'x' });
      bob.send({ type: 'send', client_msg_id: `b${i}`, content: 'y' });
    }
    // Each sender sees its own 20 acks and all 40 messages.
    const acks = [...(await alice.take(60)), ...(await bob.take(60))].filter((f) => f.type === 'ack');
    expect(acks.map((a) => a.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(acks.map((a) => a.message_id)).size).toBe(40);
    const seen = messagesOf(await watcher.drain()).map((m) => m.seq);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await other.sendAndAck('first')).seq).toBe(1);
  });

  it('answers a resend with the original ack and does not broadcast it again', async () => {
    const g = await gateway();
    const alice = await join(g, 'alice');
    const bob = await join(g, 'bob');
    const original = await alice.sendAndAck('dup', 'once');
    await alice.next(); // her own copy

    alice.send({ type: 'send', client_msg_id: 'dup', content: 'changed' });
    expect(await alice.drain()).toEqual([original]);

    // The same user on a new connection (a reconnect) is still the same sender.
    const again = await join(g, 'alice');
    again.send({ type: 'send', client_msg_id: 'dup', content: 'once' });
    expect(await again.drain()).toEqual([original]);

    expect(messagesOf(await bob.drain())).toEqual([expect.objectContaining({ seq: 1, content: 'once' })]);
    expect(g.stats().messages).toBe(1);

    // Idempotency is per sender: bob may use the same client_msg_id for his own message.
    expect((await bob.sendAndAck('dup')).seq).toBe(2);
  });
});

describe('resume', () => {
  it('replays every message after since, in order, then continues live without a duplicate', async () => {
    const g = await gateway();
    const alice = await join(g, 'alice');
    for (let i = 1; i <= 5; i++) await alice.sendAndAck(`m${i}`);

    const bob = await join(g, 'bob', 'general', { since: 2 });
    const replayed = await bob.drain();
    expect(replayed.map((f) => [f.type, f.seq, f.client_msg_id])).toEqual([
      ['message', 3, 'm3'],
      ['message', 4, 'm4'],
      ['message', 5, 'm5'],
    ]);
    await alice.sendAndAck('m6');
    expect((await bob.drain()).map((f) => f.seq)).toEqual([6]);
  });

  it('sends nothing extra when since is at or past the chat head, and live messages only without since', async () => {
    const g = await gateway();
    const alice = await join(g, 'alice');
    for (let i = 1; i <= 3; i++) await alice.sendAndAck(`m${i}`);
    const atHead = await join(g, 'bob', 'general', { since: 3 });
    const ahead = await join(g, 'bob', 'general', { since: 100 });
    const fresh = await join(g, 'bob');
    for (const p of [atHead, ahead, fresh]) expect(await p.drain()).toEqual([]);
    await alice.sendAndAck('m4');
    for (const p of [atHead, ahead, fresh]) expect((await p.drain()).map((f) => f.seq)).toEqual([4]);
  });

  it('has no gap and no duplicate between replay and live while messages keep coming', async () => {
    const g = await gateway();
    const alice = await join(g, 'alice');
    let sent = 0;
    const pumpSome = (n: number) => {
      for (let i = 0; i < n; i++) alice.send({ type: 'send', client_msg_id: `m${++sent}`, content: 'x' });
    };
    pumpSome(50);
    // Resumers join, one after another, while alice keeps sending on every turn of the event loop,
    // so messages are numbered right around each socket's replay.
    let joined = false;
    const joining = (async () => {
      const out: { since: number; peer: Peer }[] = [];
      for (const since of [0, 10, 25, 0, 40]) out.push({ since, peer: await join(g, 'bob', 'general', { since }) });
      joined = true;
      return out;
    })();
    while (!joined) {
      pumpSome(2);
      await new Promise((r) => setImmediate(r));
    }
    const resumers = await joining;
    pumpSome(20);
    const acked = (await alice.take(sent * 2)).filter((f) => f.type === 'ack');
    expect(acked).toHaveLength(sent);
    for (const { since, peer } of resumers) {
      const seqs = messagesOf(await peer.drain()).map((m) => m.seq);
      expect({ since, seqs }).toEqual({ since, seqs: Array.from({ length: sent - since }, (_, i) => since + i + 1) });
    }
  });

  it('announces a gap first when the bounded history no longer reaches since+1', async () => {
    const g = await gateway({ historyLimit: 3 });
    const alice = await join(g, 'alice');
    for (let i = 1; i <= 7; i++) await alice.sendAndAck(`m${i}`);

    const late = await join(g, 'bob', 'general', { since: 1 });
    expect((await late.drain()).map((f) => (f.type === 'message' ? f.seq : f))).toEqual([
      { type: 'system', event: 'gap', from_seq: 2, to_seq: 4 },
      5,
      6,
      7,
    ]);
    const fromStart = await join(g, 'bob', 'general', { since: 0 });
    expect((await fromStart.take(1))[0]).toEqual({ type: 'system', event: 'gap', from_seq: 1, to_seq: 4 });
    const inReach = await join(g, 'bob', 'general', { since: 4 });
    expect((await inReach.drain()).map((f) => f.seq)).toEqual([5, 6, 7]);
  });

  it('reports the whole range as a gap when no history is kept', async () => {
    const g = await gateway({ historyLimit: 0 });
    const alice = await join(g, 'alice');
    for (let i = 1; i <= 3; i++) await alice.sendAndAck(`m${i}`);
    const bob = await join(g, 'bob', 'general', { since: 1 });
    expect(await bob.drain()).toEqual([{ type: 'system', event: 'gap', from_seq: 2, to_seq: 3 }]);
    // Idempotency does not depend on the history bound.
    expect((await alice.sendAndAck('m1')).seq).toBe(1);
  });
});

describe('refused frames', () => {
  it('answers each bad frame with an error frame and keeps the connection open', async () => {
    const g = await gateway();
    const p = await join(g, 'alice');
    const cases: [unknown, string][] = [
      ['{not json', 'bad_json'],
      [{ type: 'shout', content: 'x' }, 'unknown_type'],
      [{ type: 'send', client_msg_id: 'big', content: 'x'.repeat(20_000) }, 'too_large'],
      ['[1,2]', 'bad_frame'],
      ['"text"', 'bad_frame'],
      [{ content: 'no type' }, 'bad_frame'],
      [{ type: 'send', content: 'no id' }, 'bad_frame'],
      [{ type: 'send', client_msg_id: '', content: 'x' }, 'bad_frame'],
      [{ type: 'send', client_msg_id: 'i'.repeat(65), content: 'x' }, 'bad_frame'],
      [{ type: 'send', client_msg_id: 'long', content: 'x'.repeat(4097) }, 'bad_frame'],
      [{ type: 'send', client_msg_id: 'num', content: 5 }, 'bad_frame'],
      [{ type: 'ping' }, 'bad_frame'],
    ];
    for (const [frame, code] of cases) {
      p.send(frame);
      const err = await p.next();
      expect({ frame, type: err.type, code: err.code }).toEqual({ frame, type: 'error', code });
      expect(typeof err.message).toBe('string');
    }
    p.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await p.next()).toMatchObject({ type: 'error', code: 'bad_frame' });

    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    expect((await p.sendAndAck('after')).seq).toBe(1);
    expect(g.stats().messages).toBe(1);
  });

  it('names the client_msg_id in the error when the frame had one', async () => {
    const g = await gateway();
    const p = await join(g, 'alice');
    p.send({ type: 'send', client_msg_id: 'too-long', content: 'x'.repeat(5000) });
    expect(await p.next()).toMatchObject({ type: 'error', code: 'bad_frame', client_msg_id: 'too-long' });
  });

  it('accepts content of exactly 4096 characters and a 64-character client_msg_id', async () => {
    const g = await gateway();
    const p = await join(g, 'alice');
    const ack = await p.sendAndAck('i'.repeat(64), 'c'.repeat(4096));
    expect(ack.seq).toBe(1);
  });

  it('honours a smaller maxFrameBytes', async () => {
    const g = await gateway({ maxFrameBytes: 100 });
    const p = await join(g, 'alice');
    p.send({ type: 'send', client_msg_id: 'm', content: 'x'.repeat(100) });
    expect(await p.next()).toMatchObject({ type: 'error', code: 'too_large' });
    expect((await p.sendAndAck('short', 'ok')).seq).toBe(1);
  });

  it('rate-limits sends when configured, per connection', async () => {
    const g = await gateway({ rateLimit: { perSecond: 1, burst: 3 } });
    const p = await join(g, 'alice');
    for (let i = 0; i < 5; i++) p.send({ type: 'send', client_msg_id: `m${i}`, content: 'x' });
    const frames = await p.drain();
    expect(frames.filter((f) => f.type === 'ack').map((f) => f.client_msg_id)).toEqual(['m0', 'm1', 'm2']);
    expect(frames.filter((f) => f.type === 'error')).toEqual([
      expect.objectContaining({ code: 'rate_limited', client_msg_id: 'm3' }),
      expect.objectContaining({ code: 'rate_limited', client_msg_id: 'm4' }),
    ]);
    const other = await join(g, 'alice');
    expect((await other.sendAndAck('fresh-bucket')).seq).toBe(4);
  });

  it('does not rate-limit by default', async () => {
    const g = await gateway();
    const p = await join(g, 'alice');
    for (let i = 0; i < 50; i++) p.send({ type: 'send', client_msg_id: `m${i}`, content: 'x' });
    expect((await p.drain()).filter((f) => f.type === 'ack')).toHaveLength(50);
  });

  it('closes a flooding connection with 1008 after floodCloseAfter refused frames', async () => {
    const g = await gateway({ floodCloseAfter: 3 });
    const p = await join(g, 'alice');
    p.send('x');
    p.send('y');
    expect((await p.take(2)).map((f) => f.code)).toEqual(['bad_json', 'bad_json']);
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    p.send('z');
    expect((await p.next()).code).toBe('bad_json');
    expect((await p.closed).code).toBe(1008);
  });
});

describe('heartbeat', () => {
  it('answers an app ping with a pong carrying its id', async () => {
    const g = await gateway();
    const p = await join(g, 'alice');
    p.send({ type: 'ping', id: 'hb-42' });
    expect(await p.next()).toEqual({ type: 'pong', id: 'hb-42' });
  });

  it('pings every interval and terminates a peer that does not answer', async () => {
    // A peer is terminated at the first tick that finds its last ping unanswered. The interval is
    // long enough that the lively peer's pong is read before the next tick even on a busy loop.
    const g = await gateway({ pingIntervalMs: 200 });
    const t = await token({ sub: 'alice' });
    const silent = await Peer.open(wsUrl(g, 'general', { token: t }), { autoPong: false });
    const lively = await Peer.open(wsUrl(g, 'general', { token: t }));
    const { code } = await silent.closed;
    expect(code).toBe(1006); // terminated, no close frame
    // At the tick after its one unanswered ping: never a second ping.
    expect(silent.pings).toBe(1);
    // The lively peer answers and stays, ping after ping (however late the timers run).
    const seen = lively.pings;
    await vi.waitFor(() => expect(lively.pings).toBeGreaterThanOrEqual(seen + 3), { timeout: 30_000, interval: 50 });
    expect(lively.ws.readyState).toBe(WebSocket.OPEN);
    expect(g.stats().connections).toBe(1);
  });

  it("keeps each connection's heartbeat on its own clock, from when it opened", async () => {
    // One timer for every connection would ping a peer that opened halfway between two ticks half
    // an interval after its open. Timers never fire early, so a ping earlier than that is the
    // shared tick whatever the load; a late one proves nothing either way.
    const interval = 600;
    const g = await gateway({ pingIntervalMs: interval });
    const t = await token({ sub: 'alice' });
    const first = await Peer.open(wsUrl(g, 'general', { token: t }));
    await vi.waitFor(() => expect(first.pings).toBe(1), { timeout: 10_000, interval: 5 });
    await new Promise((r) => setTimeout(r, interval / 2));
    const opened = performance.now();
    const second = await Peer.open(wsUrl(g, 'general', { token: t }));
    let pingedAt = 0;
    second.ws.once('ping', () => {
      pingedAt = performance.now();
    });
    await vi.waitFor(() => expect(pingedAt).toBeGreaterThan(0), { timeout: 10_000, interval: 5 });
    expect(pingedAt - opened).toBeGreaterThan(interval * 0.8);
  });
});

describe('hooks', () => {
  it('shouldDeliver=false skips that recipient only', async () => {
    const g = await gateway({ hooks: { shouldDeliver: (_msg, recipient) => recipient !== 'bob' } });
    const alice = await join(g, 'alice');
    const bob = await join(g, 'bob');
    await alice.sendAndAck('m1');
    expect(messagesOf(await alice.drain())).toHaveLength(1);
    expect(await bob.drain()).toEqual([]);
  });

  it('resumeFrom can make the gateway ignore since', async () => {
    const asked: (number | undefined)[] = [];
    const g = await gateway({
      hooks: {
        resumeFrom: (since) => {
          asked.push(since);
          return undefined;
        },
      },
    });
    const alice = await join(g, 'alice');
    for (let i = 1; i <= 3; i++) await alice.sendAndAck(`m${i}`);
    const bob = await join(g, 'bob', 'general', { since: 0 });
    expect(await bob.drain()).toEqual([]);
    expect(asked).toEqual([undefined, 0]);
  });

  it('outgoing can rewrite and multiply frames per recipient', async () => {
    const g = await gateway({
      hooks: {
        outgoing: (frame, recipient) =>
          recipient === 'bob' && frame.type === 'message' ? [frame, { ...frame, is_fallback: true }] : [frame],
      },
    });
    const alice = await join(g, 'alice');
    const bob = await join(g, 'bob');
    await alice.sendAndAck('m1');
    expect(await alice.drain()).toEqual([expect.not.objectContaining({ is_fallback: true })]);
    const got = await bob.drain();
    expect(got).toHaveLength(2);
    expect(got[1]).toMatchObject({ seq: 1, is_fallback: true });
  });

  it('verifyAuth=false admits bad tokens, taking the user from the unverified claims', async () => {
    const g = await gateway({ hooks: { verifyAuth: false } });
    const forged = await Peer.open(wsUrl(g, 'general', { token: await token({ sub: 'mallory' }, 'wrong') }));
    const expired = await Peer.open(wsUrl(g, 'general', { token: await token({ expIn: -60 }) }));
    await forged.sendAndAck('m1');
    expect(messagesOf(await expired.drain())).toEqual([expect.objectContaining({ sender_id: 'mallory' })]);
    // Membership is still checked on what the token claims.
    expect((await rejection(wsUrl(g, 'vault', { token: await token({}, 'wrong') }))).code).toBe(4403);
  });

  it('checkMembership=false admits a non-member but still verifies the token', async () => {
    const g = await gateway({ hooks: { checkMembership: false } });
    const outsider = await Peer.open(wsUrl(g, 'vault', { token: await token({ chats: [] }) }));
    expect((await outsider.sendAndAck('m1')).seq).toBe(1);
    expect((await rejection(wsUrl(g, 'vault', { token: await token({}, 'wrong') }))).code).toBe(4401);
  });
});

describe('lifecycle', () => {
  it('close() terminates every socket, stops listening, and is idempotent', async () => {
    const g = await gateway();
    const a = await join(g, 'alice');
    const b = await join(g, 'bob', 'other');
    expect(g.stats().connections).toBe(2);
    await Promise.all([g.close(), g.close()]);
    expect((await a.closed).code).toBe(1006);
    expect((await b.closed).code).toBe(1006);
    await expect(fetch(`${g.url}/healthz`)).rejects.toThrow();
  });
});

describe('restart with a state file', () => {
  it('numbers above the reserved mark after a restart and announces what was lost as a gap', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join: joinPath } = await import('node:path');
    const stateFile = joinPath(mkdtempSync(joinPath(tmpdir(), 'gw-state-')), 'state.json');
    const first = await gateway({ stateFile });
    const alice = await join(first, 'alice');
    for (const id of ['a1', 'a2', 'a3']) await alice.sendAndAck(id);
    await first.close();

    // History is gone with the process; the seq marks are not.
    const second = await gateway({ stateFile });
    const bob = await join(second, 'bob', 'general', { since: 1 });
    expect(await bob.drain()).toEqual([{ type: 'system', event: 'gap', from_seq: 2, to_seq: 1000 }]);
    const ack = await bob.sendAndAck('b1');
    expect(ack.seq).toBe(1001);
  });

  it('without a state file a restart starts again at seq 1', async () => {
    const first = await gateway();
    const alice = await join(first, 'alice');
    await alice.sendAndAck('a1');
    await first.close();
    const second = await gateway();
    const bob = await join(second, 'bob');
    expect((await bob.sendAndAck('b1')).seq).toBe(1);
  });
});

// The harness speaks chat-v1 only through its codec (harness/protocol/chat-v1.ts); the gateway has
// an implementation of its own. These tests pin the two together: what the codec builds, the
// gateway accepts; what the gateway sends, the codec decodes into the events the checks read.
describe('pinned to the harness codec', () => {
  const base = (g: Gateway) => g.url.replace(/^http/, 'ws');
  const decodedFrames = (p: Peer) =>
    p.drain().then((frames) => frames.flatMap((f) => chatV1.decode(JSON.stringify(f))));

  it('the codec URL opens, its sends are acked and delivered, and every frame decodes', async () => {
    const g = await gateway();
    const alice = await Peer.open(chatV1.url(base(g), 'general', await token({ sub: 'alice' }), null));
    const bob = await Peer.open(chatV1.url(base(g), 'general', await token({ sub: 'bob' }), null));
    alice.send(chatV1.encodeSend('m1', 'hi'));
    expect(chatV1.sentId(chatV1.encodeSend('m1', 'hi'))).toBe('m1');
    const own = await decodedFrames(alice);
    expect(own).toEqual(
      expect.arrayContaining([
        { k: 'ack', id: 'm1', seq: 1, mid: expect.any(String) },
        { k: 'recv', seq: 1, id: 'm1', sender: 'alice', mid: expect.any(String), sts: expect.any(Number) },
      ]),
    );
    expect(await decodedFrames(bob)).toEqual([
      {
        k: 'recv',
        seq: 1,
        id: 'm1',
        sender: 'alice',
        mid: own[0].k === 'ack' ? own[0].mid : '',
        sts: expect.any(Number),
      },
    ]);
    bob.send(chatV1.encodePing('p1'));
    expect(chatV1.decode(JSON.stringify(await bob.next()))).toEqual([{ k: 'pong' }]);
    bob.send('not json');
    expect(chatV1.decode(JSON.stringify(await bob.next()))).toEqual([{ k: 'error-frame', code: expect.any(String) }]);
  });

  it("resumes from the codec's since, and its gap decodes as a gap", async () => {
    const g = await gateway({ historyLimit: 1 });
    const alice = await join(g, 'alice');
    for (const id of ['a', 'b', 'c']) await alice.sendAndAck(id);
    const url = chatV1.url(base(g), 'general', await token({ sub: 'bob' }), 0);
    expect(chatV1.sinceOf(url)).toBe(0);
    const bob = await Peer.open(url);
    expect(
      (await decodedFrames(bob)).map((e) =>
        e.k === 'recv' ? `recv ${e.seq}` : e.k === 'gap' ? `gap ${e.from}-${e.to}` : e.k,
      ),
    ).toEqual(['gap 1-2', 'recv 3']);
  });

  it("refuses with the codec's close codes", async () => {
    const g = await gateway();
    expect((await rejection(chatV1.url(base(g), 'general', await token({}, 'wrong'), null))).code).toBe(
      chatV1.refusals.unauthorized,
    );
    expect((await rejection(chatV1.url(base(g), 'general', '', null))).code).toBe(CHAT_V1_CLOSE.unauthorized);
    expect((await rejection(chatV1.url(base(g), 'vault', await token({ chats: ['general'] }), null))).code).toBe(
      chatV1.refusals.forbidden,
    );
    expect((await rejection(chatV1.url(base(g), 'general', await token(), null).replace('?', '?since=x&'))).code).toBe(
      CHAT_V1_CLOSE.malformed,
    );
  });
});
