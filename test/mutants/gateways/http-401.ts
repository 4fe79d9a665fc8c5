/**
 * Mutant: refuses bad credentials with HTTP 401/403 before the upgrade, as many gateways do. The
 * right party is refused, but a browser sees a bare 1006, takes it for a network failure and
 * retries: the auth check must count every probe as rejected-before-upgrade.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, { rejectBeforeUpgrade: true });
