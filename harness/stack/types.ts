import type { Toxiproxy, Proxy } from 'toxiproxy-node-client';
import type { RuntimeFailure } from './process.ts';

/** A gateway reachable through Toxiproxy, ready for a run. Stopping it is the caller's teardown. */
export interface StartedStack extends AsyncDisposable {
  provider: 'local' | 'external';
  /** ws://host:port of the proxy in front of the gateway: what clients connect to. */
  gatewayUrl: string;
  /** ws://host:port of the gateway itself, bypassing the proxy. */
  directUrl: string;
  toxiproxy: Toxiproxy;
  /** The proxies clients are spread over (one for now). */
  proxies: Proxy[];
  versions: Record<string, string>;
  logs: string[];
  /** Runtime failures seen so far (a process that exited on its own). */
  failures(): RuntimeFailure[];
  stop(): Promise<void>;
}
