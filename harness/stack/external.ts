/**
 * --target: a gateway chatstorm did not start. Toxiproxy is still ours, in front of it (a pool of
 * servers when the share is large, as in the local stack), so the same faults apply. The gateway must accept tokens minted with --jwt-secret.
 */
import type { RunPlan } from '../config/plan.ts';
import { planLayout } from '../preflight/capacity.ts';
import { openFileLimit } from '../preflight/limits.ts';
import { createProxy, startToxiproxy, type StartedToxiproxy } from './toxiproxy.ts';
import type { StartedStack } from './types.ts';

export async function startExternalStack(
  plan: RunPlan,
  logDir: string,
  log?: (l: string) => void,
): Promise<StartedStack> {
  if (plan.target.kind !== 'external') throw new Error('startExternalStack needs an external target');
  const target = new URL(plan.target.url);
  const port = target.port || '80';
  const health = `http://${target.hostname}:${port}/healthz`;
  // A gateway that is not there fails here, with its address, not later as 1,000 refused sockets;
  // and only a 2xx counts: a 404 from some other server on that port is not a gateway.
  if (plan.target.healthCheck) {
    let res: Response;
    try {
      res = await fetch(health, { signal: AbortSignal.timeout(5_000) });
    } catch (e) {
      throw Object.assign(
        new Error(
          `--target ${plan.target.url}: nothing answers at ${health} (${(e as Error).cause ?? (e as Error).message})`,
        ),
        { code: 'target-unreachable' },
      );
    }
    await res.body?.cancel();
    if (!res.ok) {
      throw Object.assign(
        new Error(
          `--target ${plan.target.url}: ${health} answered HTTP ${res.status}, not 2xx: not a ready chat-v1 gateway (--skip-healthz for a gateway without /healthz)`,
        ),
        { code: 'target-not-ready' },
      );
    }
  }
  // Toxiproxy is ours: a pool sized by the preflight to this run's (or this shard's) share, as the
  // local stack's, and sampled the same way (processes, logs) so generator-health watches it.
  const layout = plan.layout ?? planLayout(plan, { openFiles: openFileLimit('self') ?? 1024 });
  const servers: StartedToxiproxy[] = [];
  const stop = async () => void (await Promise.all(servers.map((s) => s.process.stop())));
  try {
    const starts = await Promise.allSettled(
      Array.from({ length: layout.toxiproxies }, (_, t) =>
        startToxiproxy(logDir, log, layout.toxiproxies > 1 ? `toxiproxy-${t}` : 'toxiproxy'),
      ),
    );
    for (const r of starts) if (r.status === 'fulfilled') servers.push(r.value);
    const failed = starts.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const proxies = [];
    for (let i = 0; i < layout.proxies; i++)
      proxies.push(await createProxy(servers[i % servers.length].client, `gateway-${i}`, `${target.hostname}:${port}`));
    const proxyUrls = proxies.map((p) => `ws://${p.listen}`);
    return {
      provider: 'external',
      gatewayUrl: proxyUrls[0],
      proxyUrls,
      gateway: null,
      directUrl: plan.target.url,
      toxiproxy: servers[0].client,
      proxies,
      versions: {
        toxiproxy: servers[0].version,
        gateway: `external ${plan.target.url}`,
        ...(servers.length > 1 ? { toxiproxyPool: `${servers.length} servers, ${proxies.length} proxies` } : {}),
      },
      logs: servers.map((s) => s.process.logFile),
      toxiproxyLogs: servers.map((s) => s.process.logFile),
      processes: () => servers.map((s) => ({ name: s.process.name, pid: s.process.pid })),
      failures: () => servers.map((s) => s.process.unexpectedExit).filter((f) => f !== null),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
