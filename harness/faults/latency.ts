/** latency: every chunk delayed by `latency` ± `jitter` ms (Toxiproxy latency toxic). */
import { toxicFault } from './toxic.ts';

export const latency = toxicFault('latency', 'latency', (p) => ({ latency: Number(p.params.latency), jitter: Number(p.params.jitter) }));
