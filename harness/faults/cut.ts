/**
 * cut: the proxy is disabled — Toxiproxy closes every open connection and refuses new ones — and
 * enabled again when the fault ends. What a pulled cable looks like to a client whose OS notices.
 */
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { z } from 'zod';
import { onEveryProxy } from './each-proxy.ts';
import { timing } from './entry.ts';
import { defineFault } from './types.ts';

/** Every proxy disabled (enabled: false) or enabled again; flapping toggles with these too. */
export async function setEnabled(proxies: ToxiproxyProxy[], enabled: boolean): Promise<void> {
  await onEveryProxy(proxies, (p) => p.update({ enabled, listen: p.listen, upstream: p.upstream }));
}

export const cut = defineFault({
  type: 'cut',
  schema: z.strictObject({ type: z.literal('cut'), ...timing }),
  on: 'proxies',
  drops: true,
  params: () => ({}),
  async apply({ proxies }) {
    await setEnabled(proxies, false);
  },
  async remove({ proxies }) {
    await setEnabled(proxies, true);
  },
});
