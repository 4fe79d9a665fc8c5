/** Mutant: every message frame reaches its recipients 600 ms late. latency must fail in steady state. */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, { delayMs: (frame) => (frame.type === 'message' ? 600 : 0) });
