/**
 * What one connect attempt costs the fleet's socket (harness/fleet/ws-socket.ts: TCP first, then
 * `ws`'s handshake) against a bare `ws` client, in the same invocation (the machine is shared and
 * noisy: compare the ratios): an attempt a closed port refuses — what a cut's disabled proxy does
 * to every client once or twice while it lasts — and an attempt that opens and reads a first frame
 * from a `ws` server in a process of its own. CPU of this process (process.cpuUsage) per attempt,
 * the median of three alternating rounds each.
 *
 *   npm run bench -- refused
 *   npx node bench/refused.ts --refused 20000 --opens 5000
 *
 * Prints and writes under "refused" in bench/results.json (under "refused <its options>" with other
 * options): µs per refused attempt and per open, each side and the ratio fleet / bare ws.
 * Ctrl-C (SIGINT) or SIGTERM stops the server it started (bench/_teardown.ts) and exits 130 or 143.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { WsSocket } from '../harness/fleet/ws-socket.ts';
import { benchLifecycle } from './_teardown.ts';

const { values } = parseArgs({
  options: { refused: { type: 'string', default: '20000' }, opens: { type: 'string', default: '5000' } },
});
const DEFAULT_OPTIONS = '--refused 20000 --opens 5000';
const REFUSED = Number(values.refused);
const OPENS = Number(values.opens);
for (const [flag, n] of [
  ['--refused', REFUSED],
  ['--opens', OPENS],
] as const) {
  if (!Number.isInteger(n) || n < 100) {
    console.error(
      `bench/refused: ${flag}: expected a whole number of at least 100 (got ${values[flag.slice(2) as 'refused' | 'opens']})`,
    );
    process.exit(64);
  }
}
const bench = benchLifecycle('bench/refused');
const load0 = loadavg().map((x) => Math.round(x * 100) / 100);

/** One attempt: resolves when it is over (refused, or opened and its first frame read); returns what to close. */
type Attempt = (url: string, done: () => void) => { close(): void };
const fleet: Attempt = (url, done) => {
  const s = new WsSocket(url, { perMessageDeflate: false }, 0, () => {});
  s.onerror = () => {};
  s.onclose = done;
  s.onmessage = () => {
    s.onclose = null;
    done();
  };
  return s;
};
const bare: Attempt = (url, done) => {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  ws.once('close', done);
  ws.once('message', () => {
    ws.removeListener('close', done);
    done();
  });
  return ws;
};

/** µs of this process's CPU per attempt over n attempts, at most `inFlight` under way at once. */
async function round(attempt: Attempt, url: string, n: number, inFlight: number): Promise<number> {
  const open: { close(): void }[] = [];
  const c0 = process.cpuUsage();
  await new Promise<void>((resolve) => {
    let started = 0;
    let finished = 0;
    const next = () => {
      while (started - finished < inFlight && started < n) {
        started++;
        open.push(
          attempt(url, () => {
            if (++finished === n) resolve();
            else next();
          }),
        );
      }
    };
    next();
  });
  const c = process.cpuUsage(c0);
  for (const s of open) s.close();
  await new Promise((r) => setTimeout(r, 1_000)); // the closes settle outside the next round
  return (c.user + c.system) / n;
}

/** Three alternating rounds of each side; the median of each, rounded. */
async function compare(
  url: string,
  n: number,
  inFlight: number,
): Promise<{ fleet: number; bare: number; ratio: number }> {
  const us = { fleet: [] as number[], bare: [] as number[] };
  for (let i = 0; i < 3; i++) {
    us.bare.push(await round(bare, url, n, inFlight));
    await bench.proceed();
    us.fleet.push(await round(fleet, url, n, inFlight));
    await bench.proceed();
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[1];
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    fleet: r1(median(us.fleet)),
    bare: r1(median(us.bare)),
    ratio: Math.round((median(us.fleet) / median(us.bare)) * 100) / 100,
  };
}

// A port nothing listens on: taken from the kernel and given back.
const probe = createServer();
await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
const closedPort = (probe.address() as AddressInfo).port;
await new Promise<void>((r) => probe.close(() => r()));
const token = 'x'.repeat(200); // a JWT's length
const refused = await compare(
  `ws://127.0.0.1:${closedPort}/api/v1/chats/chat-1/ws?token=${token}&since=12`,
  REFUSED,
  500,
);

// A ws server in its own process, so that only the client side is counted here.
const server = fork(join(import.meta.dirname, '_ws-server.ts'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
bench.own({ name: 'ws server', pid: server.pid ?? -1, stop: async () => void server.kill() });
const port = await new Promise<number>((r) => server.once('message', (m) => r(Number(m))));
const opens = await compare(`ws://127.0.0.1:${port}/api/v1/chats/chat-1/ws?token=${token}`, OPENS, 200);

const result = {
  command: `npx node bench/refused.ts ${process.argv.slice(2).join(' ') || DEFAULT_OPTIONS}`.trim(),
  cores: availableParallelism(),
  loadAverage: [load0, loadavg().map((x) => Math.round(x * 100) / 100)],
  usPerRefusedAttempt: refused,
  usPerOpen: opens,
};
console.log(
  `bench/refused: CPU per attempt (median of 3 rounds each, this process): refused (${REFUSED}) fleet ${refused.fleet} µs   bare ws ${refused.bare} µs   ratio ${refused.ratio}x`,
);
console.log(
  `               opened + first frame (${OPENS}) fleet ${opens.fleet} µs   bare ws ${opens.bare} µs   ratio ${opens.ratio}x`,
);
console.log(`  load average ${result.loadAverage.map((l) => l.join(' ')).join(' → ')}`);
const file = join(import.meta.dirname, 'results.json');
const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
const options = result.command.slice('npx node bench/refused.ts '.length);
all[options === DEFAULT_OPTIONS ? 'refused' : `refused ${options}`] = result;
writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
await bench.end();
