/**
 * capacity-step — the smallest run that still judges real-time delivery: ten seconds of chat
 * traffic, no fault, a p(99)<250 latency threshold. The capacity test runs it at growing client
 * counts against test/mutants/gateways/degrade-above.ts, whose knee is known.
 */
import { defineScenario } from '../../../harness/config/scenario.ts';

export default defineScenario({
  name: 'capacity-step',
  description:
    'No fault, 10 s of traffic (enough generator samples that one slow second on a busy host is tolerated), every client sends every second; p(99) of delivery under 250 ms.',
  clients: 20,
  chatSize: 10,
  duration: '10s',
  sendInterval: '1s',
  settle: '0s',
  drainTimeout: '5s',
  thresholds: { delivery_latency: ['p(99)<250'] },
});
