/**
 * Mutant: invents messages. After every 25th message it sends each recipient an extra message
 * frame that no client sent. delivery must count phantoms.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, {
  outgoing: (frame) =>
    frame.type === 'message' && Number(frame.seq) % 25 === 0
      ? [
          frame,
          {
            ...frame,
            message_id: `${String(frame.message_id)}-ghost`,
            client_msg_id: `ghost-${String(frame.seq)}`,
            content: 'a message nobody sent',
          },
        ]
      : [frame],
});
