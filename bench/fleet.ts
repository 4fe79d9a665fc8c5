/**
 * The fleet's own cost, against a bare `ws` client measured in the same invocation (the machine is
 * shared and noisy: compare the ratios, not the absolute figures). Both hold the same number of
 * sockets to the same reference gateway (several processes when one cannot hold them all), in
 * chats of 10, and send the same traffic; the bare client records nothing, the fleet records
 * every event to its history as in a run.
 *
 *   npm run bench                      (every bench/*.ts part; this one at 5,000 sockets)
 *   npx node bench/fleet.ts --sockets 20000
 *   npx node bench/fleet.ts --sockets 10000 --workers 2 --gateways 2 --connect-rate 4000
 *
 * The bare client runs as many processes as the fleet has workers, each with one worker's clients.
 * --workers sets the fleet's workers (default: the run's, one per 10,000 sockets); --gateways the
 * reference gateway's processes (default: as few as the descriptor limit allows), chat k on process
 * k mod G as in a run.
 *
 * Prints and writes under "fleet" in bench/results.json (under "fleet <its options>" when run with
 * other options than npm run bench's): RSS per socket (KB), CPU per delivered
 * message (µs), achieved connect rate (sockets/s, first attempt to last open, from the events),
 * each with its ratio to the bare client; and for each connect phase what bounds the rate: CPU per
 * connect of the client side (from its first connect to all open) and of the gateway processes
 * (over the same phase), and the share of a core each used (a gateway process near 1.0 is the bound).
 *
 * Ctrl-C (SIGINT), SIGTERM or an error stops everything it started (bench/_teardown.ts), says what
 * in one line and exits 130, 143 or 1, writing no figures; a second signal exits at once and names
 * `npx chatstorm cleanup` for what might be left.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRoster, mintTokens } from '../harness/auth/roster.ts';
import { resolvePlan } from '../harness/config/plan.ts';
import { startFleet, WORKER_NODE_FLAGS } from '../harness/fleet/fleet.ts';
import { MAX_IN_FLIGHT } from '../harness/fleet/protocol.ts';
import { readProcStat } from '../harness/metrics/host.ts';
import { eventFiles } from '../harness/record/files.ts';
import type { GeneratorSample } from '../harness/record/history.ts';
import { scanEvents } from '../harness/record/reader.ts';
import { fdCapacity } from '../harness/preflight/capacity.ts';
import { openFileLimit } from '../harness/preflight/limits.ts';
import { freePort } from '../harness/stack/ports.ts';
import { spawnManaged, type ManagedProcess } from '../harness/stack/process.ts';
import { PROJECT_ROOT } from '../harness/stack/toxiproxy-binary.ts';
import { cpuNow } from './_procs.ts';
import { benchLifecycle } from './_teardown.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '5000' },
    'connect-rate': { type: 'string', default: '4000' },
    traffic: { type: 'string', default: '20' },
    workers: { type: 'string' },
    gateways: { type: 'string' },
  },
});
/** The options of `npm run bench`'s run, as the command line records them. */
const DEFAULT_OPTIONS = '--sockets 5000 --connect-rate 4000 --traffic 20';
const N = Number(values.sockets);
const connectRate = Number(values['connect-rate']);
const trafficMs = Number(values.traffic) * 1_000;
const sendIntervalMs = 10_000;
const now = () => performance.timeOrigin + performance.now();
const bench = benchLifecycle('bench/fleet');
const dir = bench.tempDir('bench-fleet-');

const plan = resolvePlan(
  { name: 'bench-fleet', clients: N, chatSize: 10, connectRate, sendInterval: sendIntervalMs, duration: trafficMs },
  {
    scenarioFile: 'bench/fleet.ts',
    reportRoot: dir,
    ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}),
  },
);
const shards = values.gateways
  ? Number(values.gateways)
  : Math.max(1, Math.ceil(N / fdCapacity(openFileLimit('self') ?? 1024, 1)));
const load0 = loadavg()[0];
const gateways: ManagedProcess[] = [];
const urls: string[] = [];
for (let g = 0; g < shards; g++) {
  const port = await freePort();
  gateways.push(
    bench.own(
      await spawnManaged({
        name: `gateway-${g}`,
        command: process.execPath,
        args: [join(PROJECT_ROOT, 'gateway', 'main.ts')],
        env: { PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: plan.jwtSecret },
        logFile: join(dir, `gateway-${g}.log`),
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      }),
    ),
  );
  urls.push(`ws://127.0.0.1:${port}`);
}
const roster = buildRoster(plan);
const tokens = await mintTokens(roster, plan.jwtSecret, 3_600);
const chatNo = (chat: string) => Number(chat.slice('chat-'.length));
type Mark = { gw: number[]; host: ReturnType<typeof readProcStat> };
/** At a phase boundary: each gateway process's CPU seconds, and the host's busy and total jiffies (/proc/stat). */
const mark = (): Mark => ({
  gw: [...cpuNow(gateways.map((g) => ({ name: g.name, pid: g.pid }))).values()],
  host: readProcStat(),
});
/**
 * Per connect phase: CPU per connect (µs) of the client side and of the gateway, the share of a core
 * each process used over the phase, and the cores the whole host had busy (this bench and everything
 * else on the machine): when ours are below a core each and the host is near all its cores, the
 * rest of the host set the rate.
 */
const connectCost = (opens: number, seconds: number, clientCpuMs: number, clients: number, m0: Mark, m1: Mark) => {
  const gwCpu = m1.gw.map((v, i) => v - m0.gw[i]);
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const host =
    m0.host && m1.host && m1.host.total > m0.host.total
      ? ((m1.host.busy - m0.host.busy) / (m1.host.total - m0.host.total)) * availableParallelism()
      : null;
  return {
    clientUsPerConnect: Math.round((clientCpuMs * 1_000) / opens),
    gatewayUsPerConnect: Math.round((sum(gwCpu) * 1e6) / opens),
    clientCoresEach: Math.round((clientCpuMs / 1_000 / seconds / clients) * 100) / 100,
    gatewayCores: gwCpu.map((c) => Math.round((c / seconds) * 100) / 100),
    hostBusyCores: host === null ? null : Math.round(host * 100) / 100,
    hostCores: availableParallelism(),
  };
};

// 1. The bare client, as many processes as the fleet has workers (one process cannot hold 20,000
// sockets under the descriptor limit), each with the same clients as that worker; figures summed.
type Bare = {
  open: number;
  failed: number;
  connectMs: number;
  connectCpuMs: number;
  rssMaxBytes: number;
  cpuMs: number;
  received: number;
};
let bareConnected = 0;
let gwBareEnd: Mark = { gw: [], host: null };
/** One bare process with worker w's clients (warmUp: its first `warmUp` only, no traffic, figures not kept). */
const bareOne = (w: number, warmUp = 0) => {
  const all = roster.filter((r) => r.worker === w);
  const mine = warmUp ? all.slice(0, warmUp) : all;
  const bareJob = {
    urls: mine.map((r) => `${urls[chatNo(r.chat) % shards]}/api/v1/chats/${r.chat}/ws?token=${tokens.first[r.c]}`),
    connectRate: connectRate / plan.workers,
    sendIntervalMs,
    trafficMs: warmUp ? 0 : trafficMs,
    messageBytes: plan.messageBytes,
  };
  return new Promise<Bare>((resolve, reject) => {
    // The same Node flags as a fleet worker: the ratio is then the fleet's own code.
    const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, join(import.meta.dirname, '_bare-client.ts')], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    // Lines: `connected`, then the result (V8 flags such as --trace-gc may print lines of their own).
    let out = '';
    let result: Bare | null = null;
    child.stdout.on('data', (d) => {
      out += d;
      let nl = out.indexOf('\n');
      for (; nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        // The gateway's CPU when the last bare process has all its sockets open.
        if (line === 'connected' && !warmUp && ++bareConnected === plan.workers) gwBareEnd = mark();
        else if (line.startsWith('{"open"')) result = JSON.parse(line);
      }
    });
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`bare client ${w} exited ${code}`)),
    );
    child.stdin.end(JSON.stringify(bareJob));
  });
};
// The gateway's code warmed up first (1,000 connects per bare process, closed again): whichever side
// connected first would otherwise pay the gateway's JIT warm-up in its CPU per connect.
await Promise.all(Array.from({ length: plan.workers }, (_, w) => bareOne(w, 1_000)));
await new Promise((r) => setTimeout(r, 1_000));
const gwBareStart = mark();
const bares = await Promise.all(Array.from({ length: plan.workers }, (_, w) => bareOne(w)));
const bare: Bare = {
  open: bares.reduce((a, b) => a + b.open, 0),
  failed: bares.reduce((a, b) => a + b.failed, 0),
  connectMs: Math.max(...bares.map((b) => b.connectMs)),
  connectCpuMs: bares.reduce((a, b) => a + b.connectCpuMs, 0),
  rssMaxBytes: bares.reduce((a, b) => a + b.rssMaxBytes, 0),
  cpuMs: bares.reduce((a, b) => a + b.cpuMs, 0),
  received: bares.reduce((a, b) => a + b.received, 0),
};
await new Promise((r) => setTimeout(r, 2_000));
await bench.proceed();

// 2. The fleet, recording everything.
const historyDir = join(dir, 'history');
const { mkdirSync } = await import('node:fs');
mkdirSync(historyDir, { recursive: true });
const gwFleetStart = mark();
const fleet = startFleet(
  plan,
  roster,
  tokens,
  urls,
  historyDir,
  Array.from({ length: shards }, (_, g) => [g]),
);
bench.teardown.use(fleet);
const samples: GeneratorSample[] = [];
fleet.onSample((s) => samples.push(s));
const c = await fleet.connected(120_000, bench.signal);
const gwFleetEnd = mark();
const start = now() + 250;
fleet.startTraffic(start, start + trafficMs);
await new Promise((r) => setTimeout(r, trafficMs + 1_250));
await fleet.stop();
await bench.proceed();
const during = samples.filter((s) => s.t >= start && s.t <= start + trafficMs + 1_000);
const rssByWorker = new Map<number, number>();
for (const s of samples) rssByWorker.set(s.worker, Math.max(rssByWorker.get(s.worker) ?? 0, s.rssMb ?? 0));
const fleetRssMb = [...rssByWorker.values()].reduce((a, b) => a + b, 0);
// A sample's cpu is a share of a core over the time since that worker's previous sample: a starved
// worker samples late, so each share is weighed by its own interval, not by a nominal second.
const prevT = new Map<number, number>();
const interval = new Map<GeneratorSample, number>();
for (const s of samples) {
  interval.set(s, s.t - (prevT.get(s.worker) ?? s.t - 1_000));
  prevT.set(s.worker, s.t);
}
const fleetCpuMs = during.reduce((a, s) => a + s.cpu * interval.get(s)!, 0);
const fleetReceived = during.reduce((a, s) => a + s.received, 0);
// Planned sends the fleet skipped because it fell behind (a starved host): fewer deliveries to count.
const fleetSkipped = samples.reduce((a, s) => a + (s.skippedSends ?? 0), 0);
// Achieved connect rate from the recorded events: first attempt to last first open.
let first = Infinity;
let last = 0;
let opens = 0;
// Each client's first handshake, attempt to open (ms): long ones mean the gateway or the host, not the pacing, set the rate.
const attemptAt = new Map<number, number>();
const handshakeMs: number[] = [];
for (const f of eventFiles(historyDir)) {
  scanEvents(
    f,
    (_c, k) => k === 'attempt' || k === 'open',
    (ev) => {
      if (ev.k === 'attempt' && ev.n === 1) {
        first = Math.min(first, ev.t);
        attemptAt.set(ev.c, ev.t);
      } else if (ev.k === 'open' && ev.n === 1) {
        opens++;
        last = Math.max(last, ev.t);
        handshakeMs.push(ev.t - (attemptAt.get(ev.c) ?? ev.t));
      }
    },
  );
}
handshakeMs.sort((a, b) => a - b);
const pct = (q: number) =>
  Math.round(handshakeMs[Math.min(handshakeMs.length - 1, Math.floor(q * handshakeMs.length))] ?? 0);
// Handshakes under way at once (the worker allows MAX_IN_FLIGHT): the peak of the per-second samples.
const peakConnecting = Math.max(0, ...samples.filter((s) => s.t <= last + 1_000).map((s) => s.connecting));
const fleetRate = opens / ((last - first) / 1_000);
const bareRate = bare.open / (bare.connectMs / 1_000);
const r2 = (x: number) => Math.round(x * 100) / 100;
const fleetConnectS = (last - first) / 1_000;
const result = {
  at: new Date().toISOString(),
  command: `npx node bench/fleet.ts --sockets ${N} --connect-rate ${connectRate} --traffic ${trafficMs / 1_000}${values.workers ? ` --workers ${values.workers}` : ''}${values.gateways ? ` --gateways ${values.gateways}` : ''}`,
  loadAverage: [load0, ...loadavg().slice(0, 1)].map((x) => Math.round(x * 100) / 100),
  sockets: N,
  gatewayProcesses: shards,
  fleet: {
    workers: plan.workers,
    open: c.open,
    kbPerSocket: r2((fleetRssMb * 1_000) / N),
    usPerDeliveredMessage: r2((fleetCpuMs * 1_000) / Math.max(1, fleetReceived)),
    delivered: fleetReceived,
    skippedSends: fleetSkipped,
    connectRate: Math.round(fleetRate),
    connect: {
      ...connectCost(opens, fleetConnectS, c.cpuMs, plan.workers, gwFleetStart, gwFleetEnd),
      handshakeMs: { p50: pct(0.5), p99: pct(0.99), max: pct(1) },
      peakConnectingPerWorker: peakConnecting,
    },
  },
  bare: {
    processes: plan.workers,
    open: bare.open,
    kbPerSocket: r2(bare.rssMaxBytes / 1_000 / N),
    usPerDeliveredMessage: r2((bare.cpuMs * 1_000) / Math.max(1, bare.received)),
    delivered: bare.received,
    connectRate: Math.round(bareRate),
    connect: connectCost(bare.open, bare.connectMs / 1_000, bare.connectCpuMs, plan.workers, gwBareStart, gwBareEnd),
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
for (const side of ['fleet', 'bare'] as const) {
  const k = result[side].connect;
  console.log(
    `  connect phase (${side.padEnd(5)}) CPU per connect: client ${k.clientUsPerConnect} µs, gateway ${k.gatewayUsPerConnect} µs; cores used: client ${k.clientCoresEach} each (${plan.workers}), gateway ${k.gatewayCores.join(' + ')}; host busy ${k.hostBusyCores ?? '?'} of ${k.hostCores} cores`,
  );
}
const hs = result.fleet.connect.handshakeMs;
console.log(
  `  fleet handshakes (attempt → open) p50 ${hs.p50} ms, p99 ${hs.p99} ms, max ${hs.max} ms; peak under way in a worker ${peakConnecting} (bound ${MAX_IN_FLIGHT})`,
);
if (fleetSkipped) console.log(`  the fleet fell behind: ${fleetSkipped} planned sends skipped`);
console.log(`  load average ${result.loadAverage.join(' → ')}`);
const file = join(import.meta.dirname, 'results.json');
const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
// npm run bench's run (the defaults) is "fleet"; any other command keeps its own key, named by its options.
const options = result.command.slice('npx node bench/fleet.ts '.length);
all[options === DEFAULT_OPTIONS ? 'fleet' : `fleet ${options}`] = result;
writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
await bench.end();
