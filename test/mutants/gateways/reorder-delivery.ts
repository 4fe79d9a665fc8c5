/**
 * Mutant: swaps consecutive message frames per recipient (holds every odd seq back until the next
 * message for that recipient has gone out). delivery must count messages out of order.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

const held = new Map<string, Record<string, unknown>>();
await runGatewayFromEnv(process.env, {
  outgoing: (frame, recipient) => {
    if (frame.type !== 'message') return [frame];
    const key = `${recipient}|${String(frame.chat_id)}`;
    const before = held.get(key);
    if (before) {
      held.delete(key);
      return [frame, before];
    }
    if (Number(frame.seq) % 2 === 1) {
      held.set(key, frame);
      return [];
    }
    return [frame];
  },
});
