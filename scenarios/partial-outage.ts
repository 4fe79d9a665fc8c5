/**
 * partial-outage — only some clients lose the network: clients are spread over 10 proxies and 3
 * of them are cut for 10 s. The 70 % that stay connected keep chatting in real time with the 30 %
 * that drop; those must come back, resume and miss nothing.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'partial-outage',
  description:
    '30 % of clients cut for 10 s while the rest keep chatting: only they reconnect, nobody misses anything.',
  clients: 1_000,
  duration: '30s',
  sendInterval: '2s',
  proxies: 10,
  faults: [{ type: 'cut', at: '10s', duration: '10s', fraction: 0.3 }],
  thresholds: { delivery_latency: ['p(99)<250'] },
  profiles: {
    small: {
      clients: 100,
      duration: '12s',
      sendInterval: '500ms',
      faults: [{ type: 'cut', at: '3s', duration: '4s', fraction: 0.3 }],
    },
  },
});
