/**
 * The Socket.IO client in the fleet, against the example Socket.IO server over real sockets on
 * 127.0.0.1 (no proxy): what socket.io-client does ends up in the history as the checks expect it.
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSocketIoGateway, type SocketIoGateway } from '../../examples/gateways/socketio/server.ts';
import type { ClientEvent } from '../record/history.ts';
import { DEFAULT_POLICY } from '../policy/policy.ts';
import { SocketIoClient, type SocketIoClientFactory } from './socketio-client.ts';

const SECRET = 'socketio-client-test';
const gateways: SocketIoGateway[] = [];
const clients: SocketIoClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

async function gateway(): Promise<SocketIoGateway> {
  const g = await startSocketIoGateway({ jwtSecret: SECRET });
  gateways.push(g);
  return g;
}

const token = (sub: string, chats: string[]) =>
  new SignJWT({ sub, chats })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SECRET));

async function client(
  g: SocketIoGateway,
  c: number,
  user: string,
  chat: string,
  chats = [chat],
  factory?: SocketIoClientFactory,
) {
  const events: ClientEvent[] = [];
  const tok = await token(user, chats);
  const env = {
    now: () => performance.timeOrigin + performance.now(),
    setTimeout,
    clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    random: Math.random,
    record: (e: ClientEvent) => events.push(e),
  };
  const cl = new SocketIoClient(
    { c, chat, origin: g.url.replace(/^http/, 'ws'), token: () => tok },
    DEFAULT_POLICY,
    env,
    factory,
  );
  clients.push(cl);
  const of = <K extends ClientEvent['k']>(k: K) => events.filter((e): e is Extract<ClientEvent, { k: K }> => e.k === k);
  return { cl, events, of };
}

describe('SocketIoClient', () => {
  it('records the attempt, the open, a send with its ack and the room delivery to every member', async () => {
    const g = await gateway();
    const a = await client(g, 0, 'alice', 'general');
    const b = await client(g, 1, 'bob', 'general');
    a.cl.start();
    b.cl.start();
    await vi.waitFor(() => expect([a.cl.state, b.cl.state]).toEqual(['open', 'open']));
    expect(a.of('attempt')).toEqual([expect.objectContaining({ c: 0, n: 1, delay: 0, since: null })]);
    expect(a.of('open')).toEqual([expect.objectContaining({ c: 0, n: 1 })]);
    expect(a.cl.send('m1', 'hello')).toBe(true);
    await vi.waitFor(() => expect(b.of('recv')).toHaveLength(1));
    await vi.waitFor(() => expect(a.of('ack')).toHaveLength(1));
    expect(a.of('ack')[0]).toMatchObject({ id: 'm1', seq: 1, mid: 'general:1' });
    expect(b.of('recv')[0]).toMatchObject({ c: 1, seq: 1, id: 'm1', sender: 'alice', mid: 'general:1' });
    await vi.waitFor(() => expect(a.of('recv')).toHaveLength(1));
    expect(a.cl.lastSeq).toBe(1);
    expect(a.cl.pendingCount).toBe(0);
    // The same client_msg_id again: the original ack, no second broadcast.
    a.cl.send('m1', 'hello');
    await vi.waitFor(() => expect(a.of('ack')).toHaveLength(2));
    expect(a.of('ack')[1]).toMatchObject({ seq: 1 });
    a.cl.stop();
    expect(a.of('close')).toEqual([expect.objectContaining({ code: 1000, by: 'client' })]);
    expect(a.of('fallback')).toEqual([]);
  });

  it('a send while not connected fails visibly and is not buffered for later', async () => {
    const g = await gateway();
    const a = await client(g, 0, 'alice', 'general');
    a.cl.start();
    expect(a.cl.send('early', 'x')).toBe(false);
    expect(a.of('send-error')).toEqual([expect.objectContaining({ id: 'early', why: 'not connected (connecting)' })]);
    await vi.waitFor(() => expect(a.cl.state).toBe('open'));
    a.cl.send('m2', 'y');
    await vi.waitFor(() => expect(a.of('recv')).toHaveLength(1));
    // Only m2 reached the room: socket.io-client's own buffer never saw "early".
    expect(a.of('recv')[0]).toMatchObject({ id: 'm2', seq: 1 });
  });

  it('a handshake refused by the middleware stops the client with the code, never retried', async () => {
    const g = await gateway();
    const a = await client(g, 0, 'alice', 'vault', ['general']);
    a.cl.start();
    await vi.waitFor(() => expect(a.cl.state).toBe('stopped'));
    expect(a.of('fail')).toEqual([expect.objectContaining({ n: 1, why: 'closed', code: 4403 })]);
    expect(a.of('stopped')).toEqual([expect.objectContaining({ state: 'forbidden' })]);
    await new Promise((r) => setTimeout(r, 1_300));
    expect(a.of('attempt')).toHaveLength(1);
  });

  it('a connection carried by long-polling is recorded as a transport fallback', async () => {
    const g = await gateway();
    const polling: SocketIoClientFactory = ({ url, options, io }) => io(url, { ...options, transports: ['polling'] });
    const a = await client(g, 0, 'alice', 'general', ['general'], polling);
    a.cl.start();
    await vi.waitFor(() => expect(a.cl.state).toBe('open'));
    expect(a.of('fallback')).toEqual([
      expect.objectContaining({
        c: 0,
        what: 'transport',
        detail: 'Engine.IO connection opened over HTTP long-polling (transports ["polling"]): transport "polling"',
      }),
    ]);
  });

  it("after the server goes away it reconnects on socket.io-client's schedule, each attempt on record", async () => {
    const g = await gateway();
    const a = await client(g, 0, 'alice', 'general');
    a.cl.start();
    await vi.waitFor(() => expect(a.cl.state).toBe('open'));
    await g.close();
    gateways.length = 0;
    await vi.waitFor(() => expect(a.of('fail').length).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
    const close = a.of('close')[0];
    expect(close).toMatchObject({ by: 'network', code: 1006 });
    const [first] = a.of('attempt').slice(1);
    expect(first).toMatchObject({ n: 1, since: 0 });
    // reconnectionDelay 1 s, randomizationFactor 0: never early.
    expect(first.t - close.t).toBeGreaterThanOrEqual(995);
  });
});
