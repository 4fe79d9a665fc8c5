/**
 * Where the CPU goes on the whole path — fleet → Toxiproxy → reference gateway — per connect, per
 * delivered message and per reconnect after a cut, with an A/B of Toxiproxy's environment and of
 * the gateway's entry run side by side in the same invocation (the machine is shared and noisy:
 * compare the ratios, not the absolute figures).
 *
 *   npx node bench/stack.ts                                   (4,000 sockets; A and B are both chatstorm's defaults)
 *   npx node bench/stack.ts --toxi-a-env LOG_LEVEL=warn --toxi-b-env "LOG_LEVEL=warn GOMAXPROCS=1"
 *   npx node bench/stack.ts --gateway-a path/to/baseline/main.ts   (B: gateway/main.ts)
 *     a baseline from git, e.g.: mkdir -p .ab/gw && for f in main server; do git show <rev>:gateway/$f.ts > .ab/gw/$f.ts; done
 *   CHATSTORM_V8_EXTRA="--heap-growing-percent=20 --cpu-prof --cpu-prof-dir=/tmp/p" npx node bench/stack.ts --cpu-prof /tmp/p
 *                                                         (V8 CPU profiles of the fleet workers and the gateways)
 *
 * Two Toxiproxy servers (A, B) and two gateway processes (A, B) carry four routes, one proxy each
 * (route j: server j mod 2, gateway ⌊j/2⌋ mod 2). Whole chats go to one route, chat k to route
 * k mod 4, so each server and each gateway carries half of every phase at the same time as its
 * counterpart, and every delivery is attributed to exactly one server and one gateway. CPU per
 * process comes from /proc/<pid>/stat (10 ms ticks) at the phase boundaries:
 *   connect    the fleet's first connects (paced at --connect-rate);
 *   traffic    --traffic seconds, each client sending every --send-interval ms, chats of 10;
 *   reconnect  every proxy disabled for --cut ms (a `cut`), then enabled; until all are open again.
 * Prints µs per connect / per delivered message / per reconnect for each process, the B/A ratios,
 * each part's figures against the preflight's CPU costs (harness/preflight/cpu.ts COSTS, measured
 * with this bench on a quiet host),
 * and writes them under "stack" in bench/results.json, with the command and the load average.
 * --write-costs <file> also writes the path's figures (and the host's share per delivery outside
 * the run's processes, from /proc/stat) as a costs file the preflight reads with
 * `chatstorm run … --cpu-costs <file>` (harness/config/cpu-costs.ts): run it on a quiet host.
 *
 * Ctrl-C (SIGINT), SIGTERM or an error stops everything it started (bench/_teardown.ts), says what
 * in one line and exits 130, 143 or 1, writing no figures; a second signal exits at once and names
 * `npx chatstorm cleanup` for what might be left.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRoster, mintTokens } from '../harness/auth/roster.ts';
import { resolvePlan } from '../harness/config/plan.ts';
import { startFleet } from '../harness/fleet/fleet.ts';
import { readProc } from '../harness/metrics/proc.ts';
import { cpuNow, fleetWorkers } from './_procs.ts';
import { benchLifecycle } from './_teardown.ts';
import { eventFiles } from '../harness/record/files.ts';
import type { GeneratorSample } from '../harness/record/history.ts';
import { scanEvents } from '../harness/record/reader.ts';
import { freePort } from '../harness/stack/ports.ts';
import { spawnManaged, type ManagedProcess } from '../harness/stack/process.ts';
import { createProxy, startToxiproxy, TOXIPROXY_ENV, type StartedToxiproxy } from '../harness/stack/toxiproxy.ts';
import { PROJECT_ROOT } from '../harness/stack/toxiproxy-binary.ts';
import { COSTS } from '../harness/preflight/cpu.ts';
import { COSTS_FORMAT, costsFileSchema } from '../harness/config/cpu-costs.ts';
import { describeIssues } from '../harness/config/schema.ts';
import { readProcStat } from '../harness/metrics/host.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '4000' },
    'connect-rate': { type: 'string', default: '2000' },
    traffic: { type: 'string', default: '15' },
    'send-interval': { type: 'string', default: '5000' },
    cut: { type: 'string', default: '2000' },
    'toxi-a-env': { type: 'string' },
    'toxi-b-env': { type: 'string' },
    'gateway-a': { type: 'string' },
    'gateway-b': { type: 'string' },
    'cpu-prof': { type: 'string' },
    'write-costs': { type: 'string' },
  },
});
const N = Number(values.sockets);
const connectRate = Number(values['connect-rate']);
const trafficMs = Number(values.traffic) * 1_000;
const sendIntervalMs = Number(values['send-interval']);
const cutMs = Number(values.cut);
const parseEnv = (s: string | undefined): NodeJS.ProcessEnv =>
  s === undefined
    ? TOXIPROXY_ENV
    : Object.fromEntries(
        s
          .split(/\s+/)
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
const toxiEnv = [parseEnv(values['toxi-a-env']), parseEnv(values['toxi-b-env'])];
const defaultGateway = join(PROJECT_ROOT, 'gateway', 'main.ts');
const gatewayEntry = [
  values['gateway-a'] ? resolve(values['gateway-a']) : defaultGateway,
  values['gateway-b'] ? resolve(values['gateway-b']) : defaultGateway,
];
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bench = benchLifecycle('bench/stack');
const dir = bench.tempDir('bench-stack-');
const load0 = loadavg().map((x) => Math.round(x * 100) / 100);

const plan = resolvePlan(
  { name: 'bench-stack', clients: N, chatSize: 10, connectRate, sendInterval: sendIntervalMs, duration: trafficMs },
  { scenarioFile: 'bench/stack.ts', reportRoot: dir },
);
const gateways: ManagedProcess[] = [];
const servers: StartedToxiproxy[] = [];
const ROUTES = 4;
const toxiOf = (j: number) => j % 2;
const gatewayOf = (j: number) => Math.floor(j / 2) % 2;
const chatNo = (chat: string) => Number(chat.slice('chat-'.length));

const prof = values['cpu-prof'] ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${resolve(values['cpu-prof'])}` } : {};
const upstream: string[] = [];
for (let g = 0; g < 2; g++) {
  const port = await freePort();
  upstream.push(`127.0.0.1:${port}`);
  gateways.push(
    bench.own(
      await spawnManaged({
        name: `gateway-${'AB'[g]}`,
        command: process.execPath,
        args: [gatewayEntry[g]],
        env: { PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: plan.jwtSecret, ...prof },
        logFile: join(dir, `gateway-${g}.log`),
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      }),
    ),
  );
}
for (let t = 0; t < 2; t++) {
  const server = await startToxiproxy(dir, undefined, `toxiproxy-${'AB'[t]}`, toxiEnv[t]);
  bench.own(server.process);
  servers.push(server);
}
const proxies = [];
for (let j = 0; j < ROUTES; j++)
  proxies.push(await createProxy(servers[toxiOf(j)].client, `route-${j}`, upstream[gatewayOf(j)]));
const proxyUrls = proxies.map((p) => `ws://${p.listen}`);
const roster = buildRoster(plan);
const tokens = await mintTokens(roster, plan.jwtSecret, 3_600);
const routeOf = roster.map((r) => chatNo(r.chat) % ROUTES);
// routes[i] = [i]: the fleet sends chat i mod ROUTES (whole) through proxy i.
const routes = Array.from({ length: ROUTES }, (_, j) => [j]);

const parts = () => [
  ...gateways.map((g) => ({ name: g.name, pid: g.pid })),
  ...servers.map((s) => ({ name: s.process.name, pid: s.process.pid })),
  ...fleetWorkers(),
];
const historyDir = join(dir, 'history');
mkdirSync(historyDir, { recursive: true });
const base = cpuNow(parts());
const t0 = now();
const fleet = startFleet(plan, roster, tokens, proxyUrls, historyDir, routes);
bench.teardown.use(fleet);
// A fleet worker's baseline: its first sample (≈1 s in; its startup is not a connect's cost),
// and the sockets already open then.
await new Promise<void>((r) => fleet.onSample(() => r()));
const procs = parts();
const fleetBase = cpuNow(procs.filter((p) => p.name.startsWith('fleet-')));
const openAtFleetBase = fleet.live().open;
const latestSample = new Map<number, GeneratorSample>();
for (const [k, v] of fleetBase) base.set(k, v);
const c = await fleet.connected(120_000, bench.signal);
const t1 = now();
const s1 = cpuNow(procs);
const trafficStart = now() + 250;
fleet.startTraffic(trafficStart, trafficStart + trafficMs);
await sleep(250);
const s2 = cpuNow(procs);
const busy2 = readProcStat()?.busy ?? Number.NaN;
await sleep(trafficMs + 1_000);
const s3 = cpuNow(procs);
const busy3 = readProcStat()?.busy ?? Number.NaN;
const rss = new Map(procs.map((p) => [p.name, (readProc(p.pid)?.rssBytes ?? 0) / 1e6]));
// The cut: every proxy disabled, then enabled; then wait until every client is open again.
const cutAt = now();
await Promise.all(proxies.map((p) => p.update({ enabled: false, listen: p.listen, upstream: p.upstream })));
await sleep(cutMs);
await Promise.all(proxies.map((p) => p.update({ enabled: true, listen: p.listen, upstream: p.upstream })));
// Back when a sample taken after the restore shows every client open again.
const enabledAt = now();
await new Promise<void>((r) => {
  const timeout = setTimeout(r, 60_000);
  fleet.onSample((smp) => {
    latestSample.set(smp.worker, smp);
    const all = [...latestSample.values()];
    if (all.every((x) => x.t > enabledAt) && all.reduce((a, x) => a + x.open, 0) >= c.open) {
      clearTimeout(timeout);
      r();
    }
  });
});
const s4 = cpuNow(procs);
const t4 = now();
await fleet.stop();
await bench.proceed();

// Per route: first opens, deliveries in the traffic window, reopens after the cut.
const per = Array.from({ length: ROUTES }, () => ({ opens: 0, delivered: 0, reopens: 0 }));
let reattempts = 0;
let pastTimeout = 0;
let firstAttempt = Infinity;
let lastOpen = 0;
for (const f of eventFiles(historyDir)) {
  scanEvents(
    f,
    (_c, k) => k === 'attempt' || k === 'open' || k === 'recv' || k === 'fail',
    (ev) => {
      if (ev.k === 'fail') {
        if (ev.why === 'timeout') pastTimeout++;
        return;
      }
      const r = per[routeOf[ev.c]];
      if (ev.k === 'attempt' && ev.n === 1 && ev.t < cutAt) firstAttempt = Math.min(firstAttempt, ev.t);
      else if (ev.k === 'open' && ev.t < cutAt) {
        r.opens++;
        lastOpen = Math.max(lastOpen, ev.t);
      } else if (ev.k === 'open') r.reopens++;
      else if (ev.k === 'attempt' && ev.t >= cutAt) reattempts++;
      else if (ev.k === 'recv' && ev.t >= trafficStart && ev.t < cutAt) r.delivered++;
    },
  );
}
const sum = (pick: (j: number) => boolean, f: 'opens' | 'delivered' | 'reopens') =>
  per.reduce((a, r, j) => a + (pick(j) ? r[f] : 0), 0);
const workerCount = procs.filter((p) => p.name.startsWith('fleet-')).length;
const carried = (name: string, f: 'opens' | 'delivered' | 'reopens') =>
  name.startsWith('toxiproxy-')
    ? sum((j) => toxiOf(j) === 'AB'.indexOf(name.at(-1)!), f)
    : name.startsWith('gateway-')
      ? sum((j) => gatewayOf(j) === 'AB'.indexOf(name.at(-1)!), f)
      : sum(() => true, f) / workerCount;
const us = (a: Map<string, number>, b: Map<string, number>, name: string, n: number) =>
  Math.round((((b.get(name)! - a.get(name)!) * 1e6) / Math.max(1, n)) * 10) / 10;
const rows: Record<
  string,
  { connectUs: number; deliveryUs: number; reconnectUs: number; rssMb: number; kbPerSocket: number }
> = {};
for (const p of procs) {
  rows[p.name] = {
    connectUs: us(
      base,
      s1,
      p.name,
      carried(p.name, 'opens') - (p.name.startsWith('fleet-') ? openAtFleetBase / workerCount : 0),
    ),
    deliveryUs: us(s2, s3, p.name, carried(p.name, 'delivered')),
    reconnectUs: us(s3, s4, p.name, carried(p.name, 'reopens')),
    rssMb: Math.round(rss.get(p.name)! * 10) / 10,
    kbPerSocket: Math.round(((rss.get(p.name)! * 1e3) / Math.max(1, carried(p.name, 'opens'))) * 10) / 10,
  };
}
const ratio = (a: string, b: string) =>
  Object.fromEntries(
    (['connectUs', 'deliveryUs', 'reconnectUs', 'kbPerSocket'] as const).map((k) => [
      k,
      Math.round((rows[b][k] / rows[a][k]) * 100) / 100,
    ]),
  );
const total = (pick: (n: string) => boolean, k: 'connectUs' | 'deliveryUs' | 'reconnectUs') =>
  Object.entries(rows)
    .filter(([n]) => pick(n))
    .reduce((a, [, r]) => a + r[k], 0);
const command = `npx node bench/stack.ts ${process.argv
  .slice(2)
  .map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))
  .join(' ')}`.trim();
const result = {
  at: new Date().toISOString(),
  command,
  loadAverage: load0,
  sockets: N,
  open: c.open,
  achievedConnectRate: Math.round(sum(() => true, 'opens') / ((lastOpen - firstAttempt) / 1_000)),
  seconds: { connect: Math.round(t1 - t0) / 1_000, reconnect: Math.round(t4 - cutAt) / 1_000 },
  counts: {
    opens: sum(() => true, 'opens'),
    delivered: sum(() => true, 'delivered'),
    reopens: sum(() => true, 'reopens'),
    attemptsAfterCut: reattempts,
    connectTimeouts: pastTimeout,
  },
  toxiproxyEnv: { A: toxiEnv[0], B: toxiEnv[1] },
  gatewayEntry: {
    A: gatewayEntry[0].replace(`${PROJECT_ROOT}/`, ''),
    B: gatewayEntry[1].replace(`${PROJECT_ROOT}/`, ''),
  },
  processes: rows,
  // The whole path per socket/message: one Toxiproxy + one gateway + the fleet (A and B averaged).
  path: {
    toxiproxy: {
      connectUs: total((n) => n.startsWith('toxiproxy-'), 'connectUs') / 2,
      deliveryUs: total((n) => n.startsWith('toxiproxy-'), 'deliveryUs') / 2,
      reconnectUs: total((n) => n.startsWith('toxiproxy-'), 'reconnectUs') / 2,
    },
    gateway: {
      connectUs: total((n) => n.startsWith('gateway-'), 'connectUs') / 2,
      deliveryUs: total((n) => n.startsWith('gateway-'), 'deliveryUs') / 2,
      reconnectUs: total((n) => n.startsWith('gateway-'), 'reconnectUs') / 2,
    },
    fleet: {
      connectUs: total((n) => n.startsWith('fleet-'), 'connectUs') / workerCount,
      deliveryUs: total((n) => n.startsWith('fleet-'), 'deliveryUs') / workerCount,
      reconnectUs: total((n) => n.startsWith('fleet-'), 'reconnectUs') / workerCount,
    },
  },
  // The host's busy CPU in the traffic window not spent by the run's processes (this script, the
  // kernel's softirqs charged to no process…), per delivery: the estimate's REST_US.
  restUs:
    Math.round(
      (Math.max(0, (busy3 - busy2) / 100 - procs.reduce((a, p) => a + (s3.get(p.name)! - s2.get(p.name)!), 0)) *
        1e6 *
        10) /
        Math.max(
          1,
          sum(() => true, 'delivered'),
        ),
    ) / 10,
  ratiosBOverA: { toxiproxy: ratio('toxiproxy-A', 'toxiproxy-B'), gateway: ratio('gateway-A', 'gateway-B') },
};
console.log(
  `bench/stack: ${N} sockets, ${result.open} open in ${result.seconds.connect} s (achieved ${result.achievedConnectRate}/s of ${connectRate}/s), ${result.counts.delivered} deliveries, ${result.counts.reopens} reopens (${reattempts} attempts, ${pastTimeout} connect timeouts in all) after a ${cutMs} ms cut in ${result.seconds.reconnect} s; load ${load0.join(' ')}`,
);
console.log('  process         µs/connect  µs/delivery  µs/reconnect    RSS MB  KB/socket');
for (const [n, r] of Object.entries(rows))
  console.log(
    `  ${n.padEnd(14)} ${String(r.connectUs).padStart(11)} ${String(r.deliveryUs).padStart(12)} ${String(r.reconnectUs).padStart(13)} ${String(r.rssMb).padStart(9)} ${String(r.kbPerSocket).padStart(10)}`,
  );
console.log(
  `  Toxiproxy B/A: ${JSON.stringify(result.ratiosBOverA.toxiproxy)}   (A ${JSON.stringify(toxiEnv[0])}, B ${JSON.stringify(toxiEnv[1])})`,
);
console.log(
  `  gateway   B/A: ${JSON.stringify(result.ratiosBOverA.gateway)}   (A ${result.gatewayEntry.A}, B ${result.gatewayEntry.B})`,
);
// The preflight's CPU estimate (harness/preflight/cpu.ts) is built from these figures on a quiet
// host: this run against them, part by part (to recalibrate, copy a quiet run's path into COSTS).
const costRatios = (['fleet', 'toxiproxy', 'gateway'] as const).map((part) => {
  const k = (['connect', 'delivery', 'reconnect'] as const).map(
    (u) =>
      `${u} ${result.path[part][`${u}Us`].toFixed(0)}/${COSTS[part][u]} µs (${(result.path[part][`${u}Us`] / COSTS[part][u]).toFixed(2)}×)`,
  );
  return `${part}: ${k.join(', ')}`;
});
console.log(`  against the preflight's COSTS (harness/preflight/cpu.ts): ${costRatios.join('; ')}`);
if (values['write-costs']) {
  const round = (n: number) => Math.round(n);
  const costs = Object.fromEntries(
    (['fleet', 'toxiproxy', 'gateway'] as const).map((part) => [
      part,
      {
        connect: round(result.path[part].connectUs),
        delivery: round(result.path[part].deliveryUs),
        reconnect: round(result.path[part].reconnectUs),
      },
    ]),
  );
  const costsFile = {
    format: COSTS_FORMAT,
    measured: { at: result.at, command, host: hostname(), cores: availableParallelism(), loadAverage: load0 },
    costs,
    restUs: Number.isFinite(result.restUs) ? result.restUs : 0,
  };
  // Never a file the run would refuse: a part that measured nothing (no deliveries…) says so here.
  const checked = costsFileSchema.safeParse(costsFile, { reportInput: true });
  if (!checked.success) {
    console.error(
      `bench/stack: not writing ${values['write-costs']}: the figures do not make a costs file:\n  - ${describeIssues(checked.error).join('\n  - ')}\n  (a phase too short to measure? the defaults, --sockets 4000 --traffic 15, measure every part)`,
    );
    process.exitCode = 1;
  } else {
    writeFileSync(resolve(values['write-costs']), `${JSON.stringify(costsFile, null, 2)}\n`);
    console.log(
      `  costs written to ${values['write-costs']} (host's share outside the processes ${costsFile.restUs} µs per delivery); use them: npx chatstorm run <scenario> --cpu-costs ${values['write-costs']}`,
    );
  }
}
const file = join(import.meta.dirname, 'results.json');
const all = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
all.stack = result;
writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
await bench.end();
