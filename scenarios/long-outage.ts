/**
 * long-outage — an outage longer than the whole backoff budget (10 attempts: 1+2+4+8+16+30×5 =
 * 181 s of waiting). Every client must make exactly its 10 attempts, then stop in `failed` with
 * a visible error — never retry forever, never go quiet, never fall back to a local mode. Sends
 * after that must each show an error. Takes about 4 minutes; `small` shrinks the policy instead.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'long-outage',
  description:
    'An outage longer than the backoff budget: every client gives up visibly after 10 attempts, never falls back.',
  clients: 200,
  duration: '215s',
  sendInterval: '5s',
  faults: [{ type: 'cut', at: '5s', duration: '200s' }],
  thresholds: { delivery_latency: ['p(99)<250'] },
  drainTimeout: '5s',
  profiles: {
    small: {
      clients: 50,
      duration: '12s',
      sendInterval: '1s',
      policy: { backoff: { initial: '100ms', max: '1s' }, maxAttempts: 5 },
      faults: [{ type: 'cut', at: '2s', duration: '8s' }],
    },
  },
});
