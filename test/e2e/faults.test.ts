/**
 * Every fault of the vocabulary against a real Toxiproxy in front of the real reference gateway,
 * with a real WebSocket through it: applying it does to a socket what its name says, and removing
 * it leaves the proxy clean (enabled, no toxic) and the chat working again.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { mintToken } from '../../harness/auth/tokens.ts';
import { resolvePlan, type FaultPlan, type RunPlan } from '../../harness/config/plan.ts';
import { FAULTS } from '../../harness/faults/index.ts';
import { startLocalStack } from '../../harness/stack/local.ts';
import type { StartedStack } from '../../harness/stack/types.ts';

let stack: StartedStack;
let plan: RunPlan;

beforeAll(async () => {
  plan = resolvePlan(
    { name: 'faults-test', clients: 2 },
    { scenarioFile: 'test', reportRoot: mkdtempSync(join(tmpdir(), 'faults-')) },
  );
  stack = await startLocalStack(plan, join(plan.reportDir, 'logs'));
}, 60_000);
afterAll(() => stack?.stop());

const fault = (type: FaultPlan['type'], params: FaultPlan['params'] = {}, durationMs = 1_000): FaultPlan => ({
  id: `${type}#1`,
  type,
  atMs: 0,
  durationMs,
  fraction: 1,
  params,
});
const ctx = () => ({ proxies: stack.proxies, gateway: stack.gateway });

interface Client {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  closed: Promise<{ code: number; at: number }>;
  opened: Promise<boolean>;
}

async function client(user = 'u1', chat = 'chat-f'): Promise<Client> {
  const token = await mintToken(plan.jwtSecret, { sub: user, chats: [chat] });
  const ws = new WebSocket(`${stack.gatewayUrl}/api/v1/chats/${chat}/ws?token=${token}`);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; at: number }>((r) =>
    ws.on('close', (code) => r({ code, at: performance.now() })),
  );
  const opened = new Promise<boolean>((r) => {
    ws.once('open', () => r(true));
    ws.once('close', () => r(false));
  });
  return { ws, frames, closed, opened };
}

/** Sends a message and resolves with its ack, or null after timeoutMs. */
function sendAndAck(c: Client, id: string, timeoutMs: number, content = 'x'): Promise<Record<string, unknown> | null> {
  c.ws.send(JSON.stringify({ type: 'send', client_msg_id: id, content }));
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const iv = setInterval(() => {
      const ack = c.frames.find((f) => f.type === 'ack' && f.client_msg_id === id);
      if (ack || Date.now() > deadline || c.ws.readyState !== WebSocket.OPEN) {
        clearInterval(iv);
        resolve(ack ?? null);
      }
    }, 10);
  });
}

async function expectProxyClean(): Promise<void> {
  for (const p of stack.proxies) {
    const now = await stack.toxiproxy.get(p.name);
    expect(now.enabled).toBe(true);
    const res = await fetch(`${now.getPath()}/toxics`);
    expect(await res.json()).toEqual([]);
  }
  const c = await client('after');
  expect(await c.opened).toBe(true);
  expect(await sendAndAck(c, `after-${Math.random()}`, 2_000)).not.toBeNull();
  c.ws.close();
}

describe('fault vocabulary against real Toxiproxy', () => {
  it('cut closes open sockets and refuses new ones until removed', async () => {
    const c = await client();
    await c.opened;
    const f = fault('cut');
    await FAULTS.cut.apply(ctx(), f);
    expect((await c.closed).code).toBe(1006);
    expect(await (await client('u2')).opened).toBe(false);
    await FAULTS.cut.remove(ctx(), f);
    await expectProxyClean();
  });

  it('blackhole keeps the socket open but nothing passes', async () => {
    const c = await client();
    await c.opened;
    const f = fault('blackhole');
    await FAULTS.blackhole.apply(ctx(), f);
    expect(await sendAndAck(c, 'bh-1', 1_000)).toBeNull();
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await FAULTS.blackhole.remove(ctx(), f);
    c.ws.terminate();
    await expectProxyClean();
  });

  it('latency delays every frame by about the configured time', async () => {
    const c = await client();
    await c.opened;
    const f = fault('latency', { latency: 300, jitter: 0, stream: 'both' });
    await FAULTS.latency.apply(ctx(), f);
    const t0 = performance.now();
    expect(await sendAndAck(c, 'lat-1', 3_000)).not.toBeNull();
    // Up and back: two passes through the toxic.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(550);
    await FAULTS.latency.remove(ctx(), f);
    c.ws.close();
    await expectProxyClean();
  });

  it('bandwidth slows a large frame down to the rate', async () => {
    const c = await client();
    await c.opened;
    const f = fault('bandwidth', { rate: 4, stream: 'downstream' });
    await FAULTS.bandwidth.apply(ctx(), f);
    const t0 = performance.now();
    // ~4 KB of broadcast back at 4 KB/s: about a second instead of a millisecond.
    expect(await sendAndAck(c, 'bw-1', 5_000, 'y'.repeat(4_000))).not.toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    const echo = () => c.frames.some((fr) => fr.type === 'message' && fr.client_msg_id === 'bw-1');
    while (!echo() && performance.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(echo()).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(600);
    await FAULTS.bandwidth.remove(ctx(), f);
    c.ws.close();
    await expectProxyClean();
  });

  it('reset_peer resets connections', async () => {
    const c = await client();
    await c.opened;
    const f = fault('reset_peer', { timeout: 0, stream: 'both' });
    await FAULTS.reset_peer.apply(ctx(), f);
    c.ws.send(JSON.stringify({ type: 'ping', id: 'p' }));
    expect((await c.closed).code).toBe(1006);
    await FAULTS.reset_peer.remove(ctx(), f);
    await expectProxyClean();
  });

  it('limit_data closes a connection once its bytes have passed', async () => {
    const f = fault('limit_data', { bytes: 2_000, stream: 'downstream' });
    await FAULTS.limit_data.apply(ctx(), f);
    const c = await client();
    await c.opened;
    for (let i = 0; i < 10; i++)
      c.ws.send(JSON.stringify({ type: 'send', client_msg_id: `ld-${i}`, content: 'z'.repeat(500) }));
    expect((await c.closed).code).toBe(1006);
    await FAULTS.limit_data.remove(ctx(), f);
    await expectProxyClean();
  });

  it('slicer puts the slicer toxic on the proxy, and every frame still arrives whole', async () => {
    const c = await client();
    await c.opened;
    const f = fault('slicer', { average_size: 16, size_variation: 4, delay: 2_000, stream: 'downstream' });
    await FAULTS.slicer.apply(ctx(), f);
    // What Toxiproxy holds: the slicer, downstream, with the sizes and the delay (µs) asked for.
    const proxy = await stack.toxiproxy.get(stack.proxies[0].name);
    const toxics = (await (await fetch(`${proxy.getPath()}/toxics`)).json()) as {
      type: string;
      stream: string;
      attributes: Record<string, number>;
    }[];
    expect(toxics.map((t) => ({ type: t.type, stream: t.stream, attributes: t.attributes }))).toEqual([
      { type: 'slicer', stream: 'downstream', attributes: { average_size: 16, size_variation: 4, delay: 2_000 } },
    ]);
    // ~30 slices of the ack and the broadcast: both arrive, the broadcast with its 400 characters.
    expect(await sendAndAck(c, 'sl-1', 5_000, 'w'.repeat(400))).not.toBeNull();
    const echo = () => c.frames.find((fr) => fr.type === 'message' && fr.client_msg_id === 'sl-1');
    await vi.waitFor(() => expect(echo()).toBeDefined(), { timeout: 5_000, interval: 20 });
    expect(echo()!.content).toBe('w'.repeat(400));
    await FAULTS.slicer.remove(ctx(), f);
    c.ws.close();
    await expectProxyClean();
  });

  it('slow_close holds a close back', async () => {
    const c = await client();
    await c.opened;
    const f = fault('slow_close', { delay: 800, stream: 'both' });
    await FAULTS.slow_close.apply(ctx(), f);
    const t0 = performance.now();
    c.ws.close();
    const { at } = await c.closed;
    expect(at - t0).toBeGreaterThanOrEqual(700);
    await FAULTS.slow_close.remove(ctx(), f);
    await expectProxyClean();
  });

  it('flapping drops the network repeatedly, then leaves it up', async () => {
    const f = fault('flapping', { periodMs: 1_000, downMs: 400 }, 3_000);
    await FAULTS.flapping.apply(ctx(), f);
    // Sample the proxy's state as Toxiproxy reports it: down, up, down, up, down, up. Each phase
    // lasts 400 ms or more, so only a sampling loop stalled that long could miss one.
    const states: boolean[] = [];
    const until = performance.now() + 3_100;
    while (performance.now() < until) {
      states.push((await stack.toxiproxy.get(stack.proxies[0].name)).enabled);
      await new Promise((r) => setTimeout(r, 25));
    }
    await FAULTS.flapping.remove(ctx(), f);
    const downs = states.filter((up, i) => !up && (i === 0 || states[i - 1])).length;
    expect(downs).toBe(3);
    await expectProxyClean();
  });

  it('gateway-restart kills the gateway and starts it again', async () => {
    const c = await client();
    await c.opened;
    const f = fault('gateway-restart');
    await FAULTS['gateway-restart'].apply(ctx(), f);
    expect((await c.closed).code).toBe(1006);
    await expect(fetch(`${stack.directUrl.replace('ws', 'http')}/healthz`)).rejects.toThrow();
    await FAULTS['gateway-restart'].remove(ctx(), f);
    expect((await fetch(`${stack.directUrl.replace('ws', 'http')}/healthz`)).status).toBe(200);
    expect(stack.failures()).toEqual([]);
    await expectProxyClean();
  });
});
