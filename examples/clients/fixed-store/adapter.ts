/**
 * Adapter for the fixed store: lets chatstorm run thousands of it in the fleet and judge it.
 *
 *   chatstorm run scenarios/network-cut.ts --profile small --client examples/clients/fixed-store/adapter.ts
 *
 * The store gets the harness's WebSocket, URL builder and timers in place of the browser's; every
 * change of the store is passed on to the harness, which records what a person would see.
 */
import {
  defineClientAdapter,
  type ClientAdapter,
  type ClientAdapterEnv,
  type ShownError,
  type ShownMessage,
  type ShownState,
  type StoreView,
} from '../../../harness/client/adapter.ts';
import { createChatStore, type ChatMessage, type ChatStore, type ConnectionStatus } from './store.ts';

const STATE: Record<ConnectionStatus, ShownState> = {
  idle: 'idle',
  connecting: 'connecting',
  connected: 'open',
  reconnecting: 'reconnecting',
  failed: 'failed',
  closed: 'closed',
};

/** Shows the harness what a person sees of a fixed store: its status, its messages, its errors. */
export function adapterFor(store: ChatStore, env: ClientAdapterEnv): ClientAdapter {
  // Messages are immutable once in the store: map each once, not on every change.
  const shown = new WeakMap<ChatMessage, ShownMessage>();
  const toShown = (m: ChatMessage): ShownMessage => {
    let v = shown.get(m);
    if (!v) {
      v = {
        id: m.id,
        messageId: m.message_id,
        seq: m.seq,
        senderId: m.sender_id,
        clientMsgId: m.client_msg_id,
        content: m.content,
      };
      shown.set(m, v);
    }
    return v;
  };
  const view = (): StoreView => {
    const s = store.getState();
    const errors: ShownError[] = [];
    if (s.connectionError) errors.push({ text: s.connectionError });
    for (const o of s.outbox)
      if (o.status === 'failed') errors.push({ text: o.error ?? 'Not sent', clientMsgId: o.client_msg_id });
    return { state: STATE[s.status], messages: s.messages.map(toShown), errors };
  };
  store.subscribe(() => env.observe());
  return {
    connect: () => store.connect(env.chatId),
    send: (clientMsgId, content) => void store.sendMessage(content, { clientMsgId }),
    close: () => store.disconnect(),
    view,
  };
}

export default defineClientAdapter((env) =>
  adapterFor(
    createChatStore({
      WebSocket: env.WebSocket,
      url: env.url,
      setTimeout: env.setTimeout,
      clearTimeout: env.clearTimeout,
      userId: env.userId,
    }),
    env,
  ),
);
