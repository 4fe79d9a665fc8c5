/**
 * The chat WebSocket store, as the product team fixed it (docs/client-policy.md): no local
 * fallback, 10 reconnect attempts with exponential backoff from 1 s to 30 s, a 10 s connection
 * timeout that leads to a reconnect, a send that checks the socket is OPEN and otherwise shows an
 * error and reconnects, the attempt counter reset on every open, and a resume with `since`.
 * The numbers are the product's defaults; `settings` changes them (test/mutants/clients/ uses that
 * to match a scenario's policy, and to break the store one setting at a time).
 *
 * Written as a frontend store is: framework-free, a small subscribe/getState store, with its
 * environment (WebSocket, timers, URL) passed in. The browser page loads this very file (the
 * reference gateway strips the types when it serves it) and the harness adapter drives it in the
 * fleet. It must therefore stay self-contained: type-only imports, erasable syntax only.
 */

/** A chat message exactly as the gateway sent it (chat-v1 `message` frame). */
export interface ChatMessage {
  id: string;
  message_id: string;
  chat_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  content: string;
  server_ts: number;
}

/** A message the person sent that the gateway has not confirmed: it is not in `messages` until it comes back. */
export interface OutboxItem {
  client_msg_id: string;
  content: string;
  status: 'sending' | 'failed';
  error?: string;
}

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface ChatState {
  chatId: string | null;
  status: ConnectionStatus;
  isConnected: boolean;
  messages: ChatMessage[];
  outbox: OutboxItem[];
  /** The banner the person sees; null when all is well. */
  connectionError: string | null;
  reconnectAttempts: number;
  /** Highest seq seen: the resume point. */
  lastSeq: number | null;
}

export interface ChatStoreDeps {
  WebSocket: typeof WebSocket;
  /** The chat endpoint with the token; `since` asks the gateway to replay what was missed. */
  url(chatId: string, since?: number | null): string;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** The signed-in user (sender_id of their own messages). */
  userId: string;
  /** client_msg_id for a send without one. Default crypto.randomUUID(). */
  newId?(): string;
  /** Console logging, as the product's store does. Default: none. */
  log?(...args: unknown[]): void;
  /** The connection settings; each defaults to the product's (the constants below). */
  settings?: ChatStoreSettings;
}

/** How the store connects and reconnects: the product's values unless given. */
export interface ChatStoreSettings {
  /** A socket not open by then is closed and counts as a failed attempt. Default CONNECT_TIMEOUT_MS (10 s). */
  connectTimeoutMs?: number;
  /** Delay before the first reconnect, doubled after each failure. Default RECONNECT_BASE_MS (1 s). */
  reconnectBaseMs?: number;
  /** Cap on any reconnect delay. Default RECONNECT_MAX_MS (30 s). */
  reconnectMaxMs?: number;
  /** Failed attempts in a row before the store gives up and says so. Default MAX_RECONNECT_ATTEMPTS (10). */
  maxReconnectAttempts?: number;
}

export interface ChatStore {
  getState(): ChatState;
  subscribe(listener: (state: ChatState) => void): () => void;
  connect(chatId: string): void;
  /** Returns false (and shows an error) when the message could not be sent. */
  sendMessage(content: string, options?: { clientMsgId?: string }): boolean;
  /** The person asks to try again after the store gave up. */
  retry(): void;
  disconnect(): void;
}

export const CONNECT_TIMEOUT_MS = 10_000;
export const MAX_RECONNECT_ATTEMPTS = 10;
export const RECONNECT_BASE_MS = 1_000;
export const RECONNECT_MAX_MS = 30_000;
const OPEN = 1;
const CONNECTING = 0;

/** The few lines of a subscribe/getState store. */
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
    messages: [],
    outbox: [],
    connectionError: null,
    reconnectAttempts: 0,
    lastSeq: null,
  });
  const log = deps.log ?? (() => {});
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const connectTimeoutMs = deps.settings?.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const reconnectBaseMs = deps.settings?.reconnectBaseMs ?? RECONNECT_BASE_MS;
  const reconnectMaxMs = deps.settings?.reconnectMaxMs ?? RECONNECT_MAX_MS;
  const maxReconnectAttempts = deps.settings?.maxReconnectAttempts ?? MAX_RECONNECT_ATTEMPTS;
  const known = new Set<string>();
  let ws: WebSocket | null = null;
  let connectTimer: unknown = null;
  let reconnectTimer: unknown = null;
  let everConnected = false;
  let leaving = false;

  function connect(chatId: string): void {
    const s = store.getState();
    if (ws && s.chatId === chatId && (ws.readyState === CONNECTING || ws.readyState === OPEN)) return;
    leaving = false;
    const since = everConnected ? (s.lastSeq ?? 0) : null;
    store.set({ chatId, status: s.reconnectAttempts > 0 ? 'reconnecting' : 'connecting' });
    log('[ws] connecting', chatId, since === null ? '' : `since ${since}`);
    const socket = new deps.WebSocket(deps.url(chatId, since));
    ws = socket;
    connectTimer = deps.setTimeout(() => {
      if (socket.readyState === OPEN) return;
      // A timeout is a failed attempt like any other: reconnect, never fall back.
      log('[ws] connection timeout');
      socket.onclose = null;
      socket.close();
      if (ws === socket) ws = null;
      attemptReconnect();
    }, connectTimeoutMs);

    socket.onopen = () => {
      deps.clearTimeout(connectTimer);
      everConnected = true;
      log('[ws] connected');
      store.set({ status: 'connected', isConnected: true, connectionError: null, reconnectAttempts: 0 });
    };
    socket.onmessage = (event) => onFrame(String(event.data));
    socket.onerror = () => log('[ws] error');
    socket.onclose = (event) => {
      deps.clearTimeout(connectTimer);
      if (ws !== socket) return;
      ws = null;
      // What was in flight on this socket is not confirmed: say so, never pretend it was sent.
      const outbox = store
        .getState()
        .outbox.map(
          (o): OutboxItem =>
            o.status === 'sending' ? { ...o, status: 'failed', error: 'Not sent: the connection was lost.' } : o,
        );
      store.set({ isConnected: false, outbox });
      log('[ws] closed', event.code);
      if (leaving) return void store.set({ status: 'closed' });
      if (event.code === 4401)
        return void store.set({ status: 'failed', connectionError: 'Your session has expired. Please sign in again.' });
      if (event.code === 4403)
        return void store.set({ status: 'failed', connectionError: 'You do not have access to this chat.' });
      attemptReconnect();
    };
  }

  function attemptReconnect(): void {
    const s = store.getState();
    if (reconnectTimer !== null || leaving || s.chatId === null) return;
    if (s.reconnectAttempts >= maxReconnectAttempts) {
      store.set({
        status: 'failed',
        isConnected: false,
        connectionError: 'Unable to connect to the chat. Check your connection and try again.',
      });
      return;
    }
    const delay = Math.min(reconnectBaseMs * 2 ** s.reconnectAttempts, reconnectMaxMs);
    log(`[ws] reconnecting in ${delay} ms (attempt ${s.reconnectAttempts + 1}/${maxReconnectAttempts})`);
    store.set({
      status: 'reconnecting',
      isConnected: false,
      reconnectAttempts: s.reconnectAttempts + 1,
      connectionError: 'Connection lost. Reconnecting…',
    });
    const chatId = s.chatId;
    reconnectTimer = deps.setTimeout(() => {
      reconnectTimer = null;
      connect(chatId);
    }, delay);
  }

  function onFrame(data: string): void {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(data);
    } catch {
      return log('[ws] unreadable frame');
    }
    const s = store.getState();
    switch (f.type) {
      case 'message': {
        const m = f as unknown as Omit<ChatMessage, 'id'>;
        if (known.has(m.message_id)) return;
        known.add(m.message_id);
        store.set({
          messages: [...s.messages, { ...m, id: m.message_id }],
          lastSeq: s.lastSeq === null || m.seq > s.lastSeq ? m.seq : s.lastSeq,
          // Our own message is confirmed by its broadcast as much as by its ack.
          outbox: m.sender_id === deps.userId ? s.outbox.filter((o) => o.client_msg_id !== m.client_msg_id) : s.outbox,
        });
        return;
      }
      case 'ack':
        store.set({ outbox: s.outbox.filter((o) => o.client_msg_id !== f.client_msg_id) });
        return;
      case 'error': {
        const text = `Message refused: ${String(f.message ?? f.code)}`;
        if (typeof f.client_msg_id === 'string') {
          store.set({
            outbox: s.outbox.map((o) =>
              o.client_msg_id === f.client_msg_id ? { ...o, status: 'failed', error: text } : o,
            ),
          });
        } else store.set({ connectionError: text });
        return;
      }
      case 'system':
        if (f.event === 'gap') {
          const to = Number(f.to_seq);
          log(`[ws] messages ${f.from_seq}-${f.to_seq} could not be loaded`);
          if (s.lastSeq === null || to > s.lastSeq) store.set({ lastSeq: to });
        }
        return;
    }
  }

  function sendMessage(content: string, options: { clientMsgId?: string } = {}): boolean {
    const clientMsgId = options.clientMsgId ?? newId();
    const s = store.getState();
    if (!ws || ws.readyState !== OPEN || !s.isConnected) {
      // Fixed: no local copy, a visible error, and a reconnect unless one is already on its way.
      store.set({
        connectionError: 'Not connected: your message was not sent. Reconnecting…',
        outbox: [
          ...s.outbox,
          { client_msg_id: clientMsgId, content, status: 'failed', error: 'Not sent: not connected.' },
        ],
      });
      if (s.status !== 'failed' && s.status !== 'closed' && !ws) attemptReconnect();
      return false;
    }
    ws.send(JSON.stringify({ type: 'send', client_msg_id: clientMsgId, content }));
    store.set({ outbox: [...s.outbox, { client_msg_id: clientMsgId, content, status: 'sending' }] });
    return true;
  }

  function retry(): void {
    const s = store.getState();
    if (s.status !== 'failed' || s.chatId === null) return;
    store.set({ reconnectAttempts: 0, connectionError: null });
    connect(s.chatId);
  }

  function disconnect(): void {
    leaving = true;
    deps.clearTimeout(connectTimer);
    deps.clearTimeout(reconnectTimer);
    reconnectTimer = null;
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
