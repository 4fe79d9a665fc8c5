/**
 * latency-spike — the network stays up but slows down: +300 ms ± 100 ms on every chunk in both
 * directions for 10 s. No socket should drop, nothing should be lost; the spike shows on the
 * latency timeline and is left out of the steady-state percentiles, which must still hold.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'latency-spike',
  description: '+300 ms ± 100 ms for 10 s: no drop, no loss, steady-state latency intact.',
  clients: 1_000,
  duration: '30s',
  sendInterval: '2s',
  faults: [{ type: 'latency', at: '10s', duration: '10s', latency: '300ms', jitter: '100ms' }],
  thresholds: { delivery_latency: ['p(99)<250'] },
  profiles: {
    small: {
      clients: 100,
      duration: '10s',
      sendInterval: '500ms',
      faults: [{ type: 'latency', at: '3s', duration: '3s', latency: '300ms', jitter: '100ms' }],
    },
  },
});
