/**
 * smoke — is the stack alive at all? 50 clients in 5 chats, 10 s of traffic, no fault. Use it
 * first against a new gateway (--target / --gateway-cmd): if this fails, nothing else will pass.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'smoke',
  description: 'No fault: 50 clients, 10 s of traffic. Every check must pass on a healthy stack.',
  clients: 50,
  duration: '10s',
  sendInterval: '1s',
  thresholds: { delivery_latency: ['p(99)<250'] },
  profiles: { small: { clients: 20, duration: '4s' } },
});
