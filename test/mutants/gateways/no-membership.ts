/**
 * Mutant: verifies tokens but never checks that the user is a member of the chat. A valid token
 * for another chat gets in: the auth check must fail on the wrong-chat probes (accepted, not 4403)
 * and refuse every other kind correctly.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, { checkMembership: false });
