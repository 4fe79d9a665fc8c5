/**
 * A fleet process: runs reference clients for whole chats, writes their events to its own log,
 * and sends the coordinator one aggregate sample per second. Started by fleet.ts with fork().
 */
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { ChatClient, type ClientEnv } from '../client/client.ts';
import { loadClientAdapter } from '../client/adapter.ts';
import { AdapterClient, type FleetClient } from '../client/adapter-host.ts';
import { protocolOf } from '../protocol/index.ts';
import { EventLog } from '../record/writer.ts';
import type { ClientEvent } from '../record/history.ts';
import { openFileLimit, openFiles } from '../preflight/limits.ts';
import { type FromWorker, type InitMessage, MAX_IN_FLIGHT, type ToWorker } from './protocol.ts';
import { clientSeed, mulberry32 } from './random.ts';
import { clientMsgId, messageContent, sendPhase } from './traffic.ts';
import { WsSocket } from './ws-socket.ts';

const now = () => performance.timeOrigin + performance.now();
const send = (m: FromWorker) => process.send?.(m);

let init: InitMessage;
let log: EventLog;
const clients: FleetClient[] = [];
const chatOf: string[] = [];
/** Highest seq known per chat (acks and receipts of any member): what "caught up" means. */
const chatMaxSeq = new Map<string, number>();
/** Send times of recent messages, for the live latency only (in insertion order: pruned from the front). */
const sendTimes = new Map<string, number>();
const SEND_TIMES_KEEP_MS = 30_000;
const sendTimers: NodeJS.Timeout[] = [];
let sentThisSecond = 0;
let receivedThisSecond = 0;
let skippedThisSecond = 0;
// Node's own HDR histogram (HdrHistogram_c): hdr-histogram-js costs a fleet process ~20 MB of RSS
// on import (docs/scale.md); the coordinator and the oracle keep it.
const latency = createHistogram({ lowest: 1, highest: 3_600_000, figures: 3 });
/** How late this process's timers fire (fired − due), ms: the instrument's own delay. */
const timerLateness = createHistogram({ lowest: 1, highest: 3_600_000, figures: 2 });
/**
 * How long reconnects waited for a handshake slot (whenFree), ms. Not timer lateness: the timer
 * fired on time and the process was free; MAX_IN_FLIGHT of its handshakes were still waiting on
 * Toxiproxy and the gateway (generator-health reports it, docs/scale.md "Waiting for a slot").
 */
const slotWait = createHistogram({ lowest: 1, highest: 3_600_000, figures: 2 });
/** A planned send whose time passed by more than this is skipped and counted, never sent in a burst. */
export const SEND_SLACK_MS = 1_000;

/** setTimeout that measures its own lateness. */
function timer(fn: () => void, ms: number): NodeJS.Timeout {
  const due = now() + ms;
  return setTimeout(() => {
    timerLateness.record(Math.max(1, Math.round(now() - due)));
    fn();
  }, ms);
}

/** Clients that have opened at least once: an auth probe's later attempts carry its bad token. */
const everOpened = new Set<number>();

function observe(ev: ClientEvent): void {
  log.record(ev);
  switch (ev.k) {
    case 'attempt':
      inFlight++;
      break;
    case 'fail':
      inFlight--;
      releaseHandshake();
      break;
    case 'open':
      inFlight--;
      everOpened.add(ev.c);
      releaseHandshake();
      break;
    case 'send':
      sentThisSecond++;
      sendTimes.set(ev.id, ev.t);
      break;
    case 'ack':
    case 'recv': {
      const chat = chatOf[ev.c - init.clients[0].c] ?? '';
      if ((chatMaxSeq.get(chat) ?? 0) < ev.seq) chatMaxSeq.set(chat, ev.seq);
      if (ev.k === 'recv') {
        receivedThisSecond++;
        const sent = sendTimes.get(ev.id);
        if (sent !== undefined) latency.record(Math.max(1, Math.round(ev.t - sent)));
      }
      break;
    }
  }
}

/** ws client options: no permessage-deflate (a scenario's load is the gateway's, not zlib's). */
const NO_DEFLATE = { perMessageDeflate: false } as const;
/** A refusal before the upgrade (HTTP 401/403…): recorded so the auth check can tell it apart from a network 1006. */
const onHttpStatus = (c: number, status: number) => observe({ k: 'http-status', t: now(), c, status });

async function start(msg: InitMessage): Promise<void> {
  // A user's client (--client): one adapter instance per client, in this process like ChatClient.
  const codec = protocolOf(msg.protocol);
  // socket.io-client is loaded only by runs that use it: it costs every fleet process startup time.
  const sio = codec.kind === 'socket.io' ? await import('../client/socketio-client.ts') : null;
  const adapter = msg.client && !sio ? await loadClientAdapter(msg.client) : null;
  const sioClient = msg.client && sio ? await sio.loadSocketIoClient(msg.client) : undefined;
  init = msg;
  log = new EventLog(msg.eventsFile);
  // What every client shares is made once: per client only its randomness and its connect (its source address).
  const setTimer = (fn: () => void, ms: number) => timer(fn, ms);
  const clearTimer = (h: unknown) => clearTimeout(h as NodeJS.Timeout);
  // g: the client's index in the whole run (a shard renumbers its clients): jitter derives from it.
  const env = (c: number, g: number): ClientEnv => {
    const random = mulberry32(clientSeed(msg.seed, g, 2));
    return {
      now,
      setTimeout: setTimer,
      clearTimeout: clearTimer,
      random,
      connect: (url) => {
        const src = msg.sourceIps.length ? msg.sourceIps[c % msg.sourceIps.length] : undefined;
        return new WsSocket(url, src ? { perMessageDeflate: false, localAddress: src } : NO_DEFLATE, c, onHttpStatus);
      },
      record: observe,
      whenFree,
    };
  };
  msg.clients.forEach((wc) => {
    const origin = msg.baseUrls[wc.proxy];
    // An auth probe switches to its bad token for every attempt after its first open.
    const tokenNow = () => (wc.laterToken !== undefined && everOpened.has(wc.c) ? wc.laterToken : wc.token);
    const client =
      codec.kind === 'socket.io'
        ? new sio!.SocketIoClient(
            { c: wc.c, chat: wc.chat, origin, token: tokenNow },
            msg.policy,
            env(wc.c, wc.g ?? wc.c),
            sioClient,
            codec,
          )
        : adapter
          ? new AdapterClient(
              adapter,
              { c: wc.c, user: wc.user, chat: wc.chat, token: wc.token, origin },
              msg.policy,
              env(wc.c, wc.g ?? wc.c),
              undefined,
              codec,
            )
          : new ChatClient(
              { c: wc.c, url: (since) => codec.url(origin, wc.chat, tokenNow(), since) },
              msg.policy,
              env(wc.c, wc.g ?? wc.c),
              codec,
            );
    clients.push(client);
    chatOf.push(wc.chat);
  });
  const cpu0 = process.cpuUsage();
  startPacedConnects(msg);
  let reported = false;
  const connected = setInterval(() => {
    // One pass, no arrays: at 10,000 clients this runs 20 times a second through the connect phase.
    let real = 0;
    let open = 0;
    let settled = true;
    for (let i = 0; i < clients.length; i++) {
      // Auth probes are meant to be refused (or to retry a refusal before the upgrade): not waited for.
      if (msg.clients[i].probe) continue;
      real++;
      const state = clients[i].state;
      if (state === 'open') open++;
      else if (state !== 'failed' && state !== 'stopped') settled = false;
    }
    if (settled && !reported) {
      reported = true;
      clearInterval(connected);
      const cpu = process.cpuUsage(cpu0);
      send({
        type: 'connected',
        worker: msg.worker,
        t: now(),
        open,
        notOpen: real - open,
        cpuMs: (cpu.user + cpu.system) / 1_000,
      });
    }
  }, 50);
  startSampling();
  if (msg.testBlockMs) {
    // Test only: a fleet process that cannot keep up, for real (its timers fire late).
    setInterval(() => {
      const until = Date.now() + msg.testBlockMs!;
      while (Date.now() < until) {
        /* busy */
      }
    }, 1_000).unref();
  }
}

const fdLimit = openFileLimit(process.pid);

/** Handshakes under way (attempt recorded, neither open nor failed yet). */
let inFlight = 0;

/** Reconnects waiting for a handshake slot (whenFree), oldest first; `head` is the next to start. */
const waitingReconnects: { due: number; start: () => void }[] = [];
let waitingHead = 0;
let releaseScheduled = false;

/** The client's whenFree: a reconnect starts now if fewer than MAX_IN_FLIGHT handshakes are under way, else it queues. */
function whenFree(due: number, start: () => void): void {
  if (inFlight < MAX_IN_FLIGHT && waitingHead === waitingReconnects.length) return start();
  waitingReconnects.push({ due, start });
}

/**
 * Queued reconnects started in one turn of the loop at most. A poll phase that reads hundreds of
 * upgrade responses frees hundreds of slots at once; started all in one block (each a connect()
 * that runs the loopback handshake in the kernel), they held this loop for 200–480 ms at a time
 * through scale's storm (event-loop p99 of every storm second); in batches, with reads and timers
 * between them, at most one storm second a process was over 200 ms (docs/scale.md, "Batches").
 */
export const RELEASE_BATCH = 64;

/** A handshake ended: start queued reconnects (on the next turn, not inside another client's handler). */
function releaseHandshake(): void {
  if (releaseScheduled || waitingHead === waitingReconnects.length) return;
  releaseScheduled = true;
  setImmediate(releaseBatch);
}

function releaseBatch(): void {
  releaseScheduled = false;
  let started = 0;
  while (inFlight < MAX_IN_FLIGHT && waitingHead < waitingReconnects.length && started < RELEASE_BATCH) {
    const w = waitingReconnects[waitingHead++];
    // The attempt keeps its due time (the reconnect check judges its delay from it); the wait is
    // measured apart from timer lateness: this loop was turning, the slots were taken.
    slotWait.record(Math.max(1, Math.round(now() - w.due)));
    w.start();
    started++;
  }
  if (waitingHead === waitingReconnects.length) {
    waitingReconnects.length = 0;
    waitingHead = 0;
  } else if (inFlight < MAX_IN_FLIGHT) {
    // Slots left and reconnects waiting: the next batch after this turn's I/O.
    releaseScheduled = true;
    setImmediate(releaseBatch);
  }
}

/**
 * First connects, paced at the worker's share of connectRate. Each tick starts only what the
 * rate allows for the time since the previous tick (never a catch-up burst after a stall, which
 * would be thousands of handshakes in one synchronous block), and none while MAX_IN_FLIGHT
 * handshakes are pending. The achieved rate is measured from the events, not assumed.
 */
function startPacedConnects(msg: InitMessage): void {
  // Probes go first: an expires-before-reconnect token must still be valid when it connects.
  const order = msg.clients
    .map((_, i) => i)
    .sort((a, b) => Number(Boolean(msg.clients[b].probe)) - Number(Boolean(msg.clients[a].probe)));
  let next = 0;
  let last = now();
  let credit = 1;
  const tick = () => {
    const t = now();
    credit = Math.min(credit + ((t - last) * msg.connectRate) / 1_000, Math.max(1, msg.connectRate / 20));
    last = t;
    while (credit >= 1 && next < order.length && inFlight < MAX_IN_FLIGHT) {
      clients[order[next++]].start();
      credit--;
    }
    if (next >= order.length) clearInterval(pump);
  };
  const pump = setInterval(tick, 5);
  tick();
}

function startSampling(): void {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  let cpu = process.cpuUsage();
  let last = now();
  setInterval(() => {
    const t = now();
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const elapsedMs = t - last;
    last = t;
    let open = 0;
    let connecting = 0;
    clients.forEach((c, i) => {
      // Probes are not part of the load the progress line and the report count.
      if (init.clients[i].probe) return;
      if (c.state === 'open') open++;
      else if (c.state === 'connecting') connecting++;
    });
    const p99 = latency.count > 0 ? latency.percentile(99) : null;
    latency.reset();
    const lateP99 = timerLateness.count > 0 ? timerLateness.percentile(99) : 0;
    const lateMax = timerLateness.count > 0 ? timerLateness.max : 0;
    timerLateness.reset();
    const waited = slotWait.count;
    const waitMax = waited > 0 ? slotWait.max : 0;
    slotWait.reset();
    // Live latency needs recent sends only.
    for (const [id, st] of sendTimes) {
      if (st > t - SEND_TIMES_KEEP_MS) break;
      sendTimes.delete(id);
    }
    send({
      type: 'sample',
      p99,
      sample: {
        t,
        worker: init.worker,
        eldP99: eld.percentile(99) / 1e6,
        eldMax: eld.max / 1e6,
        cpu: (used.user + used.system) / 1_000 / elapsedMs,
        open,
        connecting,
        sent: sentThisSecond,
        received: receivedThisSecond,
        timerLateP99: lateP99,
        timerLateMax: lateMax,
        ...(waited ? { slotWaits: waited, slotWaitMax: waitMax } : {}),
        skippedSends: skippedThisSecond,
        rssMb: Math.round(process.memoryUsage.rss() / 1e5) / 10,
        fds: openFiles(process.pid) ?? undefined,
        fdLimit: fdLimit ?? undefined,
      },
    });
    eld.reset();
    sentThisSecond = 0;
    receivedThisSecond = 0;
    skippedThisSecond = 0;
  }, 1_000).unref();
}

function startTraffic(startAt: number, endAt: number): void {
  const interval = init.sendIntervalMs;
  init.clients.forEach((wc, i) => {
    if (wc.probe) return;
    const client = clients[i];
    let k = 0;
    // g: the client's index in the whole run (a shard renumbers its clients): ids and phase derive from it.
    const g = wc.g ?? wc.c;
    const first = startAt + sendPhase(init.seed, g, interval);
    const fire = () => {
      const t = now();
      // The traffic phase ends on the wall clock, whatever the timers did.
      if (t >= endAt) return;
      timerLateness.record(Math.max(1, Math.round(t - (first + k * interval))));
      // A send whose time passed long ago is skipped and counted: a fleet that fell behind never
      // bursts to catch up (that burst would be load the plan did not ask for).
      while (k * interval + first < endAt && t - (first + k * interval) > SEND_SLACK_MS) {
        skippedThisSecond++;
        k++;
      }
      if (first + k * interval >= endAt) return;
      client.send(clientMsgId(g, k), messageContent(init.seed, g, k, init.messageBytes));
      k++;
      // Scheduled against the plan, not the previous firing, so timer lateness does not accumulate.
      const next = first + k * interval;
      if (next < endAt) sendTimers[i] = setTimeout(fire, Math.max(0, next - now()));
    };
    if (first < endAt) sendTimers[i] = setTimeout(fire, Math.max(0, first - now()));
  });
}

function behind(): number {
  let n = 0;
  clients.forEach((c, i) => {
    if (c.state === 'failed' || c.state === 'stopped' || init.clients[i].probe) return;
    const target = chatMaxSeq.get(chatOf[i]) ?? 0;
    if (c.state !== 'open' || (c.lastSeq ?? 0) < target || c.pendingCount > 0) n++;
  });
  return n;
}

function drain(): void {
  const check = setInterval(() => {
    const b = behind();
    if (b === 0) {
      clearInterval(check);
      send({ type: 'drained', worker: init.worker, t: now(), complete: true, behind: 0 });
    }
  }, 100);
  drainCheck = check;
}
let drainCheck: NodeJS.Timeout | null = null;

async function stop(): Promise<void> {
  if (drainCheck) clearInterval(drainCheck);
  for (const t of sendTimers) clearTimeout(t);
  for (const c of clients) c.stop();
  await log.close();
  send({ type: 'stopped', worker: init.worker, events: log.count });
  // Let the IPC message leave before exiting.
  setTimeout(() => process.exit(0), 50);
}

process.on('message', (m: ToWorker) => {
  try {
    switch (m.type) {
      case 'init':
        return void start(m).catch((e) =>
          send({ type: 'fatal', worker: m.worker, message: (e as Error).stack ?? String(e) }),
        );
      case 'traffic':
        return startTraffic(m.start, m.end);
      case 'drain':
        return drain();
      case 'stop':
        void stop();
    }
  } catch (e) {
    send({ type: 'fatal', worker: init?.worker ?? -1, message: (e as Error).stack ?? String(e) });
  }
});
// The coordinator went away: do not linger as an orphan holding thousands of sockets.
process.on('disconnect', () => {
  log?.flush();
  process.exit(0);
});
