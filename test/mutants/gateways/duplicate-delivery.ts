/** Mutant: every 10th message frame is sent twice to its recipient. delivery must count duplicates. */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, {
  outgoing: (frame) => (frame.type === 'message' && Number(frame.seq) % 10 === 0 ? [frame, frame] : [frame]),
});
