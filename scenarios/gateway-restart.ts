/**
 * gateway-restart — the gateway process is killed (SIGKILL) and started again 3 s later. Every
 * socket dies and the in-memory history is gone. The reference gateway keeps its per-chat seq
 * marks in a state file, so a client resuming from before the crash gets a `gap` for what the
 * restarted gateway cannot serve — never a silent skip, never a reused seq — and the delivery
 * check counts any acked message behind that gap as lost. Expect delivery to fail when a message
 * was acked but had not reached every member before the kill: that is the truth about a gateway
 * without durable history.
 */
import { defineScenario } from '../harness/config/scenario.ts';

export default defineScenario({
  name: 'gateway-restart',
  description:
    'Kill the gateway, start it 3 s later: sockets die, history is lost; resumes must get a gap, losses are counted.',
  clients: 1_000,
  duration: '30s',
  sendInterval: '2s',
  faults: [{ type: 'gateway-restart', at: '10s', duration: '3s' }],
  thresholds: { delivery_latency: ['p(99)<250'] },
  profiles: {
    small: {
      clients: 100,
      duration: '12s',
      sendInterval: '500ms',
      faults: [{ type: 'gateway-restart', at: '3s', duration: '2s' }],
    },
  },
});
