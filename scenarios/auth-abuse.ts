/**
 * auth-abuse — bad credentials, on first connect and on reconnect, under normal chat traffic.
 *
 * 300 clients in 30 chats chat as usual. Beside them, 15 auth probes join real chats of the run,
 * each with one bad credential: a missing, malformed, badly signed, alg-none, expired or
 * not-yet-valid token (4401 expected), a valid token for another chat (4403 expected), each once
 * in the URL of the first connect and once only on reconnect (after a valid first connect), plus a
 * token that is valid when the probe connects and has expired (5 s after it was minted) when the
 * network cut at second 10 forces the reconnect. The gateway must refuse each one with the right
 * close code after completing the upgrade (not with HTTP 401/403 before it, which a browser sees as
 * a bare 1006), the client must never retry after 4401/4403, and no probe socket may receive a
 * message. The `auth` check judges the probes; every other check judges the normal clients, which
 * must come back from the cut and miss nothing. See docs/auth.md.
 *
 * Small size for tests: --profile small (60 clients, 16 s, the cut at second 5).
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'auth-abuse',
  description:
    'Every kind of bad credential, on first connect and on reconnect after a cut, among 300 chatting clients: each refused with the right close code, none ever receives a message.',
  clients: 300,
  chatSize: 10,
  duration: '30s',
  sendInterval: '2s',
  authProbes: 'all',
  // After the expiring token's 5 s; without jitter the clients retry at +1 s and +3 s (refused)
  // and at +7 s, when the network is back: a probe's reconnect reaches the gateway well before the end.
  faults: [{ type: 'cut', at: '10s', duration: '5s' }],
  thresholds: {
    delivery_latency: ['p(99)<500'],
    recovery_time: ['max<5000'],
  },
  drainTimeout: '30s',
  profiles: {
    small: {
      clients: 60,
      duration: '16s',
      sendInterval: '1s',
      faults: [{ type: 'cut', at: '5s', duration: '5s' }],
      drainTimeout: '20s',
    },
  },
});
