/**
 * Sizing a run to the host, and refusing a run that cannot fit (pure: host facts in, numbers out).
 *
 * Descriptors a socket costs, per process:
 *   fleet worker        1 per client it holds
 *   Toxiproxy server    2 per client through it (client side + upstream side)
 *   reference gateway   1 per client of its chats
 * Each process keeps RESERVE_FDS for its logs, listeners, API and pipes, and is filled to at most
 * FILL of what remains: sockets of a drop linger while their reconnects open new ones.
 *
 * Ephemeral ports are per (source address, destination address:port). Client sockets go from
 * each source address to one proxy listener; Toxiproxy's upstream sockets go from 127.0.0.1 to
 * one gateway process. When the plan drops connections (cut, flapping, gateway-restart, reset_peer),
 * the closed socket's port may sit in TIME_WAIT while its reconnect needs another: counted twice.
 *
 * Memory is an estimate per socket (MEM_KB_PER_SOCKET, all processes together, kernel buffers
 * included) plus a base per process; it is checked against MemAvailable.
 */
import type { RunPlan } from '../config/plan.ts';
import type { HostFacts } from './host.ts';

export const RESERVE_FDS = 256;
export const FILL = 0.9;
export const MEM_KB_PER_SOCKET = 160;
export const MEM_MB_PER_PROCESS = 80;
/** Faults that drop every socket they act on. */
export const DROPPING = new Set(['cut', 'flapping', 'gateway-restart', 'reset_peer']);

export interface Layout {
  /** Toxiproxy server processes (local and external stacks). */
  toxiproxies: number;
  /** Reference-gateway processes, each owning a share of the chats; 1 for any other gateway. */
  gatewayShards: number;
  /** Proxies in all: a multiple of both toxiproxies and gatewayShards, at least plan.proxies. */
  proxies: number;
}

export function fdCapacity(openFiles: number, fdsPerClient: number): number {
  return Math.max(0, Math.floor(((openFiles - RESERVE_FDS) / fdsPerClient) * FILL));
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

type PlanPart = Pick<RunPlan, 'clients' | 'workers' | 'proxies' | 'target' | 'faults' | 'stack'> & {
  authProbes?: unknown[];
  sourceIps?: string[];
};

export function planLayout(plan: PlanPart, host: Pick<HostFacts, 'openFiles'>): Layout {
  const sockets = plan.clients + (plan.authProbes?.length ?? 0);
  const toxiproxies =
    plan.stack === 'local' ? Math.max(1, Math.ceil(sockets / Math.max(1, fdCapacity(host.openFiles, 2)))) : 1;
  const reference = plan.stack === 'local' && plan.target.kind === 'local' && plan.target.gatewayCommand === null;
  const gatewayShards = reference ? Math.max(1, Math.ceil(sockets / Math.max(1, fdCapacity(host.openFiles, 1)))) : 1;
  const lcm = (toxiproxies * gatewayShards) / gcd(toxiproxies, gatewayShards);
  const proxies = Math.ceil(Math.max(plan.proxies, lcm) / lcm) * lcm;
  return { toxiproxies, gatewayShards, proxies };
}

export interface Refusal {
  limit: string;
  detail: string;
  remedy: string;
}

/** Every way the plan does not fit the host; empty when it fits. */
export function checkFit(plan: PlanPart, layout: Layout, host: HostFacts): Refusal[] {
  const out: Refusal[] = [];
  const sockets = plan.clients + (plan.authProbes?.length ?? 0);
  const fdLimit = `open files per process (${host.openFiles}, from ${host.sources.openFiles})`;
  const perWorker = Math.ceil(sockets / plan.workers);
  const workerCap = fdCapacity(host.openFiles, 1);
  if (perWorker > workerCap) {
    out.push({
      limit: fdLimit,
      detail: `each of ${plan.workers} fleet worker(s) would hold ${perWorker} sockets; one process can hold ${workerCap} (${host.openFiles} − ${RESERVE_FDS} reserved, × ${FILL})`,
      remedy: `--workers ${Math.ceil(sockets / workerCap)} or more`,
    });
  }
  if (plan.stack === 'local') {
    const perToxi = Math.ceil(sockets / layout.toxiproxies);
    const toxiCap = fdCapacity(host.openFiles, 2);
    if (perToxi > toxiCap)
      out.push({
        limit: fdLimit,
        detail: `each of ${layout.toxiproxies} Toxiproxy server(s) would carry ${perToxi} clients at 2 descriptors each; one can carry ${toxiCap}`,
        remedy: `raise the hard limit (ulimit -Hn) or run fewer clients`,
      });
    const perShard = Math.ceil(sockets / layout.gatewayShards);
    const gwCap = fdCapacity(host.openFiles, 1);
    if (plan.target.kind === 'local' && perShard > gwCap) {
      out.push({
        limit: fdLimit,
        detail: `the local gateway (${plan.target.gatewayCommand ? `--gateway-cmd ${plan.target.gatewayCommand.join(' ')}` : 'reference'}) runs as ${layout.gatewayShards} process(es) of ${perShard} sockets; one can hold ${gwCap}`,
        remedy: plan.target.gatewayCommand
          ? `shard your gateway and test it with --target per shard, or run at most ${gwCap} clients`
          : `raise the hard limit (ulimit -Hn)`,
      });
    }
  }
  // Ports: client → proxy listener, per source address; Toxiproxy → gateway process, from 127.0.0.1.
  const drops = plan.faults.some((f) => DROPPING.has(f.type)) ? 2 : 1;
  const sources = Math.max(1, plan.sourceIps?.length ?? 1);
  const portLimit = `ephemeral ports per source address and destination (${host.ephemeralPorts}: ${host.portRange[0]}–${host.portRange[1]}, from ${host.sources.ephemeralPorts})`;
  const perListener = Math.ceil(sockets / layout.proxies / sources) * drops;
  if (perListener > host.ephemeralPorts) {
    out.push({
      limit: portLimit,
      detail: `${Math.ceil(sockets / layout.proxies / sources)} client sockets per proxy listener per source address${drops > 1 ? ' × 2 (a drop leaves ports in TIME_WAIT while reconnects open new ones)' : ''} = ${perListener}`,
      remedy: `--source-ips 127.0.0.2-127.0.0.${1 + Math.ceil((sockets * drops) / layout.proxies / host.ephemeralPorts)} or a scenario with more proxies`,
    });
  }
  const upstreamPerGateway = Math.ceil(sockets / layout.gatewayShards) * drops;
  if (upstreamPerGateway > host.ephemeralPorts) {
    out.push({
      limit: portLimit,
      detail: `Toxiproxy opens ${Math.ceil(sockets / layout.gatewayShards)} upstream sockets from 127.0.0.1 to each gateway process${drops > 1 ? ' × 2 (TIME_WAIT)' : ''} = ${upstreamPerGateway}`,
      remedy:
        plan.target.kind === 'local' && !plan.target.gatewayCommand
          ? 'fewer clients'
          : 'run the gateway as several processes (the reference gateway shards itself), or fewer clients',
    });
  }
  const processes = plan.workers + (plan.stack === 'local' ? layout.toxiproxies + layout.gatewayShards : 0) + 1;
  const needMb = Math.ceil((sockets * MEM_KB_PER_SOCKET) / 1024 + processes * MEM_MB_PER_PROCESS);
  if (needMb > host.memAvailableMb) {
    out.push({
      limit: `memory (${host.memAvailableMb} MB available, from ${host.sources.memAvailableMb})`,
      detail: `${sockets} sockets × ${MEM_KB_PER_SOCKET} KB + ${processes} processes × ${MEM_MB_PER_PROCESS} MB ≈ ${needMb} MB`,
      remedy: `fewer clients, or free memory`,
    });
  }
  return out;
}
