/**
 * The fleet's own cost, against a bare `ws` client measured in the same invocation (the machine is
 * shared and noisy: compare the ratios, not the absolute figures). Both hold the same number of
 * sockets to the same reference gateway (several processes when one cannot hold them all), in
 * chats of 10, and send the same traffic; the bare client records nothing, the fleet records
 * every event to its history as in a run.
 *
 *   npm run bench                      (every bench/*.ts part; this one at 5,000 sockets)
 *   node bench/fleet.ts --sockets 20000
 *
 * The bare client runs as many processes as the fleet has workers, each with one worker's clients.
 *
 * Prints and writes under "fleet" in bench/results.json: RSS per socket (KB), CPU per delivered
 * message (µs), achieved connect rate (sockets/s, first attempt to last open, from the events),
 * each with its ratio to the bare client.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRoster, mintTokens } from '../harness/auth/roster.ts';
import { resolvePlan } from '../harness/config/plan.ts';
import { startFleet, WORKER_NODE_FLAGS } from '../harness/fleet/fleet.ts';
import { eventFiles } from '../harness/record/files.ts';
import type { GeneratorSample } from '../harness/record/history.ts';
import { scanEvents } from '../harness/record/reader.ts';
import { fdCapacity } from '../harness/preflight/capacity.ts';
import { openFileLimit } from '../harness/preflight/limits.ts';
import { freePort } from '../harness/stack/ports.ts';
import { spawnManaged, type ManagedProcess } from '../harness/stack/process.ts';
import { PROJECT_ROOT } from '../harness/stack/toxiproxy-binary.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '5000' },
    'connect-rate': { type: 'string', default: '4000' },
    traffic: { type: 'string', default: '20' },
  },
});
const N = Number(values.sockets);
const connectRate = Number(values['connect-rate']);
const trafficMs = Number(values.traffic) * 1_000;
const sendIntervalMs = 10_000;
const now = () => performance.timeOrigin + performance.now();
const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));

const plan = resolvePlan(
  { name: 'bench-fleet', clients: N, chatSize: 10, connectRate, sendInterval: sendIntervalMs, duration: trafficMs },
  { scenarioFile: 'bench/fleet.ts', reportRoot: dir },
);
const shards = Math.max(1, Math.ceil(N / fdCapacity(openFileLimit('self') ?? 1024, 1)));
const gateways: ManagedProcess[] = [];
const urls: string[] = [];
for (let g = 0; g < shards; g++) {
  const port = await freePort();
  gateways.push(
    await spawnManaged({
      name: `gateway-${g}`,
      command: process.execPath,
      args: [join(PROJECT_ROOT, 'gateway', 'main.ts')],
      env: { PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: plan.jwtSecret },
      logFile: join(dir, `gateway-${g}.log`),
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    }),
  );
  urls.push(`ws://127.0.0.1:${port}`);
}
const roster = buildRoster(plan);
const tokens = await mintTokens(roster, plan.jwtSecret, 3_600);
const chatNo = (chat: string) => Number(chat.slice('chat-'.length));

try {
  // 1. The bare client, as many processes as the fleet has workers (one process cannot hold 20,000
  // sockets under the descriptor limit), each with the same clients as that worker; figures summed.
  type Bare = { open: number; failed: number; connectMs: number; rssMaxBytes: number; cpuMs: number; received: number };
  const bareOne = (w: number) => {
    const mine = roster.filter((r) => r.worker === w);
    const bareJob = {
      urls: mine.map((r) => `${urls[chatNo(r.chat) % shards]}/api/v1/chats/${r.chat}/ws?token=${tokens.first[r.c]}`),
      connectRate: connectRate / plan.workers,
      sendIntervalMs,
      trafficMs,
      messageBytes: plan.messageBytes,
    };
    return new Promise<Bare>((resolve, reject) => {
      // The same Node flags as a fleet worker: the ratio is then the fleet's own code.
      const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, join(import.meta.dirname, '_bare-client.ts')], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bare client ${w} exited ${code}`)),
      );
      child.stdin.end(JSON.stringify(bareJob));
    });
  };
  const bares = await Promise.all(Array.from({ length: plan.workers }, (_, w) => bareOne(w)));
  const bare: Bare = {
    open: bares.reduce((a, b) => a + b.open, 0),
    failed: bares.reduce((a, b) => a + b.failed, 0),
    connectMs: Math.max(...bares.map((b) => b.connectMs)),
    rssMaxBytes: bares.reduce((a, b) => a + b.rssMaxBytes, 0),
    cpuMs: bares.reduce((a, b) => a + b.cpuMs, 0),
    received: bares.reduce((a, b) => a + b.received, 0),
  };
  await new Promise((r) => setTimeout(r, 2_000));

  // 2. The fleet, recording everything.
  const historyDir = join(dir, 'history');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(historyDir, { recursive: true });
  const fleet = startFleet(
    plan,
    roster,
    tokens,
    urls,
    historyDir,
    Array.from({ length: shards }, (_, g) => [g]),
  );
  const samples: GeneratorSample[] = [];
  fleet.onSample((s) => samples.push(s));
  const c = await fleet.connected(120_000, new AbortController().signal);
  const start = now() + 250;
  fleet.startTraffic(start, start + trafficMs);
  await new Promise((r) => setTimeout(r, trafficMs + 1_250));
  await fleet.stop();
  const during = samples.filter((s) => s.t >= start && s.t <= start + trafficMs + 1_000);
  const rssByWorker = new Map<number, number>();
  for (const s of samples) rssByWorker.set(s.worker, Math.max(rssByWorker.get(s.worker) ?? 0, s.rssMb ?? 0));
  const fleetRssMb = [...rssByWorker.values()].reduce((a, b) => a + b, 0);
  const fleetCpuMs = during.reduce((a, s) => a + s.cpu * 1_000, 0);
  const fleetReceived = during.reduce((a, s) => a + s.received, 0);
  // Achieved connect rate from the recorded events: first attempt to last first open.
  let first = Infinity;
  let last = 0;
  let opens = 0;
  for (const f of eventFiles(historyDir)) {
    scanEvents(
      f,
      (_c, k) => k === 'attempt' || k === 'open',
      (ev) => {
        if (ev.k === 'attempt' && ev.n === 1) first = Math.min(first, ev.t);
        else if (ev.k === 'open' && ev.n === 1) {
          opens++;
          last = Math.max(last, ev.t);
        }
      },
    );
  }
  const fleetRate = opens / ((last - first) / 1_000);
  const bareRate = bare.open / (bare.connectMs / 1_000);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const result = {
    at: new Date().toISOString(),
    command: `node bench/fleet.ts --sockets ${N} --connect-rate ${connectRate} --traffic ${trafficMs / 1_000}`,
    sockets: N,
    gatewayProcesses: shards,
    fleet: {
      workers: plan.workers,
      open: c.open,
      kbPerSocket: r2((fleetRssMb * 1_000) / N),
      usPerDeliveredMessage: r2((fleetCpuMs * 1_000) / Math.max(1, fleetReceived)),
      delivered: fleetReceived,
      connectRate: Math.round(fleetRate),
    },
    bare: {
      processes: plan.workers,
      open: bare.open,
      kbPerSocket: r2(bare.rssMaxBytes / 1_000 / N),
      usPerDeliveredMessage: r2((bare.cpuMs * 1_000) / Math.max(1, bare.received)),
      delivered: bare.received,
      connectRate: Math.round(bareRate),
    },
    ratios: {} as Record<string, number>,
  };
  result.ratios = {
    kbPerSocket: r2(result.fleet.kbPerSocket / result.bare.kbPerSocket),
    cpuPerDeliveredMessage: r2(result.fleet.usPerDeliveredMessage / result.bare.usPerDeliveredMessage),
    connectRate: r2(result.fleet.connectRate / result.bare.connectRate),
  };
  console.log(
    `bench/fleet: ${N} sockets (${plan.workers} fleet worker(s), ${shards} gateway process(es)); configured connect rate ${connectRate}/s`,
  );
  console.log(
    `  RSS per socket        fleet ${result.fleet.kbPerSocket} KB   bare ws ${result.bare.kbPerSocket} KB   ratio ${result.ratios.kbPerSocket}x`,
  );
  console.log(
    `  CPU per delivered msg fleet ${result.fleet.usPerDeliveredMessage} µs   bare ws ${result.bare.usPerDeliveredMessage} µs   ratio ${result.ratios.cpuPerDeliveredMessage}x`,
  );
  console.log(
    `  achieved connect rate fleet ${result.fleet.connectRate}/s   bare ws ${result.bare.connectRate}/s   ratio ${result.ratios.connectRate}x`,
  );
  const file = join(import.meta.dirname, 'results.json');
  const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  all.fleet = result;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
} finally {
  await Promise.all(gateways.map((g) => g.stop()));
  rmSync(dir, { recursive: true, force: true });
}
