/**
 * Adapter for the legacy store (the behaviour before the fix). chatstorm must fail it:
 *
 *   chatstorm run scenarios/network-cut.ts --profile small --client examples/clients/legacy-fallback-store/adapter.ts
 *
 * The mapping is as faithful as the fixed store's: the store's system notices become system items,
 * its `is_fallback` flags are passed on, and its messages keep whatever gateway identity they have
 * (a local one has none). The harness decides what that means.
 */
import {
  defineClientAdapter,
  type ShownMessage,
  type ShownState,
  type StoreView,
} from '../../../harness/client/adapter.ts';
import { createChatStore, type ChatMessage, type ConnectionStatus } from './store.ts';

const STATE: Record<ConnectionStatus, ShownState> = {
  idle: 'idle',
  connecting: 'connecting',
  connected: 'open',
  reconnecting: 'reconnecting',
  failed: 'failed',
  closed: 'closed',
};

export default defineClientAdapter((env) => {
  const store = createChatStore({
    WebSocket: env.WebSocket,
    url: env.url,
    setTimeout: env.setTimeout,
    clearTimeout: env.clearTimeout,
    userId: env.userId,
  });
  const shown = new WeakMap<ChatMessage, ShownMessage>();
  const toShown = (m: ChatMessage): ShownMessage => {
    let v = shown.get(m);
    if (!v) {
      v = {
        id: m.id,
        kind: m.type,
        messageId: m.message_id,
        seq: m.seq,
        senderId: m.sender_id,
        clientMsgId: m.client_msg_id,
        content: m.content,
        isFallback: m.is_fallback,
      };
      shown.set(m, v);
    }
    return v;
  };
  const view = (): StoreView => {
    const s = store.getState();
    return {
      state: STATE[s.status],
      messages: s.messages.map(toShown),
      errors: s.connectionError ? [{ text: s.connectionError }] : [],
    };
  };
  store.subscribe(() => env.observe());
  return {
    connect: () => store.connect(env.chatId),
    send: (clientMsgId, content) => void store.sendMessage(content, { clientMsgId }),
    close: () => store.disconnect(),
    view,
  };
});
