/**
 * steady-load — latency under sustained load, no fault: 2,000 sockets, one message every 5 s
 * each (~400 msg/s sent, ~4,000 deliveries/s), for a minute. The generator-health check vouches
 * that the load generator, not the gateway, set the pace.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'steady-load',
  description: '2,000 sockets, ~4,000 deliveries/s for 60 s, no fault: real-time latency in steady state.',
  clients: 2_000,
  duration: '60s',
  sendInterval: '5s',
  thresholds: { delivery_latency: ['p(99)<250', 'p(99.9)<500', 'max<2000'] },
  profiles: { small: { clients: 200, duration: '8s', sendInterval: '1s' } },
});
