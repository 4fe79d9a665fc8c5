/**
 * Mutant: drops some broadcasts. Every 20th delivery (by seq and recipient) silently never leaves
 * the gateway, though the sender got its ack. The delivery check must count them as lost.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, {
  shouldDeliver: (msg, recipient) => (msg.seq * 31 + Number(recipient.replace(/\D/g, '') || 0)) % 20 !== 0,
});
