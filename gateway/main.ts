/**
 * Process entry of the reference gateway: `node gateway/main.ts`.
 *
 * Configuration comes from the environment so the stack provider (and Docker) can start it
 * without arguments:
 *   JWT_SECRET        required; HS256 shared secret
 *   PORT              default 8083 (0 = ephemeral; the ready line tells the real port)
 *   HOST              default 127.0.0.1
 *   PING_INTERVAL_MS  default 30000
 *   HISTORY_LIMIT     default 10000
 *   MAX_FRAME_BYTES   default 16384
 *   STATE_FILE        default none; where seq marks survive a restart (see GatewayOptions.stateFile)
 *
 * Mutant gateways reuse the same lifecycle with their own hooks:
 *   runGatewayFromEnv(process.env, { shouldDeliver: () => false })
 */
import { startGateway } from './server.ts';
import type { Gateway, GatewayHooks, GatewayOptions } from './server.ts';

/** EX_USAGE from sysexits.h: the process was started with a bad configuration. */
export const EXIT_CONFIG = 64;

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
}

type Env = Record<string, string | undefined>;

/** Pure: reads gateway options from an environment, or throws GatewayConfigError naming the variable. */
export function gatewayOptionsFromEnv(env: Env, hooks?: GatewayHooks): GatewayOptions {
  const jwtSecret = env.JWT_SECRET;
  if (!jwtSecret) throw new GatewayConfigError('JWT_SECRET is required (the HS256 secret that signs client tokens)');
  return {
    jwtSecret,
    host: env.HOST || undefined,
    port: intFromEnv(env, 'PORT', 0),
    pingIntervalMs: intFromEnv(env, 'PING_INTERVAL_MS', 1),
    historyLimit: intFromEnv(env, 'HISTORY_LIMIT', 0),
    maxFrameBytes: intFromEnv(env, 'MAX_FRAME_BYTES', 1),
    stateFile: env.STATE_FILE || undefined,
    hooks,
  };
}

function intFromEnv(env: Env, name: string, min: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new GatewayConfigError(`${name} must be an integer >= ${min} (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

/**
 * Runs a gateway as this process's whole job: starts it, prints the ready line on stdout, and
 * exits 0 after closing on SIGTERM/SIGINT. A bad configuration exits 64 with the reason on stderr.
 * Resolves with the started gateway (for entries that want to log or inspect it).
 */
export async function runGatewayFromEnv(env: Env, hooks?: GatewayHooks): Promise<Gateway> {
  let options: GatewayOptions;
  try {
    options = gatewayOptionsFromEnv(env, hooks);
  } catch (err) {
    if (!(err instanceof GatewayConfigError)) throw err;
    console.error(`chatstorm-gateway: ${err.message}`);
    process.exit(EXIT_CONFIG);
  }

  let gateway: Gateway;
  try {
    gateway = await startGateway(options);
  } catch (err) {
    // Usually EADDRINUSE or a bad HOST: the stack provider reads stderr and the exit code.
    console.error(`chatstorm-gateway: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second signal means "now": do not wait for slow peers.
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    stopping = true;
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('chatstorm-gateway: error while closing:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // The stack provider waits for exactly this line; keep its shape stable.
  console.log(`chatstorm-gateway listening on ${gateway.url}`);
  return gateway;
}

// Only when run directly: mutant entries import runGatewayFromEnv without starting a second gateway.
if (import.meta.main) await runGatewayFromEnv(process.env);
