/** bandwidth: throughput limited to `rate` KB/s (Toxiproxy bandwidth toxic). */
import { toxicFault } from './toxic.ts';

export const bandwidth = toxicFault('bandwidth', 'bandwidth', (p) => ({ rate: Number(p.params.rate) }));
