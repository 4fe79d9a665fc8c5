/**
 * The CPU a plan asks of this host, estimated before it starts (pure: plan and cores in, numbers
 * and notes out).
 *
 * Rule: the fleet, the Toxiproxy pool and (when it is the reference gateway on this host) the
 * gateway share the host's cores. A run whose traffic asks more than CPU_WARN of them will have its
 * host oversubscribed, and its timed checks will then be `inconclusive` naming the host
 * (generator-health). That is not refused — contention lengthens what is measured, it does not stop
 * the run, and the run judges its own host — but it is said before anything starts, with the
 * numbers and a remedy, and written to plan.json (`cpuEstimate`). `--cpu-fit refuse` (a CI gate that
 * would rather stop at once than run minutes to an inconclusive verdict) refuses it instead, exit 64:
 * when the traffic is over CPU_WARN or a dropping fault's reconnects cannot fit its recovery_time —
 * not for the connect rate alone (the connect phase stretches to what the cores give).
 *
 * COSTS are CPU µs per unit of work of each part, measured on the reference host (2 vCPUs, nothing
 * else running) by `npx node bench/stack.ts --sockets 4000 --traffic 15` (1 Dec 2026 03:30 UTC, load
 * 0.23): one fleet worker → two Toxiproxy servers → two reference-gateway processes, 8,000
 * deliveries/s. A delivery's cost includes its share of the send and the ack (one send per chatSize
 * deliveries) and of the pings. A reconnect's cost is per socket reopened after a cut, its failed
 * attempts during the cut included. They are a lower bound: on that host the `scale` scenario
 * measured 1.4× these per delivery while it was oversubscribed (docs/scale.md), and a faster host
 * needs less. The kernel's share not attributed to a process (REST_US) was measured there too.
 * Another host measures its own with `npx node bench/stack.ts --write-costs <file>` and passes the file
 * with `--cpu-costs` (harness/config/cpu-costs.ts); the estimate then uses those, and says so.
 */
import type { CpuCosts } from '../config/cpu-costs.ts';
import type { CpuEstimate, RunPlan } from '../config/plan.ts';
import { DROPPING } from './capacity.ts';

export type Part = CpuEstimate['parts'][number];
export interface UnitCosts {
  connect: number;
  delivery: number;
  reconnect: number;
}
export const COSTS: Record<Part, UnitCosts> = {
  fleet: { connect: 500, delivery: 70, reconnect: 1_335 },
  toxiproxy: { connect: 390, delivery: 62, reconnect: 570 },
  gateway: { connect: 575, delivery: 55, reconnect: 615 },
};
/** µs per delivery the host spent outside the run's processes (the coordinator, the kernel), from `scale`'s samples. */
export const REST_US = 10;
/** Share of the cores the traffic phase may ask before the run is said not to fit its CPU. */
export const CPU_WARN = 0.8;
/**
 * Said after the notes drawn from the built-in costs: the host they were measured on was the slowest
 * this kind of host has been, and the same host type has measured far less since (`npx node bench/stack.ts
 * --write-costs`, 2 Dec 03:15 UTC: 0.16–0.38× of every figure; docs/scale.md) — when `scale` passed
 * with recovery in 7.9 s where these costs say 25 s.
 */
export const BUILT_IN_CAVEAT =
  "CPU: these figures use the built-in costs, from a quiet 2-vCPU host on 1 Dec 2026; the same kind of host measured 0.16–0.38× of them on 2 Dec, so they can overstate what this run asks several times. This host's own: npx node bench/stack.ts --write-costs <file>, then --cpu-costs <file>.";
/** The costs used without --cpu-costs. */
export const BUILT_IN_COSTS: CpuCosts = {
  from: "built in: measured on a quiet 2-vCPU reference host, 1 Dec 2026 (--cpu-costs for this host's own)",
  costs: COSTS,
  restUs: REST_US,
};

type PlanPart = Pick<
  RunPlan,
  'clients' | 'chatSize' | 'connectRate' | 'sendIntervalMs' | 'faults' | 'stack' | 'target' | 'docker' | 'thresholds'
> & { remoteTarget?: string; cpuCosts?: CpuCosts };

function gatewayCounted(plan: PlanPart): string | null {
  if (plan.stack === 'testcontainers')
    return plan.docker?.gatewayImage
      ? `the gateway image ${plan.docker.gatewayImage} is not the reference gateway`
      : null;
  if (plan.target.kind === 'local')
    return plan.target.gatewayCommand
      ? `--gateway-cmd ${plan.target.gatewayCommand[0]} is not the reference gateway`
      : null;
  return plan.remoteTarget
    ? `the gateway runs on another host (${plan.remoteTarget})`
    : 'the --target gateway is not the reference gateway';
}

const r2 = (n: number) => Math.round(n * 100) / 100;

/** "fleet, Toxiproxy, gateway": the parts counted, for a sentence. */
export const partsName = (parts: readonly string[]) =>
  parts.map((p) => (p === 'toxiproxy' ? 'Toxiproxy' : p)).join(', ');

export function estimateCpu(plan: PlanPart, cores: number): CpuEstimate {
  const gatewayNote = gatewayCounted(plan);
  const parts: Part[] = gatewayNote ? ['fleet', 'toxiproxy'] : ['fleet', 'toxiproxy', 'gateway'];
  const used = plan.cpuCosts ?? BUILT_IN_COSTS;
  const sum = (k: keyof UnitCosts) => Math.round(parts.reduce((s, p) => s + used.costs[p][k], 0));
  const perConnect = sum('connect');
  const perDelivery = Math.round(sum('delivery') + used.restUs);
  const perReconnect = sum('reconnect');
  const measured = plan.cpuCosts ? `from --cpu-costs ${used.from}` : 'measured on a quiet 2-vCPU host';

  const connectCores = (plan.connectRate * perConnect) / 1e6;
  const maxRate = Math.floor((cores * 1e6) / perConnect);
  const deliveriesPerSecond = Math.round((plan.clients / (plan.sendIntervalMs / 1_000)) * plan.chatSize);
  const trafficCores = (deliveriesPerSecond * perDelivery) / 1e6;
  const maxDeliveries = Math.floor((CPU_WARN * cores * 1e6) / perDelivery);
  const dropping = plan.faults.filter((f) => DROPPING.has(f.type));
  const worst = dropping.sort((a, b) => b.fraction - a.fraction)[0];
  const recovery = worst
    ? (() => {
        const reconnects = Math.round(plan.clients * worst.fraction);
        const coreSeconds = (reconnects * perReconnect) / 1e6;
        return { fault: worst.id, reconnects, coreSeconds: r2(coreSeconds), minSeconds: r2(coreSeconds / cores) };
      })()
    : null;

  const partsText = partsName(parts);
  const notes: string[] = [];
  const share = trafficCores / cores;
  const overTraffic = share > CPU_WARN;
  if (overTraffic) {
    notes.push(
      `CPU: the traffic phase asks ${deliveriesPerSecond} deliveries/s; at ${perDelivery} µs of CPU each (${partsText} and the kernel, ${measured}) that is about ${r2(trafficCores)} of this host's ${cores} cores (${Math.round(share * 100)} %, over ${Math.round(CPU_WARN * 100)} %). ` +
        `A run over it oversubscribes its host: its timed checks end inconclusive, naming the host. ` +
        `Remedy: at most ${maxDeliveries} deliveries/s fit (fewer clients or a longer sendInterval), shards on several hosts (docs/scaling.md)${gatewayNote ? '' : ', or the gateway on another host (--target)'}.`,
    );
  }
  // A short connect phase is over before the rate matters: said only when it costs a second or more.
  const planned = plan.clients / plan.connectRate;
  const atBest = plan.clients / maxRate;
  if (connectCores > cores && atBest - planned >= 1) {
    notes.push(
      `CPU: ${plan.connectRate} connects/s at ${perConnect} µs of CPU each (${partsText}) need ${r2(connectCores)} cores; this host's ${cores} give at most ~${maxRate}/s, so connecting ${plan.clients} clients takes about ${r2(atBest)} s, not ${r2(planned)} s (the connect phase stretches up to 4× its budget).`,
    );
  }
  const recoveryLimit = plan.thresholds.recovery_time?.find(
    (t) => t.aggregation.kind === 'max' && t.op.startsWith('<'),
  );
  const overRecovery =
    recovery !== null && recoveryLimit !== undefined && recovery.minSeconds * 1_000 >= recoveryLimit.limit;
  if (recovery && recoveryLimit && overRecovery) {
    notes.push(
      `CPU: ${recovery.fault} drops ${recovery.reconnects} sockets; reopening them costs ${perReconnect} µs each (${partsText}), ${recovery.coreSeconds} CPU-seconds: about ${recovery.minSeconds} s of all ${cores} cores, beyond recovery_time ${recoveryLimit.expression} ms.`,
    );
  }
  if (notes.length && !plan.cpuCosts) notes.push(BUILT_IN_CAVEAT);
  if (notes.length && gatewayNote) notes.push(`CPU: the gateway is not counted: ${gatewayNote}.`);
  return {
    cores,
    parts,
    gatewayNote,
    costsFrom: used.from,
    connect: { rate: plan.connectRate, cores: r2(connectCores), maxRate },
    traffic: { deliveriesPerSecond, cores: r2(trafficCores), share: r2(share), maxDeliveriesPerSecond: maxDeliveries },
    recovery,
    notes,
    fits: !overTraffic && !overRecovery,
  };
}
