/**
 * reconnect (docs/checks.md): after every disconnect the client's attempts follow its policy (each
 * delay inside the policy's envelope ± tolerance, no attempt longer than the connect timeout, no
 * more than maxAttempts in a series); after every restore each client is connected again no later
 * than its next scheduled attempt plus connect time plus tolerance; no client gives up before
 * maxAttempts, nor while the outage was shorter than its backoff budget.
 *
 * The expected attempt number is counted here from the history, not taken from the client, so a
 * client that misreports its own schedule is still judged.
 *
 * A delay is judged from when the attempt's backoff timer was due (`due`, when the client records
 * it), not from when the loaded host got round to firing it: a late timer is the instrument's
 * delay, counted here (generatorLate) and judged by generator-health. An attempt before its due
 * time is judged at its real time.
 */
import { delayEnvelope, minimalBackoffBudget, nominalDelay } from '../policy/policy.ts';
import type { Context } from './context.ts';
import { addExample, breachAt, examplesOf, newPart, type CheckPart } from './partial.ts';
import type { CheckResult, FaultResilience } from './types.ts';
import type { FaultWindow } from './windows.ts';
import { fleetLag } from './fleet-lag.ts';
import { hostBusy } from './host-busy.ts';

/** Timers never fire early by more than this (ms rounding). */
const EARLY_SLACK_MS = 5;

const COUNTS = {
  clients: 0,
  attempts: 0,
  reconnects: 0,
  delayOutsidePolicy: 0,
  delayTooShort: 0,
  attemptPastConnectTimeout: 0,
  tooManyAttempts: 0,
  gaveUpEarly: 0,
  gaveUpWithinBudget: 0,
  stalled: 0,
  lateAfterRestore: 0,
  gaveUp: 0,
  generatorLate: 0,
  openLateByFleet: 0,
  lateOnBusyHost: 0,
};
export type ReconnectCounts = typeof COUNTS;

/** The reconnect check over part of the clients. Example phases: every client, then one per fault window. */
export interface ReconnectPart {
  check: CheckPart<ReconnectCounts>;
  /** Attempt number → measured delays (ms), in no particular order. */
  delays: Map<number, number[]>;
  /** Attempts made → clients that made that many. */
  attemptsPerClient: Record<string, number>;
}

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function collectReconnect(ctx: Context, windows: FaultWindow[]): ReconnectPart {
  const { policy, reconnectToleranceMs: tol } = ctx.plan;
  const connectAllowance = ctx.plan.connectAllowanceMs ?? 2_000;
  const part = newPart({ ...COUNTS, clients: ctx.clients.length }, 1 + windows.length);
  const counts = part.counts;
  const delays = new Map<number, number[]>();
  const attemptsPerClient: Record<string, number> = {};
  const breach = (t: number) => breachAt(part, t);
  const budget = minimalBackoffBudget(policy);
  const stopAt = ctx.history.phases.drained;

  for (const view of ctx.clients) {
    const c = view.entry.c;
    let n = 0; // attempts in the current series
    let lastEnd: number | null = null; // the close or failure the next attempt waits after
    let prevDelay = policy.backoff.initialMs;
    let attemptStart: number | null = null;
    let attempts = 0;
    let stopped = false;
    for (const ev of view.events) {
      if (ev.k === 'attempt') {
        attempts++;
        counts.attempts++;
        n++;
        if (lastEnd !== null) {
          counts.reconnects++;
          const late = ev.due !== undefined && ev.due < ev.t ? ev.t - ev.due : 0;
          if (late > tol) counts.generatorLate++;
          const measured = ev.t - late - lastEnd;
          const env = delayEnvelope(policy.backoff, n, prevDelay);
          if (!delays.has(n)) delays.set(n, []);
          delays.get(n)!.push(Math.round(measured));
          if (measured < env.min - EARLY_SLACK_MS || measured > env.max + tol) {
            counts.delayOutsidePolicy++;
            // Sooner than the policy allows: no late timer of the instrument can cause that.
            if (measured < env.min - EARLY_SLACK_MS) counts.delayTooShort++;
            breach(ev.t);
            addExample(
              part,
              0,
              ctx.example(
                'delay-outside-policy',
                c,
                `attempt ${n} came ${Math.round(measured)} ms after the previous failure; the policy allows ${Math.round(env.min)}–${Math.round(env.max)} ms (+${tol} ms tolerance)`,
                { at: ctx.rel(ev.t) },
              ),
            );
          }
          prevDelay = measured;
        }
        if (n > policy.maxAttempts) {
          counts.tooManyAttempts++;
          breach(ev.t);
          addExample(
            part,
            0,
            ctx.example('too-many-attempts', c, `attempt ${n} of a series; maxAttempts is ${policy.maxAttempts}`, {
              at: ctx.rel(ev.t),
            }),
          );
        }
        attemptStart = ev.t;
        lastEnd = null;
      } else if (ev.k === 'open' || ev.k === 'fail') {
        if (attemptStart !== null && ev.t - attemptStart > policy.connectTimeoutMs + tol) {
          counts.attemptPastConnectTimeout++;
          breach(ev.t);
          addExample(
            part,
            0,
            ctx.example(
              'attempt-past-connect-timeout',
              c,
              `attempt ${n} took ${Math.round(ev.t - attemptStart)} ms to ${ev.k === 'open' ? 'open' : 'fail'}; connectTimeout is ${policy.connectTimeoutMs} ms`,
              { at: ctx.rel(ev.t) },
            ),
          );
        }
        attemptStart = null;
        if (ev.k === 'open') {
          if (policy.resetOnOpen) n = 0;
          prevDelay = policy.backoff.initialMs;
        } else lastEnd = ev.t;
      } else if (ev.k === 'close') {
        if (ev.by === 'client' && ev.code === 1000) lastEnd = null;
        else lastEnd = ev.t;
      } else if (ev.k === 'stopped') {
        stopped = true;
        if (ev.state !== 'failed') continue;
        counts.gaveUp++;
        if (n < policy.maxAttempts) {
          counts.gaveUpEarly++;
          breach(ev.t);
          addExample(
            part,
            0,
            ctx.example('gave-up-early', c, `gave up after ${n} attempts; maxAttempts is ${policy.maxAttempts}`, {
              at: ctx.rel(ev.t),
            }),
          );
        }
        const during = windows.find(
          (w) => w.start <= ev.t && ev.t <= (w.recoveredAt ?? Number.POSITIVE_INFINITY) + 60_000,
        );
        if (during && during.end - during.start < budget) {
          counts.gaveUpWithinBudget++;
          breach(ev.t);
          addExample(
            part,
            0,
            ctx.example(
              'gave-up-within-budget',
              c,
              `gave up during ${during.id}, an outage of ${Math.round(during.end - during.start)} ms, shorter than the backoff budget of ${budget} ms`,
              { at: ctx.rel(ev.t) },
            ),
          );
        }
      }
    }
    attemptsPerClient[String(attempts)] = (attemptsPerClient[String(attempts)] ?? 0) + 1;
    // Waiting after a failure with no further attempt, no visible give-up, and time enough for one.
    if (lastEnd !== null && !stopped) {
      const next = delayEnvelope(policy.backoff, n + 1, prevDelay).max;
      if (stopAt - lastEnd > next + tol + 1_000) {
        counts.stalled++;
        breach(lastEnd);
        addExample(
          part,
          0,
          ctx.example(
            'stalled',
            c,
            `no attempt in the ${Math.round(stopAt - lastEnd)} ms after its last failure (the policy's next delay is at most ${Math.round(next)} ms) and no error shown`,
            { at: ctx.rel(lastEnd) },
          ),
        );
      }
    }
  }

  // After every restore: the first attempt that starts once the network is back must succeed, and quickly.
  windows.forEach((w, wi) => {
    for (const imp of w.impacts) {
      const events = ctx.view(imp.c)?.events;
      if (!events) continue;
      const first = events.find((ev) => ev.k === 'attempt' && ev.t >= w.end);
      if (!first) continue;
      const outcome = events.find((ev) => (ev.k === 'open' || ev.k === 'fail') && ev.t >= first.t);
      const otherFault = windows.some((o) => o !== w && outcome && o.start <= outcome.t && outcome.t <= o.end);
      if (!outcome || otherFault) continue;
      const took = outcome.t - first.t;
      // An open recorded late by a fleet process that stalled meanwhile: the stall is the
      // instrument's (generator-health judges it), not the gateway's handshake.
      if (
        outcome.k === 'open' &&
        took > connectAllowance &&
        took - fleetLag(ctx.history.samples, ctx.history.roster[imp.c], first.t, outcome.t) <= connectAllowance
      ) {
        counts.openLateByFleet++;
        continue;
      }
      if (outcome.k === 'fail' || took > connectAllowance) {
        counts.lateAfterRestore++;
        // Every core of the host busy while it waited: not evidence against the gateway (discountForInstrument).
        if (outcome.k === 'open' && hostBusy(ctx.history.hostSamples, first.t, outcome.t)) counts.lateOnBusyHost++;
        breach(outcome.t);
        addExample(
          part,
          1 + wi,
          ctx.example(
            'late-after-restore',
            imp.c,
            outcome.k === 'fail'
              ? `its first attempt after the end of ${w.id} (at ${ctx.rel(first.t)} s) failed (${outcome.why}${outcome.code ? ` ${outcome.code}` : ''})`
              : `its first attempt after ${w.id} took ${Math.round(took)} ms to open (allowance ${connectAllowance} ms)`,
            { at: ctx.rel(outcome.t) },
          ),
        );
      }
    }
  });
  return { check: part, delays, attemptsPerClient };
}

/** Per fault: detection and recovery, from the fault windows (computed over every client). */
export function faultResilience(ctx: Context, windows: FaultWindow[]): FaultResilience[] {
  const faults: FaultResilience[] = [];
  for (const w of windows) {
    const rec = ctx.history.faults.find((f) => f.id === w.id)!;
    const detect = w.impacts.map((i) => i.drop - w.start).sort((a, b) => a - b);
    const back = w.impacts
      .map((i) => (i.back === null ? Number.POSITIVE_INFINITY : Math.max(0, i.back - w.end)))
      .sort((a, b) => a - b);
    const finite = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Math.round(v));
    faults.push({
      id: w.id,
      type: rec.type,
      start: ctx.rel(w.start),
      end: ctx.rel(w.end),
      ...(rec.error ? { error: rec.error } : {}),
      affected: w.impacts.length,
      detect: { p50: finite(percentile(detect, 50)), max: finite(detect.length ? detect[detect.length - 1] : null) },
      recover: {
        p50: finite(percentile(back, 50)),
        p99: finite(percentile(back, 99)),
        p100: finite(percentile(back, 100)),
      },
      notRecovered: back.filter((b) => !Number.isFinite(b)).length,
    });
  }
  return faults;
}

/** The breaches of the policy the check fails on (the other counts describe). */
export function reconnectViolations(k: ReconnectCounts): number {
  return (
    k.delayOutsidePolicy +
    k.attemptPastConnectTimeout +
    k.tooManyAttempts +
    k.gaveUpEarly +
    k.gaveUpWithinBudget +
    k.stalled +
    k.lateAfterRestore
  );
}

export function finishReconnect(part: CheckPart<ReconnectCounts>, ctx: Context): CheckResult {
  const { policy, reconnectToleranceMs: tol } = ctx.plan;
  const connectAllowance = ctx.plan.connectAllowanceMs ?? 2_000;
  const { counts, firstBreach } = part;
  const examples = examplesOf(part);
  const violations = reconnectViolations(counts);
  const named = Object.entries(counts)
    .filter(
      ([k, v]) =>
        v > 0 &&
        ![
          'clients',
          'attempts',
          'reconnects',
          'gaveUp',
          'generatorLate',
          'delayTooShort',
          'openLateByFleet',
          'lateOnBusyHost',
        ].includes(k),
    )
    .map(([k, v]) =>
      k === 'lateAfterRestore' && counts.lateOnBusyHost
        ? `${v} ${k} (${counts.lateOnBusyHost} of them while every core of the host was busy)`
        : `${v} ${k}`,
    );
  return {
    name: 'reconnect',
    verdict: violations ? 'fail' : 'pass',
    summary: violations
      ? `${named.join(', ')} (policy: ${policy.backoff.initialMs}–${policy.backoff.maxMs} ms ×${policy.backoff.multiplier}, jitter ${policy.backoff.jitter}, ${policy.maxAttempts} attempts; tolerance +${tol} ms).`
      : `${counts.reconnects} reconnect attempts by ${counts.clients} clients all followed the policy (tolerance +${tol} ms, connect allowance ${connectAllowance} ms)${counts.gaveUp ? `; ${counts.gaveUp} gave up visibly after ${policy.maxAttempts} attempts` : ''}${counts.openLateByFleet ? `; ${counts.openLateByFleet} first opens after a restore were over the allowance only by their fleet process's own stall (not judged against the gateway)` : ''}.`,
    counts,
    examples,
    firstBreachAt: firstBreach === null ? null : ctx.rel(firstBreach),
  };
}

export function delayBands(ctx: Context, delays: Map<number, number[]>) {
  const b = ctx.plan.policy.backoff;
  return [...delays.keys()]
    .sort((x, y) => x - y)
    .map((n) => {
      const env = delayEnvelope(b, n, nominalDelay(b, n - 1));
      return { attempt: n, envelopeMin: env.min, envelopeMax: env.max, delays: delays.get(n)!.sort((x, y) => x - y) };
    });
}
