/**
 * Mutant: gives up after 5 failed attempts though the policy says 10 (visibly: it shows its
 * "Unable to connect" error). Caught by reconnect (gave-up-early) in an outage that outlasts 5
 * attempts.
 */
import { storeMutant } from './store-mutant.ts';

export default storeMutant({ settings: () => ({ maxReconnectAttempts: 5 }) });
