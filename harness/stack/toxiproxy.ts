/** Starts a real Toxiproxy server on loopback and creates the proxy in front of the gateway. */
import { Toxiproxy, type Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { spawnManaged, type ManagedProcess } from './process.ts';
import { ensureToxiproxy, TOXIPROXY_VERSION } from './toxiproxy-binary.ts';
import { makeResilient } from './toxiproxy-http.ts';
import { openFileLimit } from '../preflight/limits.ts';

export interface StartedToxiproxy {
  process: ManagedProcess;
  apiUrl: string;
  client: Toxiproxy;
  version: string;
  /** Its real open-file limit (/proc/<pid>/limits), null off Linux. */
  openFileLimit: number | null;
}

/**
 * The environment chatstorm runs each Toxiproxy server with (A/B in bench/stack.ts, docs/scale.md):
 * - LOG_LEVEL warn: per-connection info lines would be thousands per run;
 * - GOMAXPROCS 1: every byte crosses three goroutines per direction (reader, noop toxic, writer)
 *   over channels; with one P the hand-off stays on one thread instead of waking another P's
 *   thread each time. Measured: 0.65–0.72× the CPU per delivered message, 0.80–0.93× per connect.
 *   A pool has several servers anyway, and the host has few cores to share with the fleet and the gateway;
 * - GOGC 400: every link allocates four 32 KB copy buffers, so connects churn the heap; fewer
 *   collections cost 0.79–0.90× the CPU per connect. GOMEMLIMIT bounds what that lets the heap
 *   grow to (a server at its capacity, ~8,900 clients, holds ~1.4 GB of live links: four 32 KB
 *   buffers and six goroutines each); above ~410 MB of live links the limit, not GOGC, sets when
 *   the collector runs, so the saving shrinks towards a server's capacity.
 */
export const TOXIPROXY_ENV: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn', GOMAXPROCS: '1', GOGC: '400', GOMEMLIMIT: '2GiB' };

/** name: "toxiproxy" or "toxiproxy-<i>" in a pool; its log is logs/<name>.log. */
export async function startToxiproxy(
  logDir: string,
  log?: (l: string) => void,
  name = 'toxiproxy',
  env: NodeJS.ProcessEnv = TOXIPROXY_ENV,
): Promise<StartedToxiproxy> {
  const binary = ensureToxiproxy(log);
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const proc = await spawnManaged({
    name,
    command: binary,
    args: ['-host', '127.0.0.1', '-port', String(port)],
    env,
    logFile: join(logDir, `${name}.log`),
    readyUrl: `${apiUrl}/version`,
  });
  // Timeouts and retries on every API call (toxiproxy-http.ts).
  const client = makeResilient(new Toxiproxy(apiUrl));
  let version = TOXIPROXY_VERSION;
  try {
    const v = await client.getVersion();
    const reported = typeof v === 'string' ? v : JSON.stringify(v);
    // Binaries built by go install report "git"; the pinned module version is then the truth.
    if (reported && !reported.includes('git')) version = reported;
  } catch {
    /* keep the pinned version */
  }
  return { process: proc, apiUrl, client, version, openFileLimit: openFileLimit(proc.pid) };
}

/** A proxy on a fresh loopback port forwarding to upstream ("host:port"). */
export async function createProxy(client: Toxiproxy, name: string, upstream: string): Promise<ToxiproxyProxy> {
  const port = await freePort();
  return client.createProxy({ name, listen: `127.0.0.1:${port}`, upstream });
}
