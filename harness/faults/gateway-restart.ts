/**
 * gateway-restart: the gateway process is killed (SIGKILL, no goodbye) at `at` and started again
 * when the fault ends, `duration` later. Sockets die and in-memory history is lost; a client resuming
 * from before the kill must get a `gap`, and the delivery check counts what was lost. It needs a
 * gateway chatstorm started (local stack or testcontainers), and has no `fraction`.
 */
import { z } from 'zod';
import { timing } from './entry.ts';
import { defineFault } from './types.ts';

export const gatewayRestart = defineFault({
  type: 'gateway-restart',
  schema: z.strictObject({ type: z.literal('gateway-restart'), at: timing.at, duration: timing.duration }),
  on: 'gateway',
  drops: true,
  params: () => ({}),
  problems: (_plan, { path, target }) =>
    target !== undefined ? [`${path}: gateway-restart needs a gateway chatstorm starts (not --target ${target})`] : [],
  async apply({ gateway }) {
    if (!gateway) throw new Error('gateway-restart needs a gateway started by chatstorm');
    await gateway.kill();
  },
  async remove({ gateway }) {
    await gateway?.start();
  },
});
