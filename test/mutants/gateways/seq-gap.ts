/** Mutant: seq skips a number every 20 messages of a chat (no message ever carries it, no gap is announced). */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, { seqStep: (_chat, seq) => (seq > 0 && seq % 20 === 0 ? 2 : 1) });
