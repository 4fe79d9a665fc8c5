/**
 * A run as a list of tasks, each setup paired with a teardown that always runs (success, failure,
 * Ctrl-C), in reverse order. Runtime failures become data in the report; what was recorded before
 * a failure is kept and judged.
 *
 *   stack (gateway + Toxiproxy) → tokens → fleet connects → traffic + fault timeline → drain
 *   → teardown → read history → oracle → reports
 */
import { loadClientAdapter } from './client/adapter.ts';
import type { Layout } from './preflight/capacity.ts';
import { preflight } from './preflight/preflight.ts';
import { findToxiproxy, installToxiproxy } from './stack/toxiproxy-binary.ts';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRoster, mintTokens } from './auth/roster.ts';
import { publicPlan, type RunPlan } from './config/plan.ts';
import { runTimeline, type TimelineRun } from './faults/timeline.ts';
import { proxyFor, startFleet, type Fleet } from './fleet/fleet.ts';
import { HOST_SAMPLES_FILE, ROUTES_FILE } from './record/files.ts';
import type { ClientRoutes, Phases } from './record/history.ts';
import { clockOffset } from './metrics/clock.ts';
import { readRunRecord } from './record/reader.ts';
import { readJsonFile } from './record/json-file.ts';
import { encodeJudged, JUDGED_FILE } from './oracle/judged-json.ts';
import { sampleHost } from './metrics/host.ts';
import { sampleProcesses } from './metrics/proc.ts';
import { ConfigError } from './config/errors.ts';
import { judgeRun } from './judge.ts';
import { judgeUnfinished } from './oracle/unfinished.ts';
import type { Interruption } from './report/exit-codes.ts';
import { Progress } from './report/progress.ts';
import { buildSummary, type Summary } from './report/summary.ts';
import { writeReports } from './report/write.ts';
import { startExternalStack } from './stack/external.ts';
import { startLocalStack } from './stack/local.ts';
import { openFileLimit, openFiles } from './preflight/limits.ts';
import { acceptErrorCounter } from './stack/log-scan.ts';
import type { StartedStack } from './stack/types.ts';

const now = () => performance.timeOrigin + performance.now();

function sleepUntil(t: number, signal: AbortSignal, tick?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const iv = tick ? setInterval(tick, 1_000) : null;
    const timer = setTimeout(done, Math.max(0, t - now()));
    function done() {
      clearTimeout(timer);
      if (iv) clearInterval(iv);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface RunResult {
  summary: Summary;
  reportDir: string;
  files: string[];
}

/**
 * `interrupt` aborts the run from outside (its reason, an Interruption, is recorded). A stack
 * process (gateway, Toxiproxy) that exits on its own stops the run too, within a quarter second:
 * nothing after that would be a test of the gateway.
 */
export async function run(
  plan: RunPlan,
  interrupt: AbortSignal,
  progress = new Progress(process.stderr),
): Promise<RunResult> {
  const historyDir = join(plan.reportDir, 'history');
  const logDir = join(plan.reportDir, 'logs');
  mkdirSync(historyDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const pub = publicPlan(plan);
  writeFileSync(join(plan.reportDir, 'plan.json'), JSON.stringify(pub, null, 2));
  const roster = buildRoster(plan);
  writeFileSync(join(historyDir, 'roster.json'), JSON.stringify(roster));

  const phases: Phases = { start: now(), connected: 0, trafficStart: 0, trafficEnd: 0, drained: 0, end: 0 };
  const runtimeErrors: { code: string; message: string }[] = [];
  let drainComplete = false;
  let stack: StartedStack | null = null;
  let fleet: Fleet | null = null;
  let timeline: TimelineRun | null = null;
  const teardown = new AsyncDisposableStack();
  // Everything below waits on `signal`: aborted by an interruption or by a dead stack process.
  const stopRun = new AbortController();
  const signal = stopRun.signal;
  const onInterrupt = () => stopRun.abort(interrupt.reason);
  if (interrupt.aborted) onInterrupt();
  else interrupt.addEventListener('abort', onInterrupt, { once: true });
  // Saved as the run goes (unset phases left out), so that `chatstorm report` can judge even a run
  // that was killed outright on the run's own clock.
  const savePhases = () =>
    writeFileSync(
      join(historyDir, 'phases.json'),
      JSON.stringify({ ...Object.fromEntries(Object.entries(phases).filter(([, t]) => t > 0)), drainComplete }),
    );

  try {
    if (plan.shard)
      progress.message(
        `chatstorm: shard ${plan.shard.index}/${plan.shard.count} (plan ${plan.shard.planHash}): ${roster.filter((r) => !r.probe).length} of the run's clients, chats k with k mod ${plan.shard.count} = ${plan.shard.index}${plan.sourceIps?.length ? `, from ${plan.sourceIps.join(', ')}` : ''}`,
      );
    progress.message(
      `chatstorm: ${plan.scenario.name} — ${plan.clients} clients in ${plan.chats} chats${plan.authProbes.length ? ` + ${plan.authProbes.length} auth probes` : ''}, ${plan.faults.length} fault(s), seed ${plan.seed}; report in ${plan.reportDir}`,
    );
    // testcontainers is imported only when used: local runs need neither it nor an engine.
    stack =
      plan.stack === 'testcontainers'
        ? await (await import('./stack/testcontainers.ts')).startTestcontainersStack(
            plan,
            logDir,
            (l) => progress.message(l),
            signal,
          )
        : plan.target.kind === 'local'
          ? await startLocalStack(plan, logDir, (l) => progress.message(l))
          : await startExternalStack(plan, logDir, (l) => progress.message(l));
    const s = stack;
    teardown.defer(() => s.stop());
    const watch = setInterval(() => {
      const dead = s.failures()[0];
      if (!dead || signal.aborted) return;
      progress.done();
      progress.message(`chatstorm: ${dead.code}: stopping the run`);
      stopRun.abort(dead.code);
    }, 250);
    teardown.defer(() => clearInterval(watch));
    // The host's CPU pressure (PSI), whatever the stack: is anything on this machine waiting for a
    // core? Without PSI nothing is written and generator-health says "not measured".
    teardown.defer(
      sampleHost((sample) => appendFileSync(join(historyDir, HOST_SAMPLES_FILE), `${JSON.stringify(sample)}\n`)),
    );
    if (s.processes) {
      // Toxiproxy's own health (descriptors, a stopped process, accept errors) is part of the sample.
      const acceptErrors = new Map<string, () => number>();
      const stopSampling = sampleProcesses(
        s.processes,
        (sample) => appendFileSync(join(historyDir, 'stack-samples.ndjson'), `${JSON.stringify(sample)}\n`),
        (name, pid, r) => {
          const fds = openFiles(pid);
          const fdLimit = openFileLimit(pid);
          const proxy = name.startsWith('toxiproxy');
          if (proxy && !acceptErrors.has(name)) acceptErrors.set(name, acceptErrorCounter(join(logDir, `${name}.log`)));
          return {
            ...(fds !== null ? { fds } : {}),
            ...(fdLimit !== null ? { fdLimit } : {}),
            ...(r.state === 'T' ? { stopped: true } : {}),
            ...(proxy ? { acceptErrors: acceptErrors.get(name)!() } : {}),
          };
        },
      );
      teardown.defer(stopSampling);
    }
    progress.message(`chatstorm: gateway ${s.directUrl} behind Toxiproxy at ${s.gatewayUrl}`);

    const wait = plan.startAt === null ? 0 : Math.max(0, plan.startAt - now());
    const ttl =
      Math.ceil((wait + plan.trafficMs + plan.drainTimeoutMs + (plan.clients / plan.connectRate) * 1_000) / 1_000) +
      600;
    const tokens = await mintTokens(roster, plan.jwtSecret, ttl);
    // Which proxy each client goes through, for the oracle (a cut on some proxies: cut-reach.ts).
    const routes: ClientRoutes = {
      proxies: s.proxies.map((p) => p.name),
      of: proxyFor(roster, s.proxyUrls.length, s.routes),
    };
    writeFileSync(join(historyDir, ROUTES_FILE), JSON.stringify(routes));
    fleet = startFleet(plan, roster, tokens, s.proxyUrls, historyDir, s.routes);
    const f = fleet;
    teardown.defer(() => f.stop());
    f.onSample((sample) => appendFileSync(join(historyDir, 'samples.ndjson'), `${JSON.stringify(sample)}\n`));

    const connectBudget = (plan.clients / plan.connectRate) * 1_000 + plan.policy.connectTimeoutMs + 30_000;
    const c = await waitConnected(f, connectBudget, signal, (l) => progress.message(l));
    phases.connected = now();
    if (signal.aborted) throw new Interrupted();
    if (c.notOpen > 0)
      progress.message(`chatstorm: ${c.notOpen} of ${plan.clients} clients could not connect at the start`);
    if (c.open === 0)
      throw Object.assign(new Error(`no client could connect to ${s.gatewayUrl}; see ${logDir}`), {
        code: 'no-client-connected',
      });

    const readyAt = now() + 250;
    if (plan.startAt !== null) {
      // Shards start traffic and faults at one shared instant; a shard that is late would judge a
      // different run from the others, so it says so and its verdict is error.
      if (readyAt > plan.startAt) {
        throw Object.assign(
          new Error(
            `not ready by --start-at ${new Date(plan.startAt).toISOString()}: clients connected at ${new Date(phases.connected).toISOString()}, ${Math.round(readyAt - plan.startAt)} ms too late; start the shards earlier or set --start-at later`,
          ),
          { code: 'start-at-missed' },
        );
      }
      phases.trafficStart = plan.startAt;
      progress.message(
        `chatstorm: ready; traffic starts at ${new Date(plan.startAt).toISOString()} (in ${((plan.startAt - now()) / 1000).toFixed(1)} s)`,
      );
    } else phases.trafficStart = readyAt;
    const trafficEnd = phases.trafficStart + plan.trafficMs;
    f.startTraffic(phases.trafficStart, trafficEnd);
    savePhases();
    const tl = runTimeline(
      plan.faults,
      { proxies: s.proxies, gateway: s.gateway },
      phases.trafficStart,
      signal,
      (r, phase) => {
        progress.message(
          `chatstorm: ${r.id} ${phase} at ${(((phase === 'applied' ? r.applyStart : r.removeEnd!) - phases.trafficStart) / 1000).toFixed(2)}s${r.error ? ` — ${r.error}` : ''}`,
        );
        // Each fault action is on disk as soon as it happened: a killed run keeps its fault windows.
        if (timeline) writeFileSync(join(historyDir, 'faults.json'), JSON.stringify(timeline.records, null, 2));
      },
    );
    timeline = tl;
    // Faults are always removed before the stack goes away.
    teardown.defer(() => tl.done);
    const activeFault = () => {
      const t = now();
      return tl.records.find((r) => r.applyStart <= t && (r.removeEnd === null || t < r.removeEnd))?.id ?? null;
    };
    const tick = () =>
      progress.update({
        phase: 'traffic',
        elapsedMs: now() - phases.trafficStart,
        totalMs: plan.trafficMs,
        clients: plan.clients,
        fault: activeFault(),
        live: f.live(),
      });
    await sleepUntil(trafficEnd, signal, tick);
    await tl.done;
    phases.trafficEnd = now();
    if (signal.aborted) throw new Interrupted();

    const drainTick = setInterval(
      () =>
        progress.update({
          phase: 'drain',
          elapsedMs: now() - phases.trafficEnd,
          totalMs: plan.drainTimeoutMs,
          clients: plan.clients,
          fault: null,
          live: f.live(),
        }),
      1_000,
    );
    drainComplete = await f.drain(plan.drainTimeoutMs, signal);
    clearInterval(drainTick);
    phases.drained = now();
    progress.done();
    if (signal.aborted) throw new Interrupted();
    if (!drainComplete)
      progress.message(
        `chatstorm: not every client was back and caught up within the drain timeout (${plan.drainTimeoutMs} ms)`,
      );
  } catch (e) {
    if (!(e instanceof Interrupted) && !signal.aborted) {
      const code = (e as { code?: unknown }).code;
      // Our own codes are kebab-case; Node's (ECONNREFUSED…) stay in the message.
      runtimeErrors.push({
        code: typeof code === 'string' && /^[a-z-]+$/.test(code) ? code : 'run-failed',
        message: (e as Error).message,
      });
    }
  } finally {
    progress.done();
    for (const k of ['connected', 'trafficStart', 'trafficEnd', 'drained'] as const) if (!phases[k]) phases[k] = now();
    try {
      await teardown.disposeAsync();
    } catch (e) {
      // A teardown error is reported beside the original one, never instead of it.
      const errs = e instanceof SuppressedError ? flattenSuppressed(e) : [e];
      for (const err of errs)
        runtimeErrors.push({ code: 'teardown-failed', message: (err as Error)?.message ?? String(err) });
    }
    phases.end = now();
    if (timeline) writeFileSync(join(historyDir, 'faults.json'), JSON.stringify(timeline.records, null, 2));
    savePhases();
  }
  for (const failure of [...(stack?.failures() ?? []), ...(fleet?.failures() ?? [])])
    runtimeErrors.push({ code: failure.code, message: failure.message });
  for (const r of timeline?.records ?? [])
    if (r.error) runtimeErrors.push({ code: 'fault-action-failed', message: `${r.id}: ${r.error}` });

  const target = stack
    ? { provider: stack.provider, gatewayUrl: stack.gatewayUrl, directUrl: stack.directUrl, versions: stack.versions }
    : {
        provider: plan.target.kind,
        gatewayUrl: '',
        directUrl: plan.target.kind === 'external' ? plan.target.url : '',
        versions: {},
      };
  interrupt.removeEventListener('abort', onInterrupt);
  // The caller's reason when it is one of ours (the CLI's signal names); any other abort counts as Ctrl-C.
  const reason = interrupt.reason as unknown;
  const interruptedBy: Interruption | null = !interrupt.aborted
    ? null
    : reason === 'SIGTERM' || reason === 'parent-exited'
      ? reason
      : 'SIGINT';
  writeFileSync(
    join(plan.reportDir, 'run.json'),
    JSON.stringify(
      {
        target,
        runtimeErrors,
        interrupted: interruptedBy !== null,
        interruptedBy,
        ...(plan.remoteTarget ? { remoteTarget: plan.remoteTarget } : {}),
      },
      null,
      2,
    ),
  );
  return await reportRun(plan.reportDir);
}

/** Judges a run folder's recorded history and writes every report. Also `chatstorm report`. */
export async function reportRun(reportDir: string): Promise<RunResult> {
  if (!existsSync(join(reportDir, 'plan.json')) || !existsSync(join(reportDir, 'history'))) {
    throw new ConfigError('report', [
      `<run-dir>: "${reportDir}" is not a run folder (a run folder holds plan.json and history/, e.g. reports/latest)`,
    ]);
  }
  // A file that cannot be read, is not JSON (torn, edited) or not an object: exit 64, the file named.
  const readObject = (name: string): unknown => {
    const file = join(reportDir, name);
    const r = readJsonFile(file, 'object');
    if ('problem' in r) throw new ConfigError('report', [`"${file}": ${r.problem}`]);
    return r.value;
  };
  const pub = readObject('plan.json') as RunPlan;
  // Valid JSON that is not a plan (edited, another tool's file): named, not a TypeError further on.
  const missing = (
    [
      ['target', (v: unknown) => typeof v === 'object' && v !== null],
      ['policy', (v: unknown) => typeof v === 'object' && v !== null],
      ['thresholds', (v: unknown) => typeof v === 'object' && v !== null],
      ['faults', Array.isArray],
    ] as const
  )
    .filter(([k, ok]) => !ok((pub as unknown as Record<string, unknown>)[k]))
    .map(([k]) => k);
  if (missing.length)
    throw new ConfigError('report', [
      `"${join(reportDir, 'plan.json')}" is not a chatstorm plan: ${missing.join(', ')} missing or of the wrong kind`,
    ]);
  // No run.json: the run was killed outright, so it was interrupted, by what nobody recorded.
  const meta = existsSync(join(reportDir, 'run.json'))
    ? (readObject('run.json') as {
        target: Summary['target'];
        runtimeErrors: { code: string; message: string }[];
        interrupted: boolean;
        interruptedBy?: Interruption | null;
        remoteTarget?: string;
      })
    : {
        target: { provider: pub.target.kind, gatewayUrl: '', directUrl: '', versions: {} },
        runtimeErrors: [],
        interrupted: true,
        interruptedBy: null,
      };
  // Streamed and judged in parts (judge.ts); the refusals are counted in its first pass.
  const judged = await judgeRun(join(reportDir, 'history'), pub, meta.runtimeErrors);
  const refusals = judged.httpRefusals;
  const runtimeErrors = meta.runtimeErrors.map((r) =>
    r.code === 'no-client-connected' && Object.keys(refusals).length
      ? {
          ...r,
          message: `${r.message}; the gateway refused the WebSocket upgrade with ${Object.entries(refusals)
            .map(([st, n]) => `HTTP ${st} (${n}×)`)
            .join(', ')}`,
        }
      : r,
  );
  const interruptedBy = meta.interrupted ? (meta.interruptedBy ?? null) : null;
  // The same errors, a message made more precise: the verdict they give is unchanged.
  const evaluation = judgeUnfinished(
    { ...judged.evaluation, runtimeErrors },
    { interruptedBy: meta.interrupted ? (interruptedBy ?? 'killed') : null },
  );
  const summary = buildSummary({
    plan: pub,
    evaluation,
    phases: judged.phases,
    drainComplete: judged.drainComplete,
    interrupted: meta.interrupted,
    interruptedBy,
    target: meta.target,
    remoteTarget: meta.remoteTarget,
    httpRefusals: refusals,
  });
  // A shard names itself, and how far its clock is from the gateway's, so that merge can check and align.
  if (pub.shard) {
    summary.shard = { ...pub.shard, clock: clockOffset(judged.clock) };
    // Its judged parts before the verdict: chatstorm merge merges these, as the judge merges its parts.
    writeFileSync(join(reportDir, JUDGED_FILE), JSON.stringify(encodeJudged(judged.judged)));
    // A shard's report counts its own clients and chats; the plan's totals are the merged run's.
    const own = readRunRecord(join(reportDir, 'history')).roster.filter((r) => !r.probe);
    Object.assign(summary, { clients: own.length, chats: new Set(own.map((r) => r.chat)).size });
  }
  const files = writeReports(summary, reportDir);
  return { summary, reportDir, files };
}

/**
 * The connect phase: every worker says when all its clients are open or have given up. On a
 * loaded host the configured rate is not what happens, so the budget stretches (up to 4×) while
 * sockets keep opening; when it runs out, the run goes on with what is open, counted from the
 * workers' live samples (the achieved rate is in the history, and generator-health judges it).
 */
async function waitConnected(
  f: Fleet,
  budgetMs: number,
  signal: AbortSignal,
  say: (l: string) => void,
): Promise<{ open: number; notOpen: number }> {
  const started = now();
  let lastOpen = -1;
  for (;;) {
    const step = Math.min(10_000, Math.max(1_000, budgetMs - (now() - started)));
    const r = await f.connected(step, signal);
    if (r.complete) return r;
    if (signal.aborted) return { open: 0, notOpen: 0 };
    const live = f.live();
    const elapsed = now() - started;
    if (elapsed >= budgetMs && (live.open <= lastOpen || elapsed >= 4 * budgetMs)) {
      say(
        `chatstorm: connect phase ends after ${Math.round(elapsed / 1_000)} s with ${live.open} open and ${live.connecting} still connecting (planned ${Math.round(budgetMs / 1_000)} s)`,
      );
      return { open: live.open, notOpen: Math.max(0, live.connecting) };
    }
    lastOpen = live.open;
  }
}

class Interrupted extends Error {}

function flattenSuppressed(e: SuppressedError): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = e;
  while (cur instanceof SuppressedError) {
    out.push(cur.error);
    cur = cur.suppressed;
  }
  out.push(cur);
  return out;
}

/**
 * Everything that must hold before a run starts, in one place for the CLI (`run`, `capacity`,
 * `sweep`) and the programmatic API: the plan fits the host (sized by the preflight, or refused with
 * exit 64), the client adapter loads, and the engine or the Toxiproxy server is there.
 */
export interface ReadyOptions {
  /** How the client module was given, for the error: `--client` or the scenario's `client`. */
  clientField?: string;
  log?: (line: string) => void;
  /** false: leave the CPU notes to the caller (capacity and sweep say them per step). */
  cpuNotes?: boolean;
}

export async function readyToStart(plan: RunPlan, o: ReadyOptions = {}): Promise<RunPlan & { layout: Layout }> {
  const fitted = preflight(plan);
  // Over the host's cores is not refused (cpu.ts): said before anything starts.
  for (const note of o.cpuNotes === false ? [] : (fitted.cpuEstimate?.notes ?? []))
    (o.log ?? ((l) => console.error(`chatstorm: ${l}`)))(`note: ${note}`);
  // A module that does not load, or exports no factory, is a usage error before anything starts.
  if (plan.client) {
    const field = o.clientField ?? 'client';
    // socket.io-client is loaded only by runs that use it.
    if (plan.protocol === 'socket.io')
      await (await import('./client/socketio-client.ts')).loadSocketIoClient(plan.client, field);
    else await loadClientAdapter(plan.client, field);
  }
  // Containers bring their own Toxiproxy; an engine that is not there fails here, before anything starts.
  if (plan.stack === 'testcontainers') await (await import('./stack/testcontainers.ts')).dockerClient();
  else if (!findToxiproxy()) installToxiproxy(o.log ?? ((l) => console.error(`chatstorm: ${l}`)));
  return fitted;
}
