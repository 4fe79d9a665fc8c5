/**
 * Mutant Socket.IO gateway: drops 5 % of room broadcasts (every 20th seq of a room is acked to its
 * sender but never emitted) and ignores resume (no connection state recovery). The delivery check
 * must count the messages as lost.
 */
import { runSocketIoGatewayFromEnv } from '../../../examples/gateways/socketio/main.ts';

await runSocketIoGatewayFromEnv(process.env, { recovery: false, shouldBroadcast: (m) => m.seq % 20 !== 0 });
