/**
 * Mutant: shows messages locally while disconnected. A send made while the store is not connected
 * is never sent, shows no error, and appears in the chat as if it had gone out, in its place
 * among the gateway's messages and with no `is_fallback` flag or notice to give it away (quieter
 * than the legacy store). Caught by no-fallback (local-message) and delivery (phantom): the
 * harness finds that no frame the gateway sent this client carries the message.
 */
import type { ChatMessage, ChatState } from '../../../examples/clients/fixed-store/store.ts';
import { storeMutant } from './store-mutant.ts';

export default storeMutant({
  wrap(store, env) {
    // The chat as shown: the store's messages (it only ever appends) with the local echoes between.
    let shown: ChatMessage[] = [];
    let taken = 0;
    const getState = (): ChatState => {
      const s = store.getState();
      if (s.messages.length > taken) {
        shown = [...shown, ...s.messages.slice(taken)];
        taken = s.messages.length;
      }
      return { ...s, messages: shown };
    };
    const listeners = new Set<(s: ChatState) => void>();
    store.subscribe(() => {
      const s = getState();
      for (const l of listeners) l(s);
    });
    return {
      ...store,
      getState,
      subscribe(l) {
        listeners.add(l);
        return () => void listeners.delete(l);
      },
      sendMessage(content, options = {}) {
        const s = getState();
        if (s.status === 'connected') return store.sendMessage(content, options);
        // The defect: "sent" locally, with an id and a seq of its own, and nothing said.
        const id = options.clientMsgId ?? crypto.randomUUID();
        shown = [
          ...shown,
          {
            id: `local-${id}`,
            message_id: `local-${id}`,
            chat_id: s.chatId ?? env.chatId,
            seq: (s.lastSeq ?? 0) + 1,
            sender_id: env.userId,
            client_msg_id: id,
            content,
            server_ts: env.now(),
          },
        ];
        const next = getState();
        for (const l of listeners) l(next);
        return true;
      },
    };
  },
});
