/**
 * Client adapters: how chatstorm drives a user's own chat client (a frontend store) instead of
 * the reference client, and judges it with the same checks (docs/client-policy.md, docs/checks.md).
 *
 * An adapter module's default export is a factory, `defineClientAdapter((env) => adapter)`. The
 * fleet calls it once per simulated person. The harness gives the adapter what a browser would
 * give the store — a WebSocket constructor, timers, a clock — plus a URL builder with the person's
 * token, and a sink (`env.observe`) to call whenever the store changes. The adapter drives the
 * store (connect, send, close) and shows the harness what a person would see (`view()`).
 *
 * What is recorded, and from where (so a store cannot talk its way out of a check):
 * - from the wire, by the WebSocket the harness hands over: every connect attempt, open, failure
 *   and close (with its code), every frame received (ack, message, gap, error, any `is_fallback`
 *   flag, any other system frame), every send frame written;
 * - from the view: messages shown that the gateway never sent (local echoes: a fallback and a
 *   phantom), `isFallback` flags and local/offline-mode notices in the store (fallback), errors
 *   shown (a send's visible error, or why the client stopped), the state `failed` (gave up).
 *
 * A complete adapter for a small store (see examples/clients/fixed-store/ for a full one):
 *
 * ```ts
 * import { defineClientAdapter } from '../chatstorm/harness/client/adapter.ts'; // wherever chatstorm is
 * import { createChatStore } from './store.ts';
 *
 * export default defineClientAdapter((env) => {
 *   const store = createChatStore({
 *     WebSocket: env.WebSocket,           // the store opens its sockets with this
 *     url: env.url,                       // (chatId, since?) => ws://…/api/v1/chats/<chatId>/ws?token=…
 *     setTimeout: env.setTimeout,
 *     clearTimeout: env.clearTimeout,
 *     userId: env.userId,
 *   });
 *   store.subscribe(() => env.observe()); // every change: the harness reads view() and records
 *   return {
 *     connect: () => store.connect(env.chatId),
 *     // The harness's client_msg_id must reach the wire: it is how messages are traced.
 *     send: (clientMsgId, content) => void store.sendMessage(content, { clientMsgId }),
 *     close: () => store.disconnect(),
 *     view() {
 *       const s = store.getState();
 *       return {
 *         state: s.status === 'connected' ? 'open' : s.status === 'failed' ? 'failed' : 'connecting',
 *         messages: s.messages.map((m) => ({ id: m.id, messageId: m.message_id, seq: m.seq, senderId: m.sender_id, clientMsgId: m.client_msg_id, content: m.content, isFallback: m.is_fallback })),
 *         errors: s.connectionError ? [{ text: s.connectionError }] : [],
 *       };
 *     },
 *   };
 * });
 * ```
 *
 * Run it: `chatstorm run scenarios/network-cut.ts --profile small --client path/to/adapter.ts`, or put
 * `client: 'path/to/adapter.ts'` in the scenario. The scenario's `policy` is what the store is
 * held to: declare the store's own timeout, backoff and attempts there.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/errors.ts';
import type { ClientPolicy } from '../policy/policy.ts';

/**
 * What the person sees of the connection. `failed` means the store gave up (or was refused for
 * good) and says so; anything else means it is still trying or connected.
 */
export type ShownState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'failed' | 'closed';

/** One item in the store's message list, as the person sees it. */
export interface ShownMessage {
  /** The item's stable key in the store (what a UI list would key on). Required. */
  id: string;
  /** 'message' (default): a chat message. 'system': a notice the store shows in the chat ("Reconnecting…", "Using local mode"). */
  kind?: 'message' | 'system';
  /**
   * The gateway's identity of the message, when the store kept it: message_id, seq, sender_id,
   * client_msg_id. A chat message none of whose identities matches a frame the gateway sent to this
   * client is a local echo (a phantom and a fallback).
   */
  messageId?: string;
  seq?: number;
  senderId?: string;
  clientMsgId?: string;
  /** The text shown. */
  content: string;
  /** The store marks this item as created by a fallback path (`is_fallback`). */
  isFallback?: boolean;
}

/** An error the person sees: a banner, a toast, a "not sent" mark on one message. */
export interface ShownError {
  text: string;
  /** Set when the error is about one message the person sent (its client_msg_id). */
  clientMsgId?: string;
}

export interface StoreView {
  state: ShownState;
  messages: readonly ShownMessage[];
  /**
   * Every error visible now. An error with clientMsgId is that send's error. One without counts for
   * any send made while not connected in the second before it, unless the store shows that very
   * message in the chat as if it had gone out (a local echo contradicts the banner).
   */
  errors: readonly ShownError[];
}

/**
 * The browser's WebSocket API (constructor, readyState constants, on*, addEventListener, send,
 * close). In the fleet it is ws's WebSocket, recording everything that crosses the wire.
 */
export type WebSocketConstructor = typeof globalThis.WebSocket;

export interface ClientAdapterEnv {
  /** Client index in the run (the `client` in the report's examples). */
  readonly c: number;
  /** The person's user id (the token's `sub`). */
  readonly userId: string;
  /** The chat this person is in. */
  readonly chatId: string;
  /** The person's JWT; already in every URL `url()` builds. */
  readonly token: string;
  /** The policy the scenario declares for this client: what the checks hold the store to. */
  readonly policy: ClientPolicy;
  /** The WebSocket constructor the store must use (browser-compatible API). */
  readonly WebSocket: WebSocketConstructor;
  /** The chat endpoint through the proxy, with the token: `since` (the last seq seen) asks for a resume. */
  url(chatId: string, since?: number | null): string;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Epoch milliseconds with sub-millisecond precision (the history's clock). */
  now(): number;
  /** Uniform in [0, 1), seeded per client: jitter stays reproducible with the run's seed. */
  random(): number;
  /** The store changed: the harness reads `view` (or `adapter.view()` when omitted) and records what is new. */
  observe(view?: StoreView): void;
}

export interface ClientAdapter {
  /** Start connecting (the person opens the chat). Called once, staggered by the connect rate. */
  connect(): void;
  /** The person sends a message. The store must put `clientMsgId` on the wire as client_msg_id. */
  send(clientMsgId: string, content: string): void;
  /** The person leaves (end of run). Timers the store left behind are cleared by the harness. */
  close(): void;
  /** What the person sees now. */
  view(): StoreView;
}

export type ClientAdapterFactory = (env: ClientAdapterEnv) => ClientAdapter;

/** Identity function that gives an adapter module its types. */
export function defineClientAdapter(factory: ClientAdapterFactory): ClientAdapterFactory {
  return factory;
}

/**
 * Imports an adapter module and returns its factory. Throws ConfigError naming `field` (the flag
 * or scenario field it came from) when the module is missing or has no factory as default export.
 */
export async function loadClientAdapter(modulePath: string, field = 'client'): Promise<ClientAdapterFactory> {
  return (await loadFactory(
    modulePath,
    field,
    'client adapter',
    'export default defineClientAdapter((env) => ({ connect, send, close, view }))',
  )) as ClientAdapterFactory;
}

/** Imports a module whose default export must be a function; every way that fails is a ConfigError naming the field. */
export async function loadFactory(
  modulePath: string,
  field: string,
  what: string,
  usage: string,
): Promise<(...args: never[]) => unknown> {
  const abs = resolve(modulePath);
  if (!existsSync(abs)) throw new ConfigError(`${what} not found`, [`${field}: no such module: "${modulePath}"`]);
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(abs).href);
  } catch (e) {
    throw new ConfigError(`${what} ${modulePath} could not be loaded`, [
      `${field}: ${(e as Error).message.split('\n')[0]}`,
    ]);
  }
  if (typeof mod.default !== 'function') {
    throw new ConfigError(`invalid ${what} ${modulePath}`, [
      `${field}: the default export must be a factory, ${usage} (got ${mod.default === undefined ? 'no default export' : typeof mod.default})`,
    ]);
  }
  return mod.default as (...args: never[]) => unknown;
}
