/**
 * The adapter host turns a user store into the history the checks read: the wire is recorded by
 * the WebSocket it hands the store, and what a person sees is read from the store's view. Real
 * sockets against the reference gateway in this process (ephemeral port on 127.0.0.1), real
 * timers; conditions are awaited, never timed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import fixedStore from '../../examples/clients/fixed-store/adapter.ts';
import legacyStore from '../../examples/clients/legacy-fallback-store/adapter.ts';
import { mintToken } from '../auth/tokens.ts';
import type { ClientEvent } from '../record/history.ts';
import { defineClientAdapter, type ClientAdapterEnv, type ClientAdapterFactory, type StoreView } from './adapter.ts';
import { AdapterClient } from './adapter-host.ts';
import { DEFAULT_POLICY } from '../policy/policy.ts';

const SECRET = 'adapter-host-test-secret';
const gateways: Gateway[] = [];
const clients: AdapterClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

async function gateway(): Promise<Gateway> {
  const g = await startGateway({ port: 0, jwtSecret: SECRET });
  gateways.push(g);
  return g;
}

interface Harnessed {
  client: AdapterClient;
  events: ClientEvent[];
  of<K extends ClientEvent['k']>(k: K): Extract<ClientEvent, { k: K }>[];
}

async function host(
  factory: ClientAdapterFactory,
  opts: { origin?: string; c?: number; user?: string; token?: string } = {},
): Promise<Harnessed> {
  const events: ClientEvent[] = [];
  const user = opts.user ?? 'alice';
  const token = opts.token ?? (await mintToken(SECRET, { sub: user, chats: ['general'] }));
  const client = new AdapterClient(
    factory,
    { c: opts.c ?? 3, user, chat: 'general', token, origin: opts.origin ?? 'ws://127.0.0.1:9' },
    DEFAULT_POLICY,
    {
      now: () => performance.timeOrigin + performance.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      random: Math.random,
      record: (ev) => events.push(ev),
    },
  );
  clients.push(client);
  return { client, events, of: (k) => events.filter((e) => e.k === k) as never };
}

const origin = (g: Gateway) => g.url.replace('http://', 'ws://');

describe('the fixed store through its adapter', () => {
  it('records attempts, opens, sends, acks and receipts from the wire, and nothing fallback', async () => {
    const g = await gateway();
    const a = await host(fixedStore, { origin: origin(g), c: 0, user: 'alice' });
    const b = await host(fixedStore, { origin: origin(g), c: 1, user: 'bob' });
    a.client.start();
    b.client.start();
    await vi.waitFor(() => expect([a.client.state, b.client.state]).toEqual(['open', 'open']));
    expect(a.of('attempt')).toEqual([expect.objectContaining({ c: 0, n: 1, delay: 0, since: null })]);
    expect(a.of('open')).toEqual([expect.objectContaining({ c: 0, n: 1 })]);

    a.client.send('m0-0', 'hello');
    expect(a.of('send')).toEqual([expect.objectContaining({ id: 'm0-0', open: true })]);
    expect(a.client.pendingCount).toBe(1);
    await vi.waitFor(() =>
      expect(b.of('recv')).toEqual([expect.objectContaining({ seq: 1, id: 'm0-0', sender: 'alice' })]),
    );
    await vi.waitFor(() => expect(a.of('ack')).toEqual([expect.objectContaining({ id: 'm0-0', seq: 1 })]));
    expect(a.client.pendingCount).toBe(0);
    expect(b.client.lastSeq).toBe(1);
    expect([...a.of('fallback'), ...b.of('fallback'), ...a.of('send-error')]).toEqual([]);

    a.client.stop();
    expect(a.of('close')).toEqual([expect.objectContaining({ code: 1000, by: 'client' })]);
    expect(a.client.state).toBe('closed');
  });

  it('a lost network: the drop and the refused retries are on record, a send shows its own error', async () => {
    const g = await gateway();
    const a = await host(fixedStore, { origin: origin(g) });
    a.client.start();
    await vi.waitFor(() => expect(a.client.state).toBe('open'));
    await g.close();
    await vi.waitFor(() => expect(a.of('close')).toEqual([expect.objectContaining({ by: 'network', code: 1006 })]));
    a.client.send('m3-0', 'while down');
    expect(a.of('send')).toEqual([expect.objectContaining({ id: 'm3-0', open: false })]);
    expect(a.of('send-error')).toEqual([expect.objectContaining({ id: 'm3-0', why: 'Not sent: not connected.' })]);
    await vi.waitFor(() => expect(a.of('fail')[0]).toEqual(expect.objectContaining({ n: 1, why: 'refused' })), {
      timeout: 5_000,
    });
    // The retry asked to resume from the last seq seen.
    expect(a.of('attempt')[1]).toEqual(expect.objectContaining({ n: 1, since: 0 }));
    expect(a.of('fallback')).toEqual([]);
    expect(a.client.state).toBe('backoff');
  });

  it('a refused token stops the store for good, recorded as unauthorized with the message shown', async () => {
    const g = await gateway();
    const a = await host(fixedStore, { origin: origin(g), token: 'not-a-jwt' });
    a.client.start();
    await vi.waitFor(() =>
      expect(a.of('stopped')).toEqual([
        expect.objectContaining({ state: 'unauthorized', message: 'Your session has expired. Please sign in again.' }),
      ]),
    );
    // The gateway completes the upgrade and closes with a code a browser can read.
    expect(a.of('close')).toEqual([expect.objectContaining({ code: 4401, by: 'server' })]);
    expect(a.of('attempt')).toHaveLength(1);
    expect(a.client.state).toBe('stopped');
  });
});

describe('the old store through its adapter', () => {
  it('its local mode is on record: the notice, local messages without an error, the early give-up', async () => {
    const g = await gateway();
    const a = await host(legacyStore, { origin: origin(g) });
    a.client.start();
    await vi.waitFor(() => expect(a.client.state).toBe('open'));
    await g.close();
    await vi.waitFor(
      () =>
        expect(a.of('fallback')).toEqual([
          expect.objectContaining({
            what: 'system',
            detail: 'the store shows the notice "Using local mode" (is_fallback)',
          }),
        ]),
      { timeout: 5_000 },
    );
    a.client.send('m3-7', 'into the void');
    expect(a.of('fallback')[1]).toEqual(expect.objectContaining({ what: 'local-message', id: 'm3-7' }));
    expect(a.of('fallback')[1].detail).toBe(
      'message m3-7 "into the void" shown in the store, never sent by the gateway (is_fallback)',
    );
    // Its stale "Not connected" banner does not count: the message is shown as if it went out.
    expect(a.of('send-error').filter((e) => e.id === 'm3-7')).toEqual([]);
    await vi.waitFor(
      () =>
        expect(a.of('stopped')).toEqual([
          expect.objectContaining({ state: 'failed', message: 'Connection lost. Using local mode.' }),
        ]),
      { timeout: 10_000 },
    );
    expect(a.of('attempt').length).toBe(6);
    expect(a.client.state).toBe('failed');
  });
});

/** A store-less adapter whose view the test sets by hand: the rules of the view, without a network. */
function scripted(onSend?: (id: string) => void) {
  let view: StoreView = { state: 'idle', messages: [], errors: [] };
  let env!: ClientAdapterEnv;
  const factory = defineClientAdapter((e) => {
    env = e;
    return { connect() {}, send: (id) => onSend?.(id), close() {}, view: () => view };
  });
  return {
    factory,
    show(v: Partial<StoreView>) {
      view = { ...view, ...v };
      env.observe();
    },
    get env() {
      return env;
    },
  };
}

describe('what the view tells the harness', () => {
  it('a chat message the gateway never sent is a local message; a local-mode notice is a fallback; others are not', async () => {
    const s = scripted();
    const h = await host(s.factory);
    s.show({ messages: [{ id: 'a', content: 'no identity at all' }] });
    s.show({
      messages: [
        { id: 'a', content: 'no identity at all' },
        { id: 'b', messageId: 'general:9', content: 'claims a gateway id it never got', clientMsgId: 'x1' },
      ],
    });
    s.show({
      messages: [
        { id: 'n1', kind: 'system', content: 'Reconnecting…' },
        { id: 'n2', kind: 'system', content: 'You are in Offline mode' },
      ],
    });
    expect(h.of('fallback').map((e) => [e.what, e.id ?? null])).toEqual([
      ['local-message', 'a'],
      ['local-message', 'x1'],
      ['system', null],
    ]);
    // Shown again: already on record, not counted twice.
    s.show({ messages: [{ id: 'a', content: 'no identity at all' }] });
    expect(h.of('fallback')).toHaveLength(3);
  });

  it("errors: one naming a message is that send's; a banner counts for sends made while not connected", async () => {
    const s = scripted();
    const h = await host(s.factory);
    h.client.send('m3-0', 'x');
    expect(h.of('send')).toEqual([expect.objectContaining({ id: 'm3-0', open: false })]);
    expect(h.of('send-error')).toEqual([]);
    s.show({ errors: [{ text: 'You are offline' }] });
    s.show({ errors: [{ text: 'You are offline' }, { text: 'Not sent', clientMsgId: 'm3-9' }] });
    expect(h.of('send-error').map((e) => [e.id, e.why])).toEqual([
      ['m3-0', 'You are offline'],
      ['m3-9', 'Not sent'],
    ]);
  });

  it('the state failed is a visible stop; without any error shown, a silent one', async () => {
    const s = scripted();
    const h = await host(s.factory);
    s.show({ state: 'failed' });
    expect(h.of('stopped')).toEqual([expect.objectContaining({ state: 'failed', message: '' })]);
    expect(h.client.state).toBe('failed');
  });

  it('a store that throws is counted and does not take the fleet process down; its timers end with the run', async () => {
    const s = scripted(() => {
      throw new Error('store bug');
    });
    const h = await host(s.factory);
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    h.client.send('m3-0', 'x');
    expect(h.client.adapterErrors).toBe(1);
    let fired = false;
    s.env.setTimeout(() => (fired = true), 20);
    h.client.stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toBe(false);
    expect(() => new s.env.WebSocket('ws://127.0.0.1:9/api/v1/chats/general/ws')).toThrow(
      /stopped at the end of the run/,
    );
    spy.mockRestore();
  });
});
