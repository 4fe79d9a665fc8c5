/** Mutant: marks every 30th message frame with is_fallback. no-fallback must catch it. */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, {
  outgoing: (frame) =>
    frame.type === 'message' && Number(frame.seq) % 30 === 0 ? [{ ...frame, is_fallback: true }] : [frame],
});
