/**
 * network-cut — the release gate.
 *
 * 1,000 clients in 100 chats of 10 send chat traffic (one message every 5 s each, ~200 msg/s,
 * ~2,000 deliveries/s). At second 15 of the traffic phase the network is cut for 5 s: Toxiproxy
 * disables the proxy, every socket drops, every reconnect attempt is refused. With the product's
 * policy (1 s doubling, no jitter) every client tries at +1 s and +3 s (refused) and +7 s (the
 * network is back): all must be open again by ~22 s, resume with `since`, and have every message
 * acked in the meantime. Then the run drains and judges.
 *
 * recovery_time max<4000: a client's drop is noticed 0.24–0.33 s after the cut starts (Toxiproxy
 * closing 1,000 links), so its +7 s attempt comes ~2.3 s after the restore, all 1,000 at once; their
 * handshakes then took 0.4–0.7 s on this 2-core host, the fleet, Toxiproxy and the gateway sharing
 * it. The 3 s this gate had until 1 Dec left 0.7 s for that burst: `npx node scripts/repeat.ts
 * --runs 4` then passed 2 of 4 (recovery 2,996–3,016 ms, the host in its slower phase). A client
 * that needs one more backoff step (+15 s) is still far outside, and each client's first attempt
 * after the restore must still succeed within the connect allowance (reconnect).
 *
 * Small size for tests: --profile small (100 clients, 12 s, the same 5 s cut at second 4, equal
 * jitter so that reconnects spread out and a gateway that skips resume has messages to lose).
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'network-cut',
  description:
    'Cut the network for 5 s at second 15 of 30 under 1,000 sockets; every client must come back within its backoff, resume, and miss nothing.',
  clients: 1_000,
  chatSize: 10,
  duration: '30s',
  sendInterval: '5s',
  faults: [{ type: 'cut', at: '15s', duration: '5s' }],
  thresholds: {
    delivery_latency: ['p(99)<250', 'max<2000'],
    recovery_time: ['max<4000'],
  },
  profiles: {
    small: {
      clients: 100,
      duration: '12s',
      sendInterval: '500ms',
      policy: { backoff: { jitter: 'equal' } },
      faults: [{ type: 'cut', at: '4s', duration: '5s' }],
      thresholds: { delivery_latency: ['p(99)<250'], recovery_time: ['max<12000'] },
      drainTimeout: '20s',
    },
  },
});
