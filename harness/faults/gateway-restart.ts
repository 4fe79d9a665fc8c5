/**
 * gateway-restart: the gateway process is killed (SIGKILL, no goodbye) and started again when
 * the fault ends. Sockets die and in-memory history is lost; a client resuming from before the
 * kill must get a `gap`, and the delivery check counts what was lost.
 */
import type { Fault } from './types.ts';

export const gatewayRestart: Fault = {
  type: 'gateway-restart',
  async apply({ gateway }) {
    if (!gateway) throw new Error('gateway-restart needs a gateway started by chatstorm');
    await gateway.kill();
  },
  async remove({ gateway }) {
    await gateway?.start();
  },
};
