/**
 * The chat WebSocket store as it was BEFORE the product's fix: kept as a specimen that chatstorm
 * must catch. It reproduces the behaviour the product team's notes describe removing:
 *
 * - `useLocalFallback()`: after a connection timeout (5 s), or when the connection drops and the
 *   first reconnect fails, the store switches to a local mode and announces it in the chat with a
 *   system message "Using local mode" marked `is_fallback`;
 * - in local mode a sent message is added to the store, marked `is_fallback: true`, and never
 *   sent: the person sees it as if it had gone out, with no error;
 * - it reconnects at a fixed short interval (500 ms, no backoff; an assumption: the notes only say
 *   the backoff is exponential now) and gives up for good after 5 attempts, staying in local mode.
 *
 * Same shape as the fixed store (framework-free, subscribe/getState, environment passed in), so
 * the same page and the same kind of adapter drive it.
 */

/** A chat message: from the gateway, or (the bug) made up locally with `is_fallback`. */
export interface ChatMessage {
  id: string;
  type: 'message' | 'system';
  message_id?: string;
  chat_id: string;
  seq?: number;
  sender_id: string;
  client_msg_id?: string;
  content: string;
  server_ts?: number;
  is_fallback?: boolean;
}

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface ChatState {
  chatId: string | null;
  status: ConnectionStatus;
  isConnected: boolean;
  useFallback: boolean;
  messages: ChatMessage[];
  connectionError: string | null;
  reconnectAttempts: number;
  lastSeq: number | null;
}

export interface ChatStoreDeps {
  WebSocket: typeof WebSocket;
  url(chatId: string, since?: number | null): string;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  userId: string;
  /** client_msg_id for a send without one. Default crypto.randomUUID(). */
  newId?(): string;
  log?(...args: unknown[]): void;
}

export interface ChatStore {
  getState(): ChatState;
  subscribe(listener: (state: ChatState) => void): () => void;
  connect(chatId: string): void;
  sendMessage(content: string, options?: { clientMsgId?: string }): boolean;
  retry(): void;
  disconnect(): void;
}

export const CONNECT_TIMEOUT_MS = 5_000;
export const MAX_RECONNECT_ATTEMPTS = 5;
export const RECONNECT_DELAY_MS = 500;
const OPEN = 1;
const CONNECTING = 0;

function createStore<S>(initial: S) {
  let state = initial;
  const listeners = new Set<(s: S) => void>();
  return {
    getState: () => state,
    set(patch: Partial<S>) {
      state = { ...state, ...patch };
      for (const l of listeners) l(state);
    },
    subscribe(l: (s: S) => void) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
  };
}

export function createChatStore(deps: ChatStoreDeps): ChatStore {
  const store = createStore<ChatState>({
    chatId: null,
    status: 'idle',
    isConnected: false,
    useFallback: false,
    messages: [],
    connectionError: null,
    reconnectAttempts: 0,
    lastSeq: null,
  });
  const log = deps.log ?? (() => {});
  const newId = deps.newId ?? (() => crypto.randomUUID());
  let ws: WebSocket | null = null;
  let connectTimer: unknown = null;
  let reconnectTimer: unknown = null;
  let everConnected = false;
  let leaving = false;
  let localSeq = 0;

  function addMessage(m: ChatMessage): void {
    store.set({ messages: [...store.getState().messages, m] });
  }

  /** The bug: instead of saying "not connected", pretend to be a chat that works offline. */
  function useLocalFallback(chatId: string): void {
    if (store.getState().useFallback) return;
    log('[ws] Using local fallback mode');
    store.set({ useFallback: true });
    addMessage({
      id: `system-${++localSeq}`,
      type: 'system',
      chat_id: chatId,
      sender_id: 'system',
      content: 'Using local mode',
      is_fallback: true,
    });
  }

  function connect(chatId: string): void {
    const s = store.getState();
    if (ws && s.chatId === chatId && (ws.readyState === CONNECTING || ws.readyState === OPEN)) return;
    leaving = false;
    const since = everConnected ? (s.lastSeq ?? 0) : null;
    store.set({ chatId, status: s.reconnectAttempts > 0 ? 'reconnecting' : 'connecting' });
    const socket = new deps.WebSocket(deps.url(chatId, since));
    ws = socket;
    connectTimer = deps.setTimeout(() => {
      if (socket.readyState === OPEN) return;
      log('[ws] connection timeout');
      socket.onclose = null;
      socket.close();
      if (ws === socket) ws = null;
      // The bug the fix removed: a timeout switches to local mode instead of reconnecting.
      store.set({ status: 'reconnecting', isConnected: false });
      useLocalFallback(chatId);
    }, CONNECT_TIMEOUT_MS);

    socket.onopen = () => {
      deps.clearTimeout(connectTimer);
      everConnected = true;
      store.set({
        status: 'connected',
        isConnected: true,
        useFallback: false,
        connectionError: null,
        reconnectAttempts: 0,
      });
    };
    socket.onmessage = (event) => {
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (f.type !== 'message') return;
      const m = f as unknown as ChatMessage;
      const cur = store.getState();
      store.set({
        messages: [...cur.messages, { ...m, type: 'message', id: String(m.message_id) }],
        lastSeq: Math.max(cur.lastSeq ?? 0, Number(m.seq)),
      });
    };
    socket.onerror = () => log('[ws] error');
    socket.onclose = (event) => {
      deps.clearTimeout(connectTimer);
      if (ws !== socket) return;
      ws = null;
      store.set({ isConnected: false });
      if (leaving || event.code === 1000) return void store.set({ status: 'closed' });
      const attempts = store.getState().reconnectAttempts;
      // The connection dropped and the first reconnect failed too: go local.
      if (attempts >= 1) useLocalFallback(chatId);
      if (attempts >= MAX_RECONNECT_ATTEMPTS) {
        store.set({ status: 'failed', connectionError: 'Connection lost. Using local mode.' });
        return;
      }
      store.set({ status: 'reconnecting', reconnectAttempts: attempts + 1 });
      reconnectTimer = deps.setTimeout(() => {
        reconnectTimer = null;
        connect(chatId);
      }, RECONNECT_DELAY_MS);
    };
  }

  function sendMessage(content: string, options: { clientMsgId?: string } = {}): boolean {
    const clientMsgId = options.clientMsgId ?? newId();
    const s = store.getState();
    if (!ws || ws.readyState !== OPEN || !s.isConnected) {
      if (s.useFallback && s.chatId !== null) {
        // The bug: the message is "sent" locally, looks delivered, and never leaves the browser.
        addMessage({
          id: `local-${++localSeq}`,
          type: 'message',
          chat_id: s.chatId,
          sender_id: deps.userId,
          client_msg_id: clientMsgId,
          content,
          server_ts: Date.now(),
          is_fallback: true,
        });
        return true;
      }
      store.set({ connectionError: 'Not connected' });
      return false;
    }
    ws.send(JSON.stringify({ type: 'send', client_msg_id: clientMsgId, content }));
    return true;
  }

  function retry(): void {
    const s = store.getState();
    if (s.chatId === null || s.status !== 'failed') return;
    store.set({ reconnectAttempts: 0, connectionError: null });
    connect(s.chatId);
  }

  function disconnect(): void {
    leaving = true;
    deps.clearTimeout(connectTimer);
    deps.clearTimeout(reconnectTimer);
    const socket = ws;
    ws = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'leaving the chat');
    }
    store.set({ status: 'closed', isConnected: false });
  }

  return { getState: store.getState, subscribe: store.subscribe, connect, sendMessage, retry, disconnect };
}
