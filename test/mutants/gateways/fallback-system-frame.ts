/** Mutant: after a resume it announces a local mode with a system frame. no-fallback must catch it. */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

let sent = 0;
await runGatewayFromEnv(process.env, {
  outgoing: (frame) =>
    frame.type === 'message' && ++sent % 50 === 0
      ? [{ type: 'system', event: 'local_mode', text: 'Using local mode' }, frame]
      : [frame],
});
