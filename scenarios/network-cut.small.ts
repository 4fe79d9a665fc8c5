/**
 * network-cut at test size: the release-gate scenario shrunk for the end-to-end tests and quick
 * local checks (100 clients, 12 s of traffic, the same 5 s cut, equal jitter so reconnects spread
 * out and a gateway that skips resume has messages to lose). Finishes in about 25 s.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'network-cut-small',
  description: 'network-cut at test size: 100 clients, a 5 s cut at second 4 of 12.',
  clients: 100,
  chatSize: 10,
  duration: '12s',
  sendInterval: '500ms',
  policy: { backoff: { jitter: 'equal' } },
  faults: [{ type: 'cut', at: '4s', duration: '5s' }],
  thresholds: {
    delivery_latency: ['p(99)<250'],
    recovery_time: ['max<12000'],
  },
  drainTimeout: '20s',
});
