/**
 * sweep-cut — a sweep's smallest useful run: 20 clients, a 2 s cut one second into 5 s of traffic,
 * a short backoff so that every client is back before the end. The sweep test varies its jitter
 * and the gateway's ping interval (2 × 2 runs).
 */
import { defineScenario } from '../../../harness/config/scenario.ts';

export default defineScenario({
  name: 'sweep-cut',
  description: '20 clients, a 2 s cut at second 1 of 5; backoff 250 ms doubling to 1 s.',
  clients: 20,
  duration: '5s',
  sendInterval: '500ms',
  policy: { backoff: { initial: '250ms', max: '1s' } },
  faults: [{ type: 'cut', at: '1s', duration: '2s' }],
  thresholds: { delivery_latency: ['p(99)<250'], recovery_time: ['max<3000'] },
  drainTimeout: '10s',
});
