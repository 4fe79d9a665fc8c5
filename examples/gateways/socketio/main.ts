/**
 * Process entry of the example Socket.IO gateway: `node examples/gateways/socketio/main.ts`.
 * Environment as the local stack passes it (harness/stack/local.ts): JWT_SECRET (required),
 * PORT (default 8084), HOST (default 127.0.0.1), PING_INTERVAL_MS (default 25000).
 *
 * Broken variants reuse it: runSocketIoGatewayFromEnv(process.env, { recovery: false, … }).
 */
import { startSocketIoGateway, type SocketIoGatewayOptions } from './server.ts';

export async function runSocketIoGatewayFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<SocketIoGatewayOptions> = {},
): Promise<void> {
  if (!env.JWT_SECRET) {
    console.error('socketio-gateway: JWT_SECRET is required (the HS256 secret that signs client tokens)');
    process.exit(64);
  }
  const int = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (!/^\d+$/.test(v)) {
      console.error(`socketio-gateway: ${name} must be a non-negative integer (got "${v}")`);
      process.exit(64);
    }
    return Number(v);
  };
  const g = await startSocketIoGateway({
    jwtSecret: env.JWT_SECRET,
    port: int('PORT', 8084),
    host: env.HOST || '127.0.0.1',
    pingIntervalMs: int('PING_INTERVAL_MS', 25_000),
    ...overrides,
  });
  console.log(`socketio-gateway: listening on ${g.url}`);
  const stop = () => void g.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.main) await runSocketIoGatewayFromEnv(process.env);
