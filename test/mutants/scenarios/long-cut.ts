/**
 * long-cut — a cut long enough for a small backoff to reach its cap and keep going: under the
 * declared 250 ms–2 s policy a client's attempts come 0.25, 0.75, 1.75, 3.75, 5.75 and 7.75 s
 * after the drop, all refused during the 9 s cut, and the seventh (9.75 s) finds the network
 * back. A client that drops the cap makes its fifth attempt 4 s after the fourth; one that gives
 * up after 5 attempts does so 3 s before the cut ends; every client sends during the cut.
 * The client mutants of test/mutants/clients/ run under it; the clean control must pass it.
 */
import { defineScenario } from '../../../harness/config/scenario.ts';

export default defineScenario({
  name: 'long-cut',
  description: 'A 9 s cut under a 250 ms–2 s backoff: six refused attempts per client, back on the seventh.',
  clients: 500,
  duration: '18s',
  sendInterval: '1s',
  policy: { backoff: { initial: '250ms', max: '2s' } },
  faults: [{ type: 'cut', at: '2s', duration: '9s' }],
  thresholds: { delivery_latency: ['p(99)<250'], recovery_time: ['max<4000'] },
  drainTimeout: '15s',
  profiles: {
    small: { clients: 50 },
  },
});
