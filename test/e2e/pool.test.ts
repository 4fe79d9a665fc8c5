/**
 * The Toxiproxy pool and the sharded reference gateway, for real: three Toxiproxy servers and two
 * gateway processes. A fault acts on every proxy of the pool at once (each one's real socket
 * drops and each proxy reads back disabled), its record names them with its real start and end,
 * and a pool member that cannot be reached makes the action fail naming that proxy.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { mintToken } from '../../harness/auth/tokens.ts';
import { resolvePlan, type RunPlan } from '../../harness/config/plan.ts';
import { runTimeline } from '../../harness/faults/timeline.ts';
import { startLocalStack } from '../../harness/stack/local.ts';
import type { StartedStack } from '../../harness/stack/types.ts';
import { makeResilient } from '../../harness/stack/toxiproxy-http.ts';

let stack: StartedStack;
let plan: RunPlan;

beforeAll(async () => {
  const base = resolvePlan(
    { name: 'pool-test', clients: 6, chatSize: 1 },
    { scenarioFile: 'test', reportRoot: mkdtempSync(join(tmpdir(), 'pool-')) },
  );
  plan = { ...base, layout: { toxiproxies: 3, gatewayShards: 2, proxies: 6 } };
  stack = await startLocalStack(plan, join(plan.reportDir, 'logs'));
}, 60_000);
afterAll(() => stack?.stop());

function open(url: string, chat: string, token: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${url}/api/v1/chats/${chat}/ws?token=${token}`);
  ws.on('error', () => {});
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('close', (code) => reject(new Error(`${url} closed before open (${code})`)));
  });
}

it('starts three Toxiproxy servers and two gateway processes, and routes each proxy to one of them', () => {
  const names = stack.processes!()
    .map((p) => p.name)
    .sort();
  expect(names).toEqual(['gateway-0', 'gateway-1', 'toxiproxy-0', 'toxiproxy-1', 'toxiproxy-2']);
  expect(new Set(stack.proxies.map((p) => p.getHost())).size).toBe(3);
  expect(stack.routes).toEqual([
    [0, 2, 4],
    [1, 3, 5],
  ]);
  expect(new Set(stack.proxies.map((p) => p.upstream)).size).toBe(2);
});

it('a cut acts on every proxy of the pool at once: every socket drops, every proxy reads back disabled, the record names them all', async () => {
  const sockets = await Promise.all(
    stack.proxyUrls.map(async (url, i) =>
      open(url, `chat-${i}`, await mintToken(plan.jwtSecret, { sub: `u${i}`, chats: [`chat-${i}`] })),
    ),
  );
  const ctl = new AbortController();
  const t0 = performance.timeOrigin + performance.now();
  const tl = runTimeline(
    [{ id: 'cut#1', type: 'cut', atMs: 0, durationMs: 1_500, fraction: 1, params: {} }],
    { proxies: stack.proxies, gateway: stack.gateway },
    t0,
    ctl.signal,
  );
  const codes = await Promise.all(
    sockets.map((s) => Promise.race([s.closed, new Promise<string>((r) => setTimeout(() => r('still open'), 1_400))])),
  );
  expect(
    codes.every((c) => c === 1006),
    `close codes per proxy: ${codes.join(', ')}`,
  ).toBe(true);
  const states = await Promise.all(stack.proxies.map(async (p) => (await p.getToxiproxy().get(p.name)).enabled));
  expect(states).toEqual([false, false, false, false, false, false]);
  await tl.done;
  const rec = tl.records[0];
  expect(rec.error).toBeUndefined();
  expect(rec.proxies).toEqual(stack.proxies.map((p) => p.name));
  expect(rec.applyStart).toBeGreaterThanOrEqual(t0);
  expect(rec.applyEnd).toBeGreaterThanOrEqual(rec.applyStart);
  expect(rec.removeEnd!).toBeGreaterThanOrEqual(rec.removeStart!);
  const after = await Promise.all(stack.proxies.map(async (p) => (await p.getToxiproxy().get(p.name)).enabled));
  expect(after).toEqual([true, true, true, true, true, true]);
  // And every route works again.
  const again = await Promise.all(
    stack.proxyUrls.map(async (url, i) =>
      open(url, `chat-${i}`, await mintToken(plan.jwtSecret, { sub: `u${i}`, chats: [`chat-${i}`] })),
    ),
  );
  for (const s of again) s.ws.close();
}, 30_000);

it('a pool member that does not answer makes the action fail, naming the proxy and the reason', async () => {
  // Stop the last server for real (SIGSTOP): its API accepts nothing, the client times out and retries.
  const victim = stack.processes!().find((p) => p.name === 'toxiproxy-2')!;
  // Short timeouts for the test (the run's are 5 s × 4 attempts).
  for (const p of stack.proxies) makeResilient(p, { timeoutMs: 1_000, attempts: 2, backoffMs: 50 });
  process.kill(victim.pid, 'SIGSTOP');
  try {
    const t0 = performance.timeOrigin + performance.now();
    const tl = runTimeline(
      [
        {
          id: 'latency#1',
          type: 'latency',
          atMs: 0,
          durationMs: 100,
          fraction: 1,
          params: { latency: 10, jitter: 0, stream: 'both' },
        },
      ],
      { proxies: stack.proxies, gateway: stack.gateway },
      t0,
      new AbortController().signal,
    );
    await tl.done;
    const err = tl.records[0].error ?? '';
    expect(err).toMatch(
      /apply failed: 2 of 6 proxies: proxy gateway-2 on Toxiproxy http:\/\/127\.0\.0\.1:\d+: POST .*no answer within 1000 ms/,
    );
    expect(err).toContain('proxy gateway-5');
    expect(err).not.toContain('proxy gateway-0');
  } finally {
    process.kill(victim.pid, 'SIGCONT');
  }
}, 30_000);
