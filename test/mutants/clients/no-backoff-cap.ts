/**
 * Mutant: the backoff keeps doubling past the policy's cap. Caught by reconnect
 * (delay-outside-policy) once the doubled delay passes the cap: under a 250 ms–2 s policy, the
 * fifth attempt of a series comes 4 s after the fourth failed.
 */
import { storeMutant } from './store-mutant.ts';

export default storeMutant({ settings: () => ({ reconnectMaxMs: Number.POSITIVE_INFINITY }) });
