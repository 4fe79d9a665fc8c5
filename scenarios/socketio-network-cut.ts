/**
 * socketio-network-cut — the release gate for a Socket.IO gateway (docs/protocols.md).
 *
 * network-cut's timeline (the same file, spread in) against a Socket.IO 4.x server, driven by socket.io-client: 1,000 clients
 * in rooms of 10, the network cut for 5 s at second 15. socket.io-client's own reconnection runs
 * with the policy mapped onto its options (reconnectionDelay 1 s, reconnectionDelayMax 30 s,
 * randomizationFactor 0, reconnectionAttempts 10, timeout 10 s); every client must come back
 * within that schedule, recover its session (connection state recovery), miss nothing, and stay
 * on WebSocket.
 *
 * Without --gateway-cmd the local stack starts examples/gateways/socketio/main.ts. Small size for
 * tests: --profile small (100 clients, 12 s, the cut at second 4).
 */
import { defineScenario } from '../harness/config/scenario.ts';
import networkCut from './network-cut.ts';

export default defineScenario({
  ...networkCut,
  name: 'socketio-network-cut',
  description:
    'Cut the network for 5 s at second 15 of 30 under 1,000 Socket.IO sockets; every client must come back within its backoff, recover its session, miss nothing and never fall back to long-polling.',
  protocol: 'socket.io',
  profiles: {
    small: {
      ...networkCut.profiles!.small,
      // socket.io-client's randomisation spreads ±factor around the nominal delay, which no policy
      // jitter describes: none (randomizationFactor 0).
      policy: { backoff: { jitter: 'none' } },
      // So 100 clients drop, retry and come back in the same millisecond, in one process: its timers
      // ran up to ~270 ms late then on this shared 2-core machine (the run that set this), more than
      // the default 250 ms.
      reconnectTolerance: '500ms',
    },
  },
});
