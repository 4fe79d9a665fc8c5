/**
 * Mutant: queues sends silently while disconnected. A send made while the store is not connected
 * is held, nothing is shown (neither a "not sent" mark nor the store's "Reconnecting…" banner),
 * and the queue goes out once the store is connected again. Caught by errors-surfaced (silent):
 * the person was never told that the message had not gone out when they sent it.
 */
import type { ChatState } from '../../../examples/clients/fixed-store/store.ts';
import { storeMutant } from './store-mutant.ts';

export default storeMutant({
  wrap(store) {
    const queue: { content: string; clientMsgId: string }[] = [];
    const flush = () => {
      while (queue.length && store.getState().status === 'connected') {
        const { content, clientMsgId } = queue.shift()!;
        store.sendMessage(content, { clientMsgId });
      }
    };
    // After the store has finished reacting to its open (a listener runs inside its update).
    store.subscribe((s) => {
      if (s.status === 'connected' && queue.length) queueMicrotask(flush);
    });
    // The defect's other half: while it reconnects, nothing on screen says so.
    const getState = (): ChatState => {
      const s = store.getState();
      return s.status === 'reconnecting' && s.connectionError !== null ? { ...s, connectionError: null } : s;
    };
    return {
      ...store,
      getState,
      subscribe: (l) => store.subscribe(() => l(getState())),
      sendMessage(content, options = {}) {
        if (store.getState().status === 'connected') return store.sendMessage(content, options);
        queue.push({ content, clientMsgId: options.clientMsgId ?? crypto.randomUUID() });
        return true;
      },
    };
  },
});
