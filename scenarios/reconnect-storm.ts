/**
 * reconnect-storm — an outage long enough for the backoff to reach its 30 s cap (35 s: attempts
 * at +1, +3, +7, +15, +31 s are refused, the next comes 30 s later). Without jitter every client
 * drops at the same instant and so returns in the same instant: 1,000 handshakes in one burst.
 * The report's attempts-per-second and connecting-sockets charts show the storm, and recovery
 * time and latency right after it show what it did to the gateway. The `jitter` profile runs the
 * same outage with full jitter, for comparison (`chatstorm compare`).
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'reconnect-storm',
  description:
    'A 35 s outage: the backoff reaches its 30 s cap and, without jitter, 1,000 clients return in one burst.',
  clients: 1_000,
  duration: '80s',
  sendInterval: '5s',
  faults: [{ type: 'cut', at: '10s', duration: '35s' }],
  thresholds: { delivery_latency: ['p(99)<250'], recovery_time: ['max<35000'] },
  drainTimeout: '60s',
  profiles: {
    jitter: { policy: { backoff: { jitter: 'full' } } },
    small: {
      clients: 100,
      duration: '14s',
      sendInterval: '1s',
      policy: { backoff: { initial: '250ms', max: '2s' } },
      faults: [{ type: 'cut', at: '2s', duration: '6s' }],
      thresholds: { delivery_latency: ['p(99)<250'], recovery_time: ['max<4000'] },
    },
  },
});
