/**
 * Mutant: never times out a connect attempt: a connect that hangs (the network swallows the
 * handshake) is waited on until something else ends it. Caught by reconnect
 * (attempt-past-connect-timeout) in a fault where connects hang rather than being refused.
 */
import { NEVER_MS, storeMutant } from './store-mutant.ts';

export default storeMutant({ settings: () => ({ connectTimeoutMs: NEVER_MS }) });
