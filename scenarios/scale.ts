/**
 * scale — one host, 20,000 sockets (docs/scale.md).
 *
 * 20,000 clients in 2,000 chats of 10, one message per 20 s each (~1,000 msg/s sent, ~10,000
 * deliveries/s), connected at 2,000 sockets/s; at second 20 of 60 the network is cut for 5 s and
 * every socket drops. The preflight sizes the stack to the host's open-file limit: several
 * Toxiproxy servers and the reference gateway as several processes, each owning a share of the
 * chats behind its own proxies. Equal jitter spreads the 20,000 reconnects over a few seconds
 * (without it they would all arrive in the same millisecond, a storm of its own: reconnect-storm).
 *
 * Small size for the tests: --profile small (400 clients, the same shape in 10 s).
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'scale',
  description:
    '20,000 sockets on one host, one message per 20 s each, a 5 s cut: every client back within its backoff, nothing lost.',
  clients: 20_000,
  chatSize: 10,
  connectRate: 2_000,
  duration: '60s',
  sendInterval: '20s',
  policy: { backoff: { jitter: 'equal' } },
  faults: [{ type: 'cut', at: '20s', duration: '5s' }],
  thresholds: {
    delivery_latency: ['p(99)<1000'],
    recovery_time: ['max<15000'],
  },
  drainTimeout: '45s',
  profiles: {
    small: {
      clients: 400,
      duration: '10s',
      sendInterval: '2s',
      faults: [{ type: 'cut', at: '3s', duration: '3s' }],
      thresholds: { delivery_latency: ['p(99)<1000'], recovery_time: ['max<12000'] },
      drainTimeout: '20s',
    },
  },
});
