/**
 * cut: the proxy is disabled — Toxiproxy closes every open connection and refuses new ones — and
 * enabled again when the fault ends. What a pulled cable looks like to a client whose OS notices.
 */
import { onEveryProxy } from './each-proxy.ts';
import type { Fault } from './types.ts';

export const cut: Fault = {
  type: 'cut',
  async apply({ proxies }) {
    await onEveryProxy(proxies, (p) => p.update({ enabled: false, listen: p.listen, upstream: p.upstream }));
  },
  async remove({ proxies }) {
    await onEveryProxy(proxies, (p) => p.update({ enabled: true, listen: p.listen, upstream: p.upstream }));
  },
};
