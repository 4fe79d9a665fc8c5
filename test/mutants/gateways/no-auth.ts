/**
 * Mutant: no authentication at all. Tokens are decoded without verifying signature, algorithm,
 * exp or nbf, and membership is not checked: every bad credential gets in. The auth check must
 * count each probe as accepted, and the messages those sockets received.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, { verifyAuth: false, checkMembership: false });
