/**
 * --target: a gateway chatstorm did not start. Toxiproxy is still ours, in front of it, so the
 * same faults apply. The gateway must accept tokens minted with --jwt-secret.
 */
import type { RunPlan } from '../config/plan.ts';
import { createProxy, startToxiproxy } from './toxiproxy.ts';
import type { StartedStack } from './types.ts';

export async function startExternalStack(plan: RunPlan, logDir: string, log?: (l: string) => void): Promise<StartedStack> {
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
      throw Object.assign(new Error(`--target ${plan.target.url}: nothing answers at ${health} (${(e as Error).cause ?? (e as Error).message})`), { code: 'target-unreachable' });
    }
    await res.body?.cancel();
    if (!res.ok) {
      throw Object.assign(new Error(`--target ${plan.target.url}: ${health} answered HTTP ${res.status}, not 2xx: not a ready chat-v1 gateway (--skip-healthz for a gateway without /healthz)`), { code: 'target-not-ready' });
    }
  }
  const toxi = await startToxiproxy(logDir, log);
  try {
    const proxies = [];
    for (let i = 0; i < plan.proxies; i++) proxies.push(await createProxy(toxi.client, `gateway-${i}`, `${target.hostname}:${port}`));
    const proxyUrls = proxies.map((p) => `ws://${p.listen}`);
    const stop = () => toxi.process.stop();
    return {
      provider: 'external',
      gatewayUrl: proxyUrls[0],
      proxyUrls,
      gateway: null,
      directUrl: plan.target.url,
      toxiproxy: toxi.client,
      proxies,
      versions: { toxiproxy: toxi.version, gateway: `external ${plan.target.url}` },
      logs: [toxi.process.logFile],
      failures: () => [toxi.process.unexpectedExit].filter((f) => f !== null),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await toxi.process.stop();
    throw e;
  }
}
