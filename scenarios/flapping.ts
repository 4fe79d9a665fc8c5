/**
 * flapping — the network drops for 1 s in every 4 s, five times. Each drop closes every socket;
 * each client must come back by its backoff, resume, and never give up during flaps this short.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'flapping',
  description: 'Down 1 s in every 4 s for 20 s: repeated drops, every client back after each, nothing lost.',
  clients: 1_000,
  duration: '40s',
  sendInterval: '2s',
  faults: [{ type: 'flapping', at: '10s', duration: '20s', period: '4s', down: '1s' }],
  thresholds: { delivery_latency: ['p(99)<250'] },
  drainTimeout: '40s',
  profiles: {
    small: {
      clients: 100,
      duration: '16s',
      sendInterval: '500ms',
      faults: [{ type: 'flapping', at: '3s', duration: '8s', period: '4s', down: '1s' }],
      drainTimeout: '20s',
    },
  },
});
