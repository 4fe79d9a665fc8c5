/**
 * bandwidth-squeeze — each connection squeezed to 1 KB/s downstream for 10 s while every client
 * receives ~2 KB/s: a backlog builds, then drains once the squeeze ends. Late, but nothing lost,
 * nothing out of order, no reconnect.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'bandwidth-squeeze',
  description: '1 KB/s per connection for 10 s under ~2 KB/s of traffic: backlog, then catch-up, nothing lost.',
  clients: 500,
  duration: '30s',
  sendInterval: '1s',
  messageBytes: 100,
  faults: [{ type: 'bandwidth', at: '10s', duration: '10s', rate: 1, stream: 'downstream' }],
  thresholds: { delivery_latency: ['p(99)<250'] },
  profiles: {
    small: {
      clients: 50,
      duration: '10s',
      faults: [{ type: 'bandwidth', at: '3s', duration: '3s', rate: 1, stream: 'downstream' }],
    },
  },
});
