/**
 * The key figures of one run that capacity planning and tuning compare across runs: latency,
 * connect failures, detection and recovery, the reconnect storm, messages lost, what the load cost
 * the gateway, and which check broke first. Pure: read from a run's summary.json (and plan.json
 * for the send interval), so a capacity step or a sweep point can be re-read from its folder.
 */
import type { Summary } from '../report/summary.ts';

export interface RunFigures {
  runId: string;
  verdict: string;
  clients: number;
  /** Messages sent per second by the whole fleet (clients / send interval); null without plan.json. */
  rate: number | null;
  latency: { p50: number | null; p99: number | null; max: number | null };
  /** Connect attempts that failed, for any reason, over the whole run. */
  connectFailures: number;
  /** Worst fault's time until 99 % of its affected clients were back (ms); null: no fault knocked anyone off. */
  recoveryP99: number | null;
  /** Clients that never came back after some fault. */
  notRecovered: number;
  /** Worst fault's time to detect (max over its clients, ms): for a half-open link, how long until a client noticed. */
  detectMax: number | null;
  /** Largest reconnect-storm peak (connect attempts in one second) after any restore. */
  stormPeak: number | null;
  stormP99: number | null;
  /** Deliveries lost (the delivery check's count). */
  messagesLost: number | null;
  /** The gateway process (local stack only): mean and max CPU (fraction of one core), max resident memory (MB). */
  gateway: {
    cpuMean: number;
    cpuMax: number;
    rssMaxMb: number;
    cpuPer1kSockets: number;
    rssKbPerSocket: number;
  } | null;
  /** Thresholds breached, as "metric expression (observed …)". */
  breaches: string[];
  /** The first check to break (earliest first breach), with why; null when every check passed. */
  brokeFirst: { check: string; verdict: string; at: number | null; why: string } | null;
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

export function runFigures(s: Summary, plan: { sendIntervalMs?: number } | null): RunFigures {
  const m = s.metrics;
  const faults = m?.faults ?? [];
  const finite = (list: (number | null | undefined)[]) =>
    list.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const maxOf = (list: (number | null | undefined)[]) => (finite(list).length ? Math.max(...finite(list)) : null);
  const gw = (m?.stack ?? []).filter((x) => x.name === 'gateway');
  const breaches = s.checks.flatMap((c) =>
    (c.thresholds ?? [])
      .filter((t) => !t.ok)
      .map((t) => `${t.metric} ${t.expression} (observed ${t.observed === null ? 'never' : Math.round(t.observed)})`),
  );
  const notPassed = s.checks.filter((c) => c.verdict !== 'pass');
  notPassed.sort(
    (a, b) => (a.firstBreachAt ?? Number.POSITIVE_INFINITY) - (b.firstBreachAt ?? Number.POSITIVE_INFINITY),
  );
  const first = notPassed[0];
  const delivery = s.checks.find((c) => c.name === 'delivery');
  const cpuMean = gw.length ? gw.reduce((a, x) => a + x.cpu, 0) / gw.length : 0;
  return {
    runId: s.runId,
    verdict: s.verdict,
    clients: s.clients,
    rate: plan?.sendIntervalMs ? round((s.clients * 1_000) / plan.sendIntervalMs, 1) : null,
    latency: {
      p50: m?.latency?.steady?.p50 ?? null,
      p99: m?.latency?.steady?.p99 ?? null,
      max: m?.latency?.steady?.max ?? null,
    },
    connectFailures: Object.values(m?.failureReasons ?? {}).reduce((a, b) => a + b, 0),
    recoveryP99: faults.some((f) => f.notRecovered > 0) ? null : maxOf(faults.map((f) => f.recover?.p99)),
    notRecovered: faults.reduce((a, f) => a + (f.notRecovered ?? 0), 0),
    detectMax: maxOf(faults.map((f) => f.detect?.max)),
    stormPeak: maxOf((m?.reconnectStorm ?? []).map((x) => x.peak)),
    stormP99: maxOf((m?.reconnectStorm ?? []).map((x) => x.p99)),
    messagesLost: typeof delivery?.counts?.lost === 'number' ? delivery.counts.lost : null,
    gateway: gw.length
      ? {
          cpuMean: round(cpuMean),
          cpuMax: Math.max(...gw.map((x) => x.cpu)),
          rssMaxMb: Math.max(...gw.map((x) => x.rssMb)),
          cpuPer1kSockets: round((cpuMean * 1_000) / Math.max(1, s.clients), 4),
          rssKbPerSocket: round((Math.max(...gw.map((x) => x.rssMb)) * 1_024) / Math.max(1, s.clients), 1),
        }
      : null,
    breaches,
    brokeFirst: first
      ? { check: first.name, verdict: first.verdict, at: first.firstBreachAt ?? null, why: first.summary }
      : null,
  };
}
