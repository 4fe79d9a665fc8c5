/**
 * connect-hang — connects that hang instead of being refused. A blackhole (Toxiproxy's timeout
 * toxic with timeout 0) is put on the proxy, then a 1 s cut drops every socket; the attempts
 * after the cut are accepted by the proxy and their handshake goes nowhere until the blackhole
 * ends and Toxiproxy closes them. Under the declared 2 s connect timeout a client abandons each
 * hung attempt after 2 s and tries again on its backoff; one without a connect timeout sits in
 * its attempt until the blackhole ends, seconds past the timeout.
 *
 * Timeline (traffic time): blackhole 2–10 s, cut 2.5–3.5 s; a clean client's attempts: 2.75
 * and 3.25 s refused, 4.25 s hung and abandoned at 6.25 s, 8.25 s hung until 10 s, 12 s back.
 * The client mutants of test/mutants/clients/ run under it; the clean control must pass it.
 */
import { defineScenario } from '../../../harness/config/scenario.ts';

export default defineScenario({
  name: 'connect-hang',
  description: 'A blackhole with a cut inside it: reconnect attempts hang until the connect timeout (2 s).',
  clients: 500,
  duration: '18s',
  sendInterval: '1s',
  policy: { connectTimeout: '2s', backoff: { initial: '250ms', max: '2s' } },
  faults: [
    { type: 'blackhole', at: '2s', duration: '8s' },
    { type: 'cut', at: '2500ms', duration: '1s' },
  ],
  thresholds: { delivery_latency: ['p(99)<250'] },
  drainTimeout: '15s',
  profiles: {
    small: { clients: 50 },
  },
});
