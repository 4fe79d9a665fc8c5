import type { Toxiproxy, Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import type { RestartableGateway } from '../faults/types.ts';
import type { RuntimeFailure } from './process.ts';

/** A gateway reachable through Toxiproxy, ready for a run. Stopping it is the caller's teardown. */
export interface StartedStack extends AsyncDisposable {
  provider: 'local' | 'external' | 'testcontainers';
  /** ws://host:port of the proxy in front of the gateway: what clients connect to. */
  gatewayUrl: string;
  /** ws://host:port of the gateway itself, bypassing the proxy. */
  directUrl: string;
  toxiproxy: Toxiproxy;
  /** The proxies clients are spread over, round-robin; gatewayUrl is the first one's. */
  proxies: ToxiproxyProxy[];
  /** ws://host:port of each proxy, in the same order. */
  proxyUrls: string[];
  /**
   * When the gateway runs as several processes: routes[g] lists the proxies in front of process g,
   * and chat k goes to process k mod routes.length. Absent: one gateway behind every proxy.
   */
  routes?: number[][];
  /** Log files of the Toxiproxy servers (scanned for accept errors: the instrument's own). */
  toxiproxyLogs?: string[];
  /** Present when chatstorm started the gateway and can restart it. */
  gateway: RestartableGateway | null;
  versions: Record<string, string>;
  logs: string[];
  /** Processes of the stack on this host, for CPU and memory samples (local provider). */
  processes?(): { name: string; pid: number }[];
  /** Runtime failures seen so far (a process that exited on its own). */
  failures(): RuntimeFailure[];
  stop(): Promise<void>;
}
