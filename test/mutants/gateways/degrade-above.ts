/**
 * Test gateway for the capacity search: the reference gateway, but once it holds more than
 * DEGRADE_ABOVE sockets (default 50) every message frame reaches its recipients 600 ms late. Its
 * knee is therefore known: DEGRADE_ABOVE clients pass a p(99)<250 latency threshold, one more
 * breaks it. `chatstorm capacity` must find that knee within one step of its resolution.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';
import type { Gateway } from '../../../gateway/server.ts';

const limit = Number(process.env.DEGRADE_ABOVE ?? 50);
let gateway: Gateway | null = null;
gateway = await runGatewayFromEnv(process.env, {
  delayMs: (frame) => (frame.type === 'message' && gateway !== null && gateway.stats().connections > limit ? 600 : 0),
});
