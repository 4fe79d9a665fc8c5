/**
 * Mutant: ignores `since`. A reconnecting client gets live messages only, so everything acked
 * while it was away is silently skipped. The delivery check must count those as lost after a cut.
 */
import { runGatewayFromEnv } from '../../../gateway/main.ts';

await runGatewayFromEnv(process.env, { resumeFrom: () => undefined });
