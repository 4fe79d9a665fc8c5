/**
 * One action on every proxy of the pool at once. Every proxy is tried even when one fails; the
 * error then names each proxy that failed (its name and Toxiproxy server) and why, so that the run's
 * `error` says where the fault did not happen.
 */
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';

export async function onEveryProxy(
  proxies: ToxiproxyProxy[],
  action: (p: ToxiproxyProxy) => Promise<unknown>,
): Promise<void> {
  const results = await Promise.allSettled(proxies.map(action));
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected'
      ? [
          `proxy ${proxies[i].name} on Toxiproxy ${proxies[i].getHost()}: ${(r.reason as Error)?.message ?? String(r.reason)}`,
        ]
      : [],
  );
  if (failed.length) throw new Error(`${failed.length} of ${proxies.length} proxies: ${failed.join('; ')}`);
}
