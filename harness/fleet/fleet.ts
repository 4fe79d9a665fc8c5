/**
 * The fleet coordinator: forks worker processes (each holding whole chats), hands them their
 * clients, and collects their per-second aggregates. It never sees individual events.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunTokens } from '../auth/roster.ts';
import type { RunPlan } from '../config/plan.ts';
import type { RuntimeFailure } from '../stack/process.ts';
import { eventsFile } from '../record/files.ts';
import type { GeneratorSample, RosterEntry } from '../record/history.ts';
import { compiledEntry, markUsed } from './compile.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const WORKER_TS = fileURLToPath(new URL('./worker.ts', import.meta.url));
let workerEntry: string | null = null;
/** The worker's entry: its module graph stripped to JavaScript once (compile.ts), so no worker loads amaro. CHATSTORM_WORKER_TS=1 runs the `.ts` entry (bench A/B). */
const WORKER = () =>
  (workerEntry ??=
    process.env.CHATSTORM_WORKER_TS === '1'
      ? WORKER_TS
      : compiledEntry(WORKER_TS, join(import.meta.dirname, '..', '..')));
/**
 * Node flags of a fleet worker, for memory: V8 sizes the young generation for throughput (tens of
 * MB a process), and lets its old generation grow by up to 4× between collections; at 10,000
 * sockets a process both are a large share of the fleet's memory. A 1 MB young generation makes
 * scavenges more frequent, each one cheap; `--heap-growing-percent=20` grows the old generation by
 * 20 % at a time. Until 2 Dec the flag was `--optimize-for-size`, which also gives up compiled
 * code's speed: at 20,000 sockets the `scale` run's workers then spent ~20 % more CPU (25 % of it
 * in GC) and fell behind around the cut's storm in 6 of 8 runs; with this flag 2 of 6, at 17.7–18.7
 * KB RSS per socket (16.3 before; without either flag 30–38 KB; docs/scale.md, "Fleet flags").
 * bench/fleet.ts measures the CPU per delivered message against a bare ws client with the same
 * flags. CHATSTORM_SEMI_SPACE_MB and CHATSTORM_V8_EXTRA override them (bench experiments).
 */
export const WORKER_NODE_FLAGS = [
  `--max-semi-space-size=${Number(process.env.CHATSTORM_SEMI_SPACE_MB ?? 1) || 1}`,
  ...(process.env.CHATSTORM_V8_EXTRA ?? '--heap-growing-percent=20').split(' ').filter(Boolean),
];
const now = () => performance.timeOrigin + performance.now();

export interface LiveStats {
  t: number;
  open: number;
  connecting: number;
  sentPerSec: number;
  receivedPerSec: number;
  p99: number | null;
}

/** A worker's last sample, and the seconds it covers: a starved worker samples late, and its counts then span more than one. */
export interface LatestSample {
  sample: GeneratorSample;
  p99: number | null;
  seconds: number;
}

/** The progress line's figures from each worker's last sample: counts per second of the time each sample covers. */
export function liveOf(latest: Iterable<LatestSample>, t: number): LiveStats {
  const all = [...latest];
  const p99s = all.map((x) => x.p99).filter((x): x is number => x !== null);
  return {
    t,
    open: all.reduce((a, x) => a + x.sample.open, 0),
    connecting: all.reduce((a, x) => a + x.sample.connecting, 0),
    sentPerSec: Math.round(all.reduce((a, x) => a + x.sample.sent / x.seconds, 0)),
    receivedPerSec: Math.round(all.reduce((a, x) => a + x.sample.received / x.seconds, 0)),
    // Max over workers: a bound on the fleet's p99, good enough for a progress line.
    p99: p99s.length ? Math.max(...p99s) : null,
  };
}

export interface Fleet extends AsyncDisposable {
  /** Resolves once every client has opened or stopped for good; cpuMs: the workers' CPU from their first connect to their report, summed. */
  connected(
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ open: number; notOpen: number; cpuMs: number; complete: boolean }>;
  startTraffic(start: number, end: number): void;
  /** Resolves true when every client is back and caught up, false on timeout or abort. */
  drain(timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  stop(): Promise<void>;
  live(): LiveStats;
  failures(): RuntimeFailure[];
  onSample(fn: (s: GeneratorSample) => void): void;
}

/**
 * The proxy each client connects through. One gateway: client c uses proxy c mod n (a chat's
 * members spread over the proxies). A gateway of several processes (routes[g], stack/local.ts):
 * chat k belongs to process k mod G, and its clients spread over that process's proxies.
 */
export function proxyFor(roster: RosterEntry[], proxyCount: number, routes?: number[][]): number[] {
  if (!routes || routes.length <= 1) return roster.map((r) => r.c % proxyCount);
  const chatIndex = new Map<string, number>();
  return roster.map((r) => {
    if (!chatIndex.has(r.chat)) chatIndex.set(r.chat, chatIndex.size);
    const mine = routes[chatIndex.get(r.chat)! % routes.length];
    return mine[r.c % mine.length];
  });
}

export function startFleet(
  plan: RunPlan,
  roster: RosterEntry[],
  tokens: RunTokens,
  proxyUrls: string[],
  historyDir: string,
  routes?: number[][],
): Fleet {
  const route = proxyFor(roster, proxyUrls.length, routes);
  const workers: ChildProcess[] = [];
  const failures: RuntimeFailure[] = [];
  const latest = new Map<number, LatestSample>();
  const sampleListeners: ((s: GeneratorSample) => void)[] = [];
  const waiting = new Map<string, Set<number>>();
  const waiters: (() => void)[] = [];
  let connectedSummary = { open: 0, notOpen: 0, cpuMs: 0 };
  let drainedComplete = true;
  let stopping = false;

  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  const dead = new Set<number>();
  const pendingFor = (phase: string) => {
    if (!waiting.has(phase)) waiting.set(phase, new Set(workers.map((_, i) => i).filter((i) => !dead.has(i))));
    return waiting.get(phase)!;
  };

  // A sweep or capacity search forks from the same directory run after run, hours after compiling it: still in use (compile.ts prunes).
  markUsed(WORKER());
  for (let w = 0; w < plan.workers; w++) {
    const child = fork(WORKER(), [], {
      execPath: process.execPath,
      execArgv: WORKER_NODE_FLAGS,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    workers.push(child);
    child.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'connected':
          connectedSummary = {
            open: connectedSummary.open + m.open,
            notOpen: connectedSummary.notOpen + m.notOpen,
            cpuMs: connectedSummary.cpuMs + m.cpuMs,
          };
          pendingFor('connected').delete(m.worker);
          break;
        case 'drained':
          drainedComplete &&= m.complete;
          pendingFor('drained').delete(m.worker);
          break;
        case 'stopped':
          pendingFor('stopped').delete(m.worker);
          break;
        case 'sample':
          {
            const before = latest.get(m.sample.worker);
            const seconds = before ? Math.max(1, (m.sample.t - before.sample.t) / 1_000) : 1;
            latest.set(m.sample.worker, { sample: m.sample, p99: m.p99, seconds });
          }
          for (const fn of sampleListeners) fn(m.sample);
          break;
        case 'fatal':
          failures.push({ code: 'fleet-worker-error', message: `fleet worker ${m.worker}: ${m.message}`, t: now() });
          break;
      }
      notify();
    });
    child.on('exit', (code, signal) => {
      if (!stopping || (code !== 0 && code !== null)) {
        failures.push({
          code: 'fleet-worker-exited',
          message: `fleet worker ${w} exited unexpectedly (code ${code}, signal ${signal})`,
          t: now(),
        });
      }
      dead.add(w);
      for (const set of waiting.values()) set.delete(w);
      pendingFor('stopped').delete(w);
      notify();
    });
    const mine = roster.filter((r) => r.worker === w);
    const msg: ToWorker = {
      type: 'init',
      worker: w,
      clients: mine.map((r) => ({
        c: r.c,
        user: r.user,
        chat: r.chat,
        token: tokens.first[r.c],
        proxy: route[r.c],
        ...(r.probe ? { probe: true } : {}),
        ...(r.g !== undefined ? { g: r.g } : {}),
        ...(tokens.later.has(r.c) ? { laterToken: tokens.later.get(r.c) } : {}),
      })),
      baseUrls: proxyUrls,
      sourceIps: plan.sourceIps ?? [],
      ...(plan.testBlockMs ? { testBlockMs: plan.testBlockMs } : {}),
      policy: plan.policy,
      seed: plan.seed,
      // A shard's share of the run's connect rate: n shards together connect as fast as one host would.
      connectRate: plan.connectRate / plan.workers / (plan.shard?.count ?? 1),
      sendIntervalMs: plan.sendIntervalMs,
      messageBytes: plan.messageBytes,
      eventsFile: eventsFile(historyDir, w),
      client: plan.client,
      protocol: plan.protocol,
    };
    child.send(msg);
  }
  const broadcast = (m: ToWorker) => {
    for (const w of workers) if (w.connected) w.send(m);
  };

  const waitFor = (phase: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> =>
    new Promise((resolve) => {
      const set = pendingFor(phase);
      const timer = setTimeout(() => finish(false), timeoutMs);
      const onAbort = () => finish(false);
      signal.addEventListener('abort', onAbort, { once: true });
      function finish(ok: boolean) {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(ok);
      }
      const check = () => (set.size === 0 ? finish(true) : waiters.push(check));
      check();
    });

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    broadcast({ type: 'stop' });
    await waitFor('stopped', 15_000, new AbortController().signal);
    // A stopped worker exits on its own ~50 ms later (a V8 profile, --cpu-prof, is written then); the laggards are killed.
    const alive = workers.filter((w) => w.exitCode === null && w.signalCode === null);
    await Promise.race([
      Promise.all(alive.map((w) => new Promise((r) => w.once('exit', r)))),
      new Promise((r) => setTimeout(r, 2_000)),
    ]);
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  };

  return {
    async connected(timeoutMs, signal) {
      const complete = await waitFor('connected', timeoutMs, signal);
      return { ...connectedSummary, complete };
    },
    startTraffic(start, end) {
      broadcast({ type: 'traffic', start, end });
    },
    async drain(timeoutMs, signal) {
      broadcast({ type: 'drain' });
      const ok = await waitFor('drained', timeoutMs, signal);
      return ok && drainedComplete;
    },
    stop,
    [Symbol.asyncDispose]: stop,
    live: () => liveOf(latest.values(), now()),
    failures: () => failures,
    onSample: (fn) => void sampleListeners.push(fn),
  };
}
