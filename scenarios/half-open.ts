/**
 * half-open — the network goes silent without closing anything: Toxiproxy's timeout toxic with
 * timeout 0 (a blackhole) for 20 s. Sockets stay open and carry nothing; no close event ever
 * tells the client. Only an app heartbeat or an ack timeout notices.
 *
 * The default profile turns both on (ping every 5 s, dead after 10 s; ack timeout 5 s): clients
 * detect the dead socket within seconds, keep trying, come back once the network does, resume and
 * resend — every check passes, and detect_time shows how long noticing took. The `defaults`
 * profile runs the product's own settings (no heartbeat, no ack timeout): nothing notices until
 * Toxiproxy closes the sockets when the blackhole ends, every message typed meanwhile fails after
 * the fact, and the detect_time threshold fails — the evidence for turning a heartbeat on.
 */
import { defineScenario } from '../harness/config/scenario.ts';

const defaults = { heartbeat: false, ackTimeout: false } as const;

export default defineScenario({
  name: 'half-open',
  description:
    'A 20 s blackhole (sockets open, nothing passes). With heartbeat and ack timeout the clients notice, reconnect and lose nothing.',
  clients: 500,
  duration: '45s',
  sendInterval: '2s',
  policy: { heartbeat: { interval: '5s', deadAfter: '10s' }, ackTimeout: '5s' },
  faults: [{ type: 'blackhole', at: '10s', duration: '20s' }],
  thresholds: { delivery_latency: ['p(99)<250'], detect_time: ['max<12000'] },
  drainTimeout: '40s',
  profiles: {
    defaults: { policy: defaults },
    small: {
      clients: 50,
      duration: '16s',
      sendInterval: '1s',
      policy: {
        heartbeat: { interval: '1s', deadAfter: '2s' },
        ackTimeout: '2s',
        connectTimeout: '2s',
        backoff: { initial: '250ms', max: '2s' },
      },
      faults: [{ type: 'blackhole', at: '3s', duration: '6s' }],
      thresholds: { delivery_latency: ['p(99)<250'], detect_time: ['max<5000'] },
      drainTimeout: '20s',
    },
    'small-defaults': {
      clients: 50,
      duration: '12s',
      sendInterval: '1s',
      policy: defaults,
      faults: [{ type: 'blackhole', at: '3s', duration: '6s' }],
      thresholds: { delivery_latency: ['p(99)<250'], detect_time: ['max<5000'] },
      drainTimeout: '5s',
    },
  },
});
