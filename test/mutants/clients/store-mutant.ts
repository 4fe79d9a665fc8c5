/**
 * The base of every client mutant: the fixed store (examples/clients/fixed-store/store.ts), its
 * settings taken from the scenario's policy, with at most one defect put in. With no defect it is
 * the clean control (clean.ts): it must pass every scenario a mutant runs under, so that a mutant
 * failing there fails because of its defect and nothing else.
 *
 * The store is used, never copied. A defect is either a setting that departs from the policy
 * (the store's backoff, attempts and connect timeout are `settings`), or a wrapper around the
 * store's public interface that changes what it does with a send or what it shows.
 *
 * Why the settings come from the policy: the checks hold a client to the policy the scenario
 * declares. The fixed store's own adapter keeps the product's numbers (1 s to 30 s, 10 attempts,
 * 10 s), which a test-sized scenario cannot wait for; here the store follows whatever the
 * scenario declares, so a mutant that drops the backoff cap differs from its control by the cap.
 */
import {
  defineClientAdapter,
  type ClientAdapterEnv,
  type ClientAdapterFactory,
} from '../../../harness/client/adapter.ts';
import { adapterFor } from '../../../examples/clients/fixed-store/adapter.ts';
import type { ClientPolicy } from '../../../harness/policy/policy.ts';
import {
  createChatStore,
  type ChatStore,
  type ChatStoreSettings,
} from '../../../examples/clients/fixed-store/store.ts';

export interface Defect {
  /** Store settings instead of the policy's (given the policy's). Default: the policy's, unchanged. */
  settings?(fromPolicy: Required<ChatStoreSettings>): ChatStoreSettings;
  /** Wraps the store: the adapter drives and shows the wrapper. Default: the store itself. */
  wrap?(store: ChatStore, env: ClientAdapterEnv): ChatStore;
  /** Where the store connects instead of the URL the harness gives. Default: the harness's. */
  url?(env: ClientAdapterEnv): ClientAdapterEnv['url'];
}

/** The largest delay a timer accepts (a larger one fires at once): "never", for any run. */
export const NEVER_MS = 2 ** 31 - 1;

/**
 * The store's settings for a policy. The store doubles its delay, has no jitter, heartbeat or ack
 * timeout and always resets on open: a policy asking for more is refused here, or the control
 * would fail for a reason that is no mutant's.
 */
export function settingsFor(policy: ClientPolicy): Required<ChatStoreSettings> {
  const b = policy.backoff;
  const unsupported = [
    b.multiplier !== 2 && `backoff.multiplier ${b.multiplier} (the store doubles)`,
    b.jitter !== 'none' && `backoff.jitter "${b.jitter}" (the store has none)`,
    policy.heartbeat !== null && 'heartbeat (the store has none)',
    policy.ackTimeoutMs !== null && 'ackTimeout (the store has none)',
    !policy.resetOnOpen && 'resetOnOpen false (the store always resets)',
  ].filter((x): x is string => typeof x === 'string');
  if (unsupported.length)
    throw new Error(
      `test/mutants/clients: the fixed store cannot follow this scenario's policy: ${unsupported.join(', ')}`,
    );
  return {
    connectTimeoutMs: policy.connectTimeoutMs,
    reconnectBaseMs: b.initialMs,
    reconnectMaxMs: b.maxMs,
    maxReconnectAttempts: policy.maxAttempts,
  };
}

/** An adapter for the fixed store with `defect` put in; the view is the fixed store adapter's. */
export function storeMutant(defect: Defect = {}): ClientAdapterFactory {
  return defineClientAdapter((env) => {
    const fromPolicy = settingsFor(env.policy);
    const inner = createChatStore({
      WebSocket: env.WebSocket,
      url: defect.url ? defect.url(env) : env.url,
      setTimeout: env.setTimeout,
      clearTimeout: env.clearTimeout,
      userId: env.userId,
      settings: defect.settings ? { ...fromPolicy, ...defect.settings(fromPolicy) } : fromPolicy,
    });
    return adapterFor(defect.wrap ? defect.wrap(inner, env) : inner, env);
  });
}
