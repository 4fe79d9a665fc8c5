/**
 * generator-health: the instrument kept up. The instrument is the fleet (its processes' event
 * loops, CPU, timers, descriptors, and the sends it had to skip) and the Toxiproxy pool (its CPU,
 * descriptors, a stopped process, accept errors in its log). When any part of it saturated, what
 * it measured cannot be trusted: the run is "inconclusive" naming the part, never "pass" — and a
 * timed check that failed meanwhile is not reported as the gateway's failure (discountForInstrument).
 *
 * BEHIND is judged per fleet process (a merged run: per shard's process), because one process
 * behind distorts every measurement of its clients however many others kept up: a process was
 * behind when more than BAD_SHARE_LIMIT of its seconds had event-loop p99 > ELD_P99_LIMIT_MS or
 * timers p99 > TIMER_LATE_P99_LIMIT_MS, or used more than CPU_LIMIT of a core. One exception, a
 * fault's BURST: a fault that drops every socket makes each fleet process handle all of its
 * clients at once (closes, backoff timers, then a storm of attempts) — a block of a few hundred ms
 * (332 and 385 ms at 1,000 clients a process on a quiet host, docs/scaling.md). Up to
 * FAULT_BURST_SECONDS such seconds of a process inside one fault's disturbed window (its apply to
 * its removal plus the settle time) are not counted: the latency check does not judge messages
 * sent in that window, and backoff delays are judged from when their timers were due. Without the
 * exception, a short run with one cut (16 s of samples: 10 % is 1.6 s) was inconclusive on a
 * quiet host. A stall over ELD_MAX_LIMIT_MS is never excused.
 *
 * WAITING FOR A SLOT is not being behind: a fleet process keeps at most a bound of handshakes under
 * way, and a reconnect whose timer fires while they all are waits for one to end (fleet/worker.ts
 * whenFree). The timer fired on time and the loop was turning (its own delay is in the event-loop
 * and timer figures above); what the wait measures is how fast Toxiproxy and the gateway finish
 * handshakes — the storm's pace on this stack, which real clients would meet as a queue at the
 * server instead. The attempt keeps its due time, so no delay of the policy is judged from the wait;
 * the recovery times measured include it, as a client's would. It is reported (slotWaits,
 * slotWaitMaxMs), never counted as lateness: counted so, it named the fleet for the gateway's pace
 * (`scale`, 2 Dec: waits of 0.5–2.3 s with event loops at 0.4 of a core; docs/scale.md).
 *
 * The host (harness/metrics/host.ts): the fleet can keep up and still run on a machine whose cores
 * are oversubscribed — other work, or this run's own processes, waiting for a CPU. Then the gateway
 * and Toxiproxy wait too, and every time the run measures can only get longer. A second is
 * OVERSUBSCRIBED when PSI cpu "some" is at least HOST_PRESSURE_LIMIT of it AND at least
 * HOST_RUNNABLE_PER_CORE runnable tasks per core were seen (each runnable task got at most half a
 * core). The host was oversubscribed when such seconds are more than HOST_BAD_SHARE_LIMIT of the
 * run's host samples. Then, and only if a TIMED finding failed (latency, or a reconnect finding a
 * late instrument can cause), generator-health is "inconclusive" naming the host's CPU and who used
 * it (gateway, Toxiproxy, fleet, the rest of the host) and those findings are discounted. Pressure
 * alone never makes a run inconclusive: contention only lengthens measured times, so a pass stays a
 * pass — the summary says the host was oversubscribed. Where PSI does not exist the summary says
 * the host's CPU was not measured (hostMeasured 0), and nothing is discounted for it.
 */
import type { Context, OraclePlan } from './context.ts';
import { CPU_WARN, partsName } from '../preflight/cpu.ts';
import type { GeneratorSample } from '../record/history.ts';
import { ESCAPE_GRACE_MS, escapesOf } from './cut-reach.ts';
import { behindInDrain } from './drain-tail.ts';
import { HOST_BUSY_SHARE, HOST_BUSY_WAITING } from './host-busy.ts';
import { reconnectViolations, type ReconnectCounts } from './reconnect.ts';
import type { CheckResult, Example } from './types.ts';
import type { FaultWindow } from './windows.ts';

/** Event-loop delay p99 over one second above which that second is "behind". */
export const ELD_P99_LIMIT_MS = 200;
/** A single stall this long makes every latency around it meaningless. */
export const ELD_MAX_LIMIT_MS = 2_000;
/**
 * Timer lateness p99 over one second above which that second is "behind". Higher than the
 * event-loop limit: a reconnect delay is judged from its due time and a send is timed when it
 * leaves, so a late timer distorts no measurement until it delays the reading of frames too.
 */
export const TIMER_LATE_P99_LIMIT_MS = 500;
/** Fraction of one core above which a second counts as saturated. */
export const CPU_LIMIT = 0.95;
/** Share of a fleet process's seconds that may be "behind" or saturated. */
export const BAD_SHARE_LIMIT = 0.1;
/** Behind or saturated seconds of one fleet process inside one fault's window that are its burst, not counted. */
export const FAULT_BURST_SECONDS = 2;
/** Share of the planned sends skipped for lateness above which the planned load was not applied. */
export const SKIPPED_SHARE_LIMIT = 0.01;
/** Share of a process's descriptor limit above which it is about to refuse sockets. */
export const FD_SHARE_LIMIT = 0.95;

/**
 * PSI cpu "some" share of a second at or above which the second counts toward oversubscription.
 * Measured on this 2-core host (docs/scale.md): 5–26 % at load ≈ 3 with nothing of ours busy,
 * 88–100 % with three CPU burners (load 5–8 runnable) and also 77–100 % at load 3.5–4.5.
 */
export const HOST_PRESSURE_LIMIT = 0.8;
/**
 * Runnable tasks per core at the sample at or above which a second counts: "some" alone saturates
 * at a load of 3–4 on 2 cores (one task waiting is enough); 2.5 per core (5 of 2 cores, the
 * sampler included) is where three burners put this host and where a task gets ≤ half a core.
 */
export const HOST_RUNNABLE_PER_CORE = 2.5;
/** Share of the run's host samples that may be oversubscribed before the host is said to be. */
export const HOST_BAD_SHARE_LIMIT = 0.25;

/** The host's CPU over the run, from the host samples; null when not measured. */
export interface HostPressure {
  samples: number;
  oversubscribed: number;
  worst: number;
  overloaded: boolean;
  who: string;
}

/** The run's window for the host, as generator-health judges it. */
export function hostPressureOf(ctx: Context): HostPressure | null {
  const { trafficStart, drained } = ctx.history.phases;
  return hostPressure(ctx, (t) => t >= trafficStart && t <= drained + 1_000);
}

export function hostPressure(ctx: Context, inRun: (t: number) => boolean): HostPressure | null {
  const host = ctx.history.hostSamples;
  if (!host) return null;
  const mine = host.filter((h) => inRun(h.t));
  if (!mine.length) return null;
  const hot = mine.filter(
    (h) =>
      h.cpuSome >= HOST_PRESSURE_LIMIT && (h.running === undefined || h.running >= HOST_RUNNABLE_PER_CORE * h.cores),
  );
  const hotSeconds = new Set(hot.map((h) => Math.floor(h.t / 1_000)));
  const during = (t: number) => hotSeconds.has(Math.floor(t / 1_000));
  const pick = hot.length ? during : (t: number) => inRun(t);
  // Who used the CPU in those seconds: cores per second on average, by side.
  const seconds = Math.max(1, hot.length || mine.length);
  const stack = (ctx.history.stackSamples ?? []).filter((x) => pick(x.t));
  const proxy = stack.filter((x) => x.name.startsWith('toxiproxy')).reduce((a, x) => a + x.cpu, 0) / seconds;
  const gateway = stack.filter((x) => !x.name.startsWith('toxiproxy')).reduce((a, x) => a + x.cpu, 0) / seconds;
  const fleet = ctx.history.samples.filter((x) => pick(x.t)).reduce((a, x) => a + x.cpu, 0) / seconds;
  const used = (hot.length ? hot : mine).filter((h) => h.busyCores !== undefined);
  const busy = used.length ? used.reduce((a, h) => a + h.busyCores!, 0) / used.length : null;
  const cores = mine[0].cores;
  const f = (x: number) => x.toFixed(2);
  const who = `gateway ${f(gateway)}, Toxiproxy ${f(proxy)}, fleet ${f(fleet)}${busy !== null ? `, the rest of the host ${f(Math.max(0, busy - gateway - proxy - fleet))}` : ''} of ${cores} cores`;
  return {
    samples: mine.length,
    oversubscribed: hot.length,
    worst: Math.max(...mine.map((h) => h.cpuSome)),
    overloaded: hot.length > mine.length * HOST_BAD_SHARE_LIMIT,
    who,
  };
}

/** The sentence naming the host's CPU, for generator-health and for the checks it discounts. */
/**
 * When the preflight had estimated (plan.json cpuEstimate, harness/preflight/cpu.ts) that the
 * traffic asks more than CPU_WARN of the host's cores, the sentence that says so; else "".
 */
export function estimateSentence(plan: OraclePlan): string {
  const e = plan.cpuEstimate;
  if (!e || e.traffic.share <= CPU_WARN) return '';
  return ` The preflight had estimated it before the run: the traffic phase asks about ${e.traffic.cores} of this host's ${e.cores} cores (${Math.round(e.traffic.share * 100)} %; ${partsName(e.parts)}; plan.json cpuEstimate).`;
}

/**
 * What to do about an instrument that saturated, by what ran out: a cut that missed connections
 * (something dials past the proxies), the host's CPU, the fleet alone, or the Toxiproxy pool.
 * `workers`: the fleet processes of the run; `referenceGateway`: the gateway is the reference one
 * on this host (it can move to another host with --target).
 */
export function remedySentence(o: {
  escaped: number;
  hostOverloaded: boolean;
  /** false: the host's CPU was not measured (no PSI), so whether it had cores to spare is unknown. */
  hostMeasured: boolean;
  fleet: boolean;
  proxy: boolean;
  workers: number;
  referenceGateway: boolean;
}): string {
  const todo: string[] = [];
  if (o.escaped)
    todo.push(
      'a connection a cut did not close went past the Toxiproxy pool: make the client connect only through the URL chatstorm gives it',
    );
  const elsewhere = `shards on several hosts (docs/scaling.md)${o.referenceGateway ? ', or the gateway on another host (--target)' : ''}`;
  if (o.hostOverloaded)
    todo.push(
      `this host cannot carry the run: fewer clients or a longer sendInterval (chatstorm capacity <scenario> --vary clients finds what it holds), ${elsewhere}`,
    );
  else if (o.fleet)
    todo.push(
      `the fleet's ${o.workers} process(es) fell behind${o.hostMeasured ? ' while the host had cores to spare' : ''}: --workers ${o.workers * 2}${o.hostMeasured ? '' : ' if the host has cores to spare'}, fewer clients, or ${elsewhere}`,
    );
  else if (o.proxy) todo.push(`fewer clients on this host, or ${elsewhere}`);
  return todo.length ? ` What to do: ${todo.join('; ')}.` : '';
}

export function hostSentence(p: HostPressure): string {
  return `the host's CPU was oversubscribed: ${p.oversubscribed} of ${p.samples} s with a task waiting for a core ≥ ${HOST_PRESSURE_LIMIT * 100} % of the second and ≥ ${HOST_RUNNABLE_PER_CORE} runnable tasks per core (cores used in those seconds: ${p.who})`;
}

/**
 * `windows`: the run's fault windows (windows.ts); a cut on every proxy that some connection
 * escaped is a problem of the Toxiproxy pool (cut-reach.ts).
 */
/**
 * A second's event-loop delay, for an example. A loop blocked for longer than the sampling period
 * records no delay at all in the histogram of that second (seen at 20,000 sockets: max 0 while
 * timers were 3.4 s late), so a zero there is "not measured", not "no delay".
 */
function eldText(s: GeneratorSample): string {
  return s.eldMax > 0
    ? `event-loop delay p99 ${s.eldP99.toFixed(1)} ms, max ${s.eldMax.toFixed(1)} ms`
    : 'event-loop delay not measured in that second (its loop did not turn)';
}

export function checkGeneratorHealth(ctx: Context, windows: FaultWindow[] = []): CheckResult {
  const { trafficStart, drained } = ctx.history.phases;
  const inRun = (t: number) => t >= trafficStart && t <= drained + 1_000;
  const samples = ctx.history.samples.filter((s) => inRun(s.t));
  const behind = samples.filter((s) => s.eldP99 > ELD_P99_LIMIT_MS || (s.timerLateP99 ?? 0) > TIMER_LATE_P99_LIMIT_MS);
  const saturated = samples.filter((s) => s.cpu > CPU_LIMIT);
  const stalls = samples.filter((s) => s.eldMax > ELD_MAX_LIMIT_MS || (s.timerLateMax ?? 0) > ELD_MAX_LIMIT_MS);
  const fdFull = samples.filter(
    (s) => s.fds !== undefined && s.fdLimit !== undefined && s.fds > s.fdLimit * FD_SHARE_LIMIT,
  );
  const skipped = samples.reduce((a, s) => a + (s.skippedSends ?? 0), 0);
  const slotWaits = samples.reduce((a, s) => a + (s.slotWaits ?? 0), 0);
  const slotWaitMax = Math.max(0, ...samples.map((s) => s.slotWaitMax ?? 0));
  const slotNote = slotWaits
    ? `; ${slotWaits} reconnects waited up to ${slotWaitMax} ms for a handshake slot of their fleet process (all its handshakes under way: the pace Toxiproxy and the gateway finished them at; judged from their due times, and part of the recovery times measured)`
    : '';
  const planned = skipped + samples.reduce((a, s) => a + s.sent, 0);
  // A merged run's samples carry their shard: the example names it (shard i's worker w).
  const examples: Example[] = [...stalls, ...behind, ...saturated, ...fdFull]
    .slice(0, 5)
    .map((s) =>
      ctx.example(
        'behind',
        null,
        `${s.shard !== undefined ? `shard ${s.shard} ` : ''}fleet worker ${s.worker}: ${eldText(s)}, timers late p99 ${s.timerLateP99 ?? '?'} ms, max ${s.timerLateMax ?? '?'} ms, CPU ${(s.cpu * 100).toFixed(0)} %${s.fds !== undefined ? `, ${s.fds}/${s.fdLimit} descriptors` : ''}`,
        { at: ctx.rel(s.t), ...(s.shard !== undefined ? { shard: s.shard } : {}) },
      ),
    );
  const perProcess = behindProcesses(ctx, samples, behind, saturated);

  // The Toxiproxy pool, from the stack samples (local stack only).
  const proxySamples = (ctx.history.stackSamples ?? []).filter((s) => s.name.startsWith('toxiproxy') && inRun(s.t));
  const proxyNames = [...new Set(proxySamples.map((s) => s.name))];
  const proxyProblems: string[] = [];
  for (const name of proxyNames) {
    const mine = proxySamples.filter((s) => s.name === name);
    const hot = mine.filter((s) => s.cpu > CPU_LIMIT).length;
    const stopped = mine.filter((s) => s.stopped).length;
    const full = mine.filter(
      (s) => s.fds !== undefined && s.fdLimit !== undefined && s.fds > s.fdLimit * FD_SHARE_LIMIT,
    ).length;
    const accept = Math.max(0, ...mine.map((s) => s.acceptErrors ?? 0));
    const parts = [
      hot / mine.length > BAD_SHARE_LIMIT ? `${hot} s above ${CPU_LIMIT * 100} % CPU` : '',
      stopped ? `stopped (not running) for ${stopped} s` : '',
      full ? `${full} s near its descriptor limit` : '',
      accept ? `${accept} accept errors in its log` : '',
    ].filter(Boolean);
    if (parts.length) {
      proxyProblems.push(`${name}: ${parts.join(', ')}`);
      const at = mine.find((s) => s.stopped || s.cpu > CPU_LIMIT || (s.acceptErrors ?? 0) > 0) ?? mine[0];
      examples.push(
        ctx.example('proxy-saturated', null, `${name}: ${parts.join(', ')}`, {
          at: ctx.rel(at.t),
          ...(at.shard !== undefined ? { shard: at.shard } : {}),
        }),
      );
    }
  }

  // Connections a cut on every proxy did not close (cut-reach.ts), each given its fleet process's stall.
  let escapedCount = 0;
  let escapeProblems = 0;
  let reachJudged = 0;
  for (const w of windows) reachJudged += w.reach?.judged ?? 0;
  const roster = ctx.history.roster;
  for (const { id, reach, clients: mine } of escapesOf(windows, ctx.history.samples, roster)) {
    escapedCount += mine.length;
    const what = `${id} on every proxy did not reach ${mine.length} connection(s): open when it was applied, still open ${ESCAPE_GRACE_MS / 1_000} s after its removal`;
    proxyProblems.push(what);
    escapeProblems++;
    examples.push(
      ctx.example('cut-escaped', mine[0], `${what} (this one among them)`, {
        at: ctx.rel(reach.until),
        ...(roster[mine[0]]?.shard !== undefined ? { shard: roster[mine[0]].shard } : {}),
      }),
    );
  }

  // Fleet processes still behind when the drain gave up: what their clients had not read is not judged (drain-tail.ts).
  const drainBehind = behindInDrain(ctx.history);
  const drainFor = ((ctx.history.phases.drained - ctx.history.phases.trafficEnd) / 1_000).toFixed(1);
  const drainWho = drainBehind.map(
    (b) =>
      `${b.shard !== undefined ? `shard ${b.shard} ` : ''}fleet worker ${b.worker} (${b.lagMs === null ? 'no sample: its loop did not turn' : `${Math.round(b.lagMs)} ms late`})`,
  );
  if (drainBehind.length)
    examples.push(
      ctx.example(
        'drain-behind',
        null,
        `${drainWho[0]} was behind when the drain gave up after ${drainFor} s: frames may have lain unread in its sockets`,
        {
          at: ctx.rel(ctx.history.phases.drained),
          ...(drainBehind[0].shard !== undefined ? { shard: drainBehind[0].shard } : {}),
        },
      ),
    );

  const fleetProblems = [
    stalls.length ? `${stalls.length} stalls > ${ELD_MAX_LIMIT_MS} ms` : '',
    drainBehind.length
      ? `${drainWho.join(', ')} still behind when the drain gave up after ${drainFor} s: what its clients had not read is not judged`
      : '',
    perProcess.behind.length
      ? `${perProcess.behind.join(', ')} behind: ${behind.length} s with event-loop p99 > ${ELD_P99_LIMIT_MS} ms or timer p99 > ${TIMER_LATE_P99_LIMIT_MS} ms and ${saturated.length} s above ${CPU_LIMIT * 100} % CPU, of ${samples.length} s${perProcess.burst ? ` (${perProcess.burst} s of them a fault's burst, not counted)` : ''}`
      : '',
    fdFull.length ? `${fdFull.length} s near the descriptor limit` : '',
    skipped > planned * SKIPPED_SHARE_LIMIT
      ? `${skipped} of ${planned} planned sends skipped because the fleet was late`
      : '',
  ].filter(Boolean);
  const unhealthy = fleetProblems.length > 0 || proxyProblems.length > 0;
  const host = hostPressure(ctx, inRun);
  const hostNote =
    host === null
      ? " The host's CPU pressure was not measured (no PSI on this host, or a run older than it)."
      : host.overloaded
        ? ` Note: ${hostSentence(host)}; pressure alone can only lengthen measured times, so nothing timed is blamed on the gateway while it lasted.`
        : '';
  const eldP99s = samples.map((s) => s.eldP99).sort((a, b) => a - b);
  const lateMax = Math.max(0, ...samples.map((s) => s.timerLateMax ?? 0));
  const parts = [
    fleetProblems.length ? `the fleet (${fleetProblems.join('; ')})` : '',
    proxyProblems.length ? `the Toxiproxy pool (${proxyProblems.join('; ')})` : '',
  ].filter(Boolean);
  return {
    name: 'generator-health',
    verdict: samples.length === 0 ? 'inconclusive' : unhealthy ? 'inconclusive' : 'pass',
    summary:
      samples.length === 0
        ? 'No generator sample was recorded: the load generator cannot be vouched for.'
        : unhealthy
          ? `The instrument saturated — ${parts.join(' and ')}: what it measured cannot be trusted, and no failure is blamed on the gateway.${host?.overloaded ? ` Which side ran out: ${hostSentence(host)}.${estimateSentence(ctx.plan)}` : ''}${remedySentence(
              {
                escaped: escapedCount,
                hostOverloaded: host?.overloaded ?? false,
                hostMeasured: host !== null,
                fleet: fleetProblems.length > 0,
                proxy: proxyProblems.length > escapeProblems,
                // Per host (a merged run's shards each ran their own): --workers is a per-host flag.
                workers: new Set(samples.map((x) => x.worker)).size,
                referenceGateway: ctx.plan.cpuEstimate ? ctx.plan.cpuEstimate.parts.includes('gateway') : false,
              },
            )}`
          : `The load generator kept up: worst event-loop p99 ${eldP99s[eldP99s.length - 1].toFixed(1)} ms, timers at most ${lateMax} ms late, max CPU ${(Math.max(...samples.map((s) => s.cpu)) * 100).toFixed(0)} % of a core over ${samples.length} samples${perProcess.burst ? `; ${perProcess.burst} s behind in a fault's burst (every client dropped at once; ≤ ${FAULT_BURST_SECONDS} s per fault and fleet process inside its window, not counted)` : ''}${skipped ? `; ${skipped} of ${planned} planned sends skipped for lateness (within ${SKIPPED_SHARE_LIMIT * 100} %)` : ''}${slotNote}${proxyNames.length ? `; ${proxyNames.length} Toxiproxy server(s) kept up` : ''}.${hostNote}`,
    counts: {
      samples: samples.length,
      behindSeconds: behind.length,
      saturatedSeconds: saturated.length,
      burstSeconds: perProcess.burst,
      processesBehind: perProcess.behind.length,
      drainBehind: drainBehind.length,
      stalls: stalls.length,
      skippedSends: skipped,
      slotWaits,
      slotWaitMaxMs: slotWaitMax,
      fdFullSeconds: fdFull.length,
      proxyProblems: proxyProblems.length,
      cutReachJudged: reachJudged,
      cutEscaped: escapedCount,
      hostMeasured: host ? 1 : 0,
      hostSamples: host?.samples ?? 0,
      hostOversubscribedSeconds: host?.oversubscribed ?? 0,
      hostOversubscribed: host?.overloaded ? 1 : 0,
    },
    examples,
    firstBreachAt: unhealthy && examples.length ? (examples[0].at ?? null) : null,
  };
}

/**
 * The fleet processes that were behind (named "worker w", or "shard s worker w" in a merged run),
 * and the seconds excused as a fault's burst, over all processes (see the header).
 */
function behindProcesses(
  ctx: Context,
  samples: GeneratorSample[],
  behind: GeneratorSample[],
  saturated: GeneratorSample[],
): { behind: string[]; burst: number } {
  const key = (s: GeneratorSample) =>
    s.shard !== undefined ? `shard ${s.shard} worker ${s.worker}` : `worker ${s.worker}`;
  const bad = new Set([...behind, ...saturated]);
  // In a merged run each shard's fault acted on its own stack: only its own processes' burst.
  const windows = ctx.history.faults.map(
    (f) => [f.applyStart, (f.removeEnd ?? ctx.history.phases.trafficEnd) + ctx.plan.settleMs, f.shard] as const,
  );
  const byProcess = new Map<string, GeneratorSample[]>();
  for (const s of samples) {
    const list = byProcess.get(key(s));
    if (list) list.push(s);
    else byProcess.set(key(s), [s]);
  }
  const out: string[] = [];
  let burst = 0;
  for (const [name, mine] of byProcess) {
    const excused = new Set<GeneratorSample>();
    const shard = mine[0].shard;
    for (const [a, b, of] of windows) {
      if (of !== undefined && of !== shard) continue;
      // A sample at t covers the second before it.
      const inside = mine.filter((s) => bad.has(s) && !excused.has(s) && s.t > a && s.t - 1_000 < b);
      for (const s of inside.slice(0, FAULT_BURST_SECONDS)) excused.add(s);
    }
    burst += excused.size;
    const counted = mine.filter((s) => bad.has(s) && !excused.has(s)).length;
    if (counted > mine.length * BAD_SHARE_LIMIT) out.push(name);
  }
  return { behind: out, burst };
}

/** Checks that time the instrument's own timers and reads: a saturated instrument makes them untrustworthy. */
export const TIMED_CHECKS: readonly string[] = ['latency', 'reconnect'];

/**
 * When the instrument saturated, a failed timed check (latency, reconnect) is not evidence against
 * the gateway: its verdict becomes "inconclusive", its finding kept in the summary (nothing is
 * hidden). Findings no lateness can cause — a fallback, a lost or duplicated message, a silent send
 * error, an auth breach, a reconnect too early, too often or given up — still fail.
 * The same when the host's CPU was oversubscribed (`host`, hostPressureOf): then generator-health,
 * which passed for the fleet, becomes "inconclusive" naming the host — but only when a timed
 * finding it discounts failed; pressure alone leaves every verdict as it was.
 */
export function discountForInstrument(
  checks: CheckResult[],
  host: HostPressure | null = null,
  plan: OraclePlan | null = null,
): CheckResult[] {
  const health = checks.find((c) => c.name === 'generator-health');
  if (!health) return checks;
  const discountable = (c: CheckResult) =>
    c.verdict === 'fail' && TIMED_CHECKS.includes(c.name) && !latenessCannotExplain(c);
  if (health.verdict === 'inconclusive') {
    return checks.map((c) =>
      discountable(c)
        ? {
            ...c,
            verdict: 'inconclusive',
            summary: `Not judged against the gateway: the instrument saturated (see generator-health). Seen: ${c.summary}`,
          }
        : c,
    );
  }
  if (!host?.overloaded) return discountBusyHostOpens(checks, health);
  if (!checks.some(discountable)) return checks;
  const sentence = hostSentence(host);
  const names = checks.filter(discountable).map((c) => c.name);
  return blameTheHost(
    checks,
    health,
    discountable,
    sentence,
    `The host's CPU was oversubscribed — ${sentence.replace(/^the host's CPU was oversubscribed: /, '')}: ${names.join(' and ')} failed meanwhile and ${names.length > 1 ? 'are' : 'is'} not blamed on the gateway. The fleet itself kept up.${plan ? estimateSentence(plan) : ''}${remedySentence({ escaped: 0, hostOverloaded: true, hostMeasured: true, fleet: false, proxy: false, workers: 0, referenceGateway: plan?.cpuEstimate?.parts.includes('gateway') ?? false })}`,
  );
}

/** The discounted checks "Not judged against the gateway: <sentence>", and generator-health inconclusive with `healthSummary`. */
function blameTheHost(
  checks: CheckResult[],
  health: CheckResult,
  discounted: (c: CheckResult) => boolean,
  sentence: string,
  healthSummary: string,
): CheckResult[] {
  return checks.map((c) =>
    discounted(c)
      ? {
          ...c,
          verdict: 'inconclusive',
          summary: `Not judged against the gateway: ${sentence} (see generator-health). Seen: ${c.summary}`,
        }
      : c === health
        ? { ...c, verdict: 'inconclusive', summary: healthSummary, firstBreachAt: c.firstBreachAt ?? null }
        : c,
  );
}

/**
 * A reconnect check whose only breaches are first opens after a restore that took longer than the
 * allowance while every core of the host was busy (reconnect.ts `lateOnBusyHost`, host-busy.ts):
 * not evidence against the gateway, which queued for the same cores as the instrument. The check
 * becomes inconclusive with its finding kept, and so does generator-health, naming the host. Any
 * other breach, a breached threshold, or one late open on a host with a core to spare keeps the
 * failure.
 */
function discountBusyHostOpens(checks: CheckResult[], health: CheckResult): CheckResult[] {
  const rc = checks.find((c) => c.name === 'reconnect');
  if (rc?.verdict !== 'fail' || (rc.thresholds ?? []).some((t) => !t.ok)) return checks;
  const k = rc.counts;
  if (!k.lateOnBusyHost || k.lateOnBusyHost !== reconnectViolations(k as ReconnectCounts)) return checks;
  const sentence = `every core of the host was busy (≥ ${HOST_BUSY_SHARE * 100} % of its cores, a task waiting for one ≥ ${HOST_BUSY_WAITING * 100} % of each second) all the while ${k.lateOnBusyHost} first opens after a restore waited`;
  return blameTheHost(
    checks,
    health,
    (c) => c === rc,
    sentence,
    `The host's CPU was oversubscribed — ${sentence}: the gateway queued for the same cores as the instrument, so reconnect is not blamed on it. ${health.summary}${remedySentence({ escaped: 0, hostOverloaded: true, hostMeasured: true, fleet: false, proxy: false, workers: 0, referenceGateway: false })}`,
  );
}

/**
 * Reconnect breaches a slow instrument cannot cause: it can make a client late, never early, and
 * never make it try too often or give up too soon. Those still fail when the instrument saturated.
 */
const NOT_FROM_LATENESS = ['delayTooShort', 'tooManyAttempts', 'gaveUpEarly', 'gaveUpWithinBudget'] as const;

function latenessCannotExplain(c: CheckResult): boolean {
  return c.name === 'reconnect' && NOT_FROM_LATENESS.some((k) => (c.counts[k] ?? 0) > 0);
}
