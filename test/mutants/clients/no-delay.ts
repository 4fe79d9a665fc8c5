/**
 * Mutant: reconnects with no delay at all, attempt after attempt (it still stops after
 * maxAttempts). Caught by reconnect (delay-outside-policy): the first attempt after a drop comes
 * at once, where the policy asks for its initial delay.
 */
import { storeMutant } from './store-mutant.ts';

export default storeMutant({ settings: () => ({ reconnectBaseMs: 0 }) });
