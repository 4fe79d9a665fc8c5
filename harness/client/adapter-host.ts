/**
 * The harness side of a client adapter: runs one user store through its adapter inside a fleet
 * process and turns what happens into the same ClientEvent history the reference client writes,
 * so every check judges the store.
 *
 * The store is not trusted to report on itself. The WebSocket constructor handed to it records
 * the wire: attempts, opens, failures, closes with their codes, every frame received. Its
 * listeners are registered in the constructor, before the store's, so a frame is on record before
 * the store reacts to it. From the store's view only what a person sees is taken: messages shown
 * (one the gateway never sent is a local echo), fallback flags and local-mode notices, errors
 * shown, and the state `failed`.
 */
import { WebSocket as WsWebSocket } from 'ws';
import type { RawData } from 'ws';
import type { ClientEvent } from '../record/history.ts';
import { chatV1 } from '../protocol/chat-v1.ts';
import type { FrameCodec } from '../protocol/types.ts';
import type {
  ClientAdapter,
  ClientAdapterFactory,
  ShownMessage,
  ShownState,
  StoreView,
  WebSocketConstructor,
} from './adapter.ts';
import type { ClientEnv, ClientState } from './client.ts';
import type { ClientPolicy } from '../policy/policy.ts';

/** What the fleet needs of a client, reference or adapted. */
export interface FleetClient {
  readonly state: ClientState;
  /** Highest seq this client has seen on the wire (messages, or the end of an announced gap). */
  readonly lastSeq: number | null;
  /** Sends written to the current socket and not yet acknowledged. */
  readonly pendingCount: number;
  start(): void;
  send(clientMsgId: string, content: string): unknown;
  stop(): void;
}

export interface AdapterIdentity {
  c: number;
  user: string;
  chat: string;
  token: string;
  /** ws://host:port the sockets go to (the proxy). */
  origin: string;
}

export type AdapterHostEnv = Omit<ClientEnv, 'connect'>;

/** A send while not connected counts as surfaced when an error shows within this time (errors-surfaced). */
const AT_ONCE_MS = 1_000;
const OPEN = 1;
const CONNECTING = 0;
/** Store notices that announce a fallback path. */
const LOCAL_MODE = /local mode|offline|fallback/i;

interface Wire {
  ws: WsWebSocket;
  /** Attempt number in the current series. */
  n: number;
  opened: boolean;
  /** Its end (failure or close) is on record; later events of this socket are ignored. */
  ended: boolean;
  /** client_msg_ids written to this socket and not acked yet. */
  pending: Set<string>;
}

let adapterErrorsLogged = 0;

export class AdapterClient implements FleetClient {
  lastSeq: number | null = null;
  /** Exceptions the store or adapter threw (a browser would log them; the person sees nothing). */
  adapterErrors = 0;
  /** The constructor handed to the store. */
  readonly WebSocket: WebSocketConstructor;

  private readonly id: AdapterIdentity;
  private readonly env: AdapterHostEnv;
  private readonly adapter: ClientAdapter;
  private current: Wire | null = null;
  private readonly live = new Set<Wire>();
  private readonly timers = new Set<unknown>();
  private series = 0;
  private lastEnd: number | null = null;
  private lastCode: number | null = null;
  private started = false;
  private stopping = false;
  private finished = false;
  // What the gateway sent this client, to tell its messages from local ones.
  private readonly wireMids = new Set<string>();
  private readonly wireKeys = new Set<string>();
  private readonly wireSeqs = new Set<number>();
  // What of the view is already on record.
  private shownState: ShownState = 'idle';
  private readonly seen = new Set<string>();
  private scanLen = 0;
  private scanLastId: string | null = null;
  private readonly reportedErrors = new Set<string>();
  /** Sends made while not connected, waiting for a visible error: client_msg_id → send time. */
  private readonly awaiting = new Map<string, number>();
  private observing = false;
  private dirty = false;

  private readonly codec: FrameCodec;

  constructor(
    factory: ClientAdapterFactory,
    identity: AdapterIdentity,
    policy: ClientPolicy,
    env: AdapterHostEnv,
    base: typeof WsWebSocket = WsWebSocket,
    codec: FrameCodec = chatV1,
  ) {
    this.id = identity;
    this.codec = codec;
    this.env = env;
    this.WebSocket = this.recordingWebSocket(base);
    this.adapter = factory({
      c: identity.c,
      userId: identity.user,
      chatId: identity.chat,
      token: identity.token,
      policy,
      WebSocket: this.WebSocket,
      url: (chatId, since) => codec.url(identity.origin, chatId, identity.token, since ?? null),
      setTimeout: (fn, ms) => this.setTimer(fn, ms),
      clearTimeout: (h) => this.clearTimer(h),
      now: () => env.now(),
      random: () => env.random(),
      observe: (view) => this.observe(view),
    });
  }

  get state(): ClientState {
    if (this.finished) return 'closed';
    if (this.shownState === 'failed')
      return this.lastCode === this.codec.refusals.unauthorized || this.lastCode === this.codec.refusals.forbidden
        ? 'stopped'
        : 'failed';
    const w = this.current;
    if (!w || w.ended) return this.started ? 'backoff' : 'idle';
    if (w.ws.readyState === OPEN) return 'open';
    if (w.ws.readyState === CONNECTING) return 'connecting';
    return 'backoff';
  }

  get pendingCount(): number {
    const w = this.current;
    return w && !w.ended ? w.pending.size : 0;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.guard(() => this.adapter.connect());
    this.observe();
  }

  send(clientMsgId: string, content: string): void {
    if (this.finished) return;
    const t = this.env.now();
    const w = this.current;
    const open = w !== null && !w.ended && w.ws.readyState === OPEN;
    this.record({ k: 'send', t, c: this.id.c, id: clientMsgId, open });
    if (!open) this.awaiting.set(clientMsgId, t);
    this.guard(() => this.adapter.send(clientMsgId, content));
    // Catches an error shown synchronously even by an adapter that forgot to call observe().
    this.observe();
  }

  stop(): void {
    if (this.finished) return;
    this.stopping = true;
    this.observe();
    this.guard(() => this.adapter.close());
    // Whatever the store left open is closed for it; recorded as the harness's own end-of-run close.
    for (const w of [...this.live]) if (!w.ended) w.ws.close(1000, 'chatstorm: end of run');
    for (const h of this.timers) this.env.clearTimeout(h);
    this.timers.clear();
    this.finished = true;
  }

  /** The store changed: record what a person now sees that was not on record yet. */
  observe(view?: StoreView): void {
    if (this.finished) return;
    if (this.observing) {
      this.dirty = true;
      return;
    }
    this.observing = true;
    try {
      let v = view;
      do {
        this.dirty = false;
        if (v === undefined) {
          try {
            v = this.adapter.view();
          } catch (e) {
            this.adapterError(e);
            return;
          }
        }
        this.diff(v);
        v = undefined;
      } while (this.dirty);
    } finally {
      this.observing = false;
    }
  }

  private diff(view: StoreView): void {
    const t = this.env.now();
    const msgs = view.messages ?? [];
    // Stores append: rescan only the new tail unless the list changed before it.
    const from =
      this.scanLen > 0 && msgs.length >= this.scanLen && msgs[this.scanLen - 1]?.id === this.scanLastId
        ? this.scanLen
        : 0;
    for (let i = from; i < msgs.length; i++) this.shown(msgs[i], t);
    this.scanLen = msgs.length;
    this.scanLastId = msgs.length ? msgs[msgs.length - 1].id : null;

    const errors = view.errors ?? [];
    let general: string | null = null;
    for (const e of errors) {
      if (!e?.text) continue;
      if (e.clientMsgId === undefined) {
        general ??= e.text;
        continue;
      }
      const key = `${e.clientMsgId}\n${e.text}`;
      if (this.reportedErrors.has(key)) continue;
      this.reportedErrors.add(key);
      this.awaiting.delete(e.clientMsgId);
      this.record({ k: 'send-error', t, c: this.id.c, id: e.clientMsgId, why: e.text });
    }
    for (const [id, sentAt] of this.awaiting) {
      if (t - sentAt > AT_ONCE_MS) this.awaiting.delete(id);
      else if (general !== null) {
        this.awaiting.delete(id);
        this.record({ k: 'send-error', t, c: this.id.c, id, why: general });
      }
    }

    if (view.state !== this.shownState) {
      this.shownState = view.state;
      if (view.state === 'failed') {
        const message = general ?? errors.find((e) => e?.text)?.text ?? '';
        const state =
          this.lastCode === this.codec.refusals.unauthorized
            ? 'unauthorized'
            : this.lastCode === this.codec.refusals.forbidden
              ? 'forbidden'
              : 'failed';
        this.record({ k: 'stopped', t, c: this.id.c, state, message });
      }
    }
  }

  private shown(m: ShownMessage, t: number): void {
    if (!m || this.seen.has(m.id)) return;
    this.seen.add(m.id);
    const c = this.id.c;
    const text = excerpt(m.content);
    if (m.kind === 'system') {
      if (m.isFallback || LOCAL_MODE.test(String(m.content))) {
        this.record({
          k: 'fallback',
          t,
          c,
          what: 'system',
          detail: `the store shows the notice "${text}"${m.isFallback ? ' (is_fallback)' : ''}`,
        });
      }
      return;
    }
    // The most specific identity the store kept decides; none at all cannot be traced to the gateway.
    const fromGateway =
      m.messageId !== undefined
        ? this.wireMids.has(m.messageId)
        : m.senderId !== undefined && m.clientMsgId !== undefined
          ? this.wireKeys.has(`${m.senderId}\n${m.clientMsgId}`)
          : m.seq !== undefined
            ? this.wireSeqs.has(m.seq)
            : false;
    const label = m.clientMsgId ?? m.id;
    if (!fromGateway) {
      // The store shows the message as if it went out: a banner elsewhere does not make that an error shown.
      if (m.clientMsgId !== undefined) this.awaiting.delete(m.clientMsgId);
      this.record({
        k: 'fallback',
        t,
        c,
        what: 'local-message',
        id: label,
        detail: `message ${label} "${text}" shown in the store, never sent by the gateway${m.isFallback ? ' (is_fallback)' : ''}`,
      });
    } else if (m.isFallback) {
      this.record({
        k: 'fallback',
        t,
        c,
        what: 'is_fallback',
        id: label,
        detail: `the store marks gateway message ${m.messageId ?? label} is_fallback`,
      });
    }
  }

  // ---- the wire -------------------------------------------------------------------------------

  private recordingWebSocket(base: typeof WsWebSocket): WebSocketConstructor {
    const host = this;
    class RecordingWebSocket extends base {
      constructor(url: string | URL, protocols?: string | string[]) {
        const n = host.attemptStarts(String(url));
        try {
          super(url, protocols, { perMessageDeflate: false });
        } catch (e) {
          host.attemptThrew(n);
          throw e;
        }
        host.attach(this, n);
      }
    }
    return RecordingWebSocket as unknown as WebSocketConstructor;
  }

  private attemptStarts(url: string): number {
    if (this.finished) throw new Error('chatstorm: this client was stopped at the end of the run');
    const t = this.env.now();
    const n = ++this.series;
    const since = this.codec.sinceOf(url);
    this.record({
      k: 'attempt',
      t,
      c: this.id.c,
      n,
      delay: this.lastEnd === null ? 0 : Math.round(t - this.lastEnd),
      since,
    });
    return n;
  }

  private attemptThrew(n: number): void {
    const t = this.env.now();
    this.record({ k: 'fail', t, c: this.id.c, n, why: 'error' });
    this.lastEnd = t;
  }

  private attach(ws: WsWebSocket, n: number): void {
    const w: Wire = { ws, n, opened: false, ended: false, pending: new Set() };
    this.current = w;
    this.live.add(w);
    ws.on('open', () => this.wireOpen(w));
    ws.on('message', (data: RawData, isBinary: boolean) => this.wireFrame(w, data, isBinary));
    ws.on('close', (code: number) => this.wireClose(w, code));
    // ws throws an 'error' nobody listens to; a browser never does.
    ws.on('error', () => {});

    // A browser reports an exception in a socket handler and carries on; in ws it would escape
    // the receiver and kill the whole fleet process.
    const guarded = new Map<unknown, (this: unknown, ev: unknown) => void>();
    const add = ws.addEventListener;
    const remove = ws.removeEventListener;
    const host = this;
    define(ws, 'addEventListener', (type: string, handler: unknown, options?: unknown) => {
      if (handler === null || handler === undefined) return;
      let g = guarded.get(handler);
      if (!g) {
        g = function (this: unknown, ev: unknown) {
          try {
            if (typeof handler === 'function') handler.call(this, ev);
            else (handler as { handleEvent(ev: unknown): void }).handleEvent(ev);
          } catch (e) {
            host.adapterError(e);
          }
        };
        guarded.set(handler, g);
      }
      (add as (...a: unknown[]) => void).call(ws, type, g, options);
    });
    define(ws, 'removeEventListener', (type: string, handler: unknown) =>
      (remove as (...a: unknown[]) => void).call(ws, type, guarded.get(handler) ?? handler),
    );

    const close = ws.close;
    define(ws, 'close', (code?: number, reason?: string) => {
      // ws calls close() itself to answer the server's close frame (then _closeFrameReceived is
      // set) and on a protocol error (with a code no page may use): those ends are the server's,
      // recorded by the close event. An invalid code from the store throws, as in a browser.
      const echo = (ws as unknown as { _closeFrameReceived?: boolean })._closeFrameReceived === true;
      if (!echo && (code === undefined || code === 1000 || (code >= 3000 && code <= 4999))) this.clientCloses(w, code);
      close.call(ws, code, reason);
    });
    const send = ws.send;
    define(ws, 'send', (data: unknown, ...rest: unknown[]) => {
      (send as (...a: unknown[]) => void).call(ws, data, ...rest);
      if (typeof data === 'string' && ws.readyState === OPEN) {
        const id = this.codec.sentId(data);
        if (id !== null) w.pending.add(id);
      }
    });
  }

  private wireOpen(w: Wire): void {
    if (w.ended || this.finished) return;
    w.opened = true;
    this.series = 0;
    this.record({ k: 'open', t: this.env.now(), c: this.id.c, n: w.n });
  }

  /** The store closes a socket: an open one is a client close; one not open yet is an abandoned attempt (its connect timeout). */
  private clientCloses(w: Wire, code: number | undefined): void {
    if (w.ended) return;
    const t = this.env.now();
    w.ended = true;
    this.live.delete(w);
    if (w.opened) {
      // The harness's own stop is recorded as 1000 whatever code the store uses, so the oracle
      // knows the connection was healthy until the end.
      this.record({ k: 'close', t, c: this.id.c, code: this.stopping ? 1000 : (code ?? 1005), by: 'client' });
    } else if (!this.stopping) {
      this.record({ k: 'fail', t, c: this.id.c, n: w.n, why: 'timeout' });
    }
    this.lastEnd = t;
    this.lastCode = code ?? null;
  }

  private wireClose(w: Wire, code: number): void {
    if (w.ended || this.finished) return;
    const t = this.env.now();
    w.ended = true;
    this.live.delete(w);
    if (w.opened) this.record({ k: 'close', t, c: this.id.c, code, by: code === 1006 ? 'network' : 'server' });
    else this.record({ k: 'fail', t, c: this.id.c, n: w.n, why: code === 1006 ? 'refused' : 'closed', code });
    this.lastEnd = t;
    this.lastCode = code;
  }

  private wireFrame(w: Wire, data: RawData, isBinary: boolean): void {
    if (w.ended || this.finished) return;
    const t = this.env.now();
    const { c } = this.id;
    for (const d of this.codec.decode(isBinary ? '' : String(data))) {
      switch (d.k) {
        case 'pong':
          continue;
        case 'recv':
          this.wireMids.add(d.mid);
          this.wireKeys.add(`${d.sender}\n${d.id}`);
          if (Number.isFinite(d.seq)) {
            this.wireSeqs.add(d.seq);
            if (this.lastSeq === null || d.seq > this.lastSeq) this.lastSeq = d.seq;
          }
          break;
        case 'ack':
          w.pending.delete(d.id);
          break;
        case 'error-frame':
          if (d.id) w.pending.delete(d.id);
          break;
        case 'gap':
          if (Number.isFinite(d.to) && (this.lastSeq === null || d.to > this.lastSeq)) this.lastSeq = d.to;
          break;
      }
      this.record(Object.assign({ k: d.k, t, c }, d) as ClientEvent);
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private setTimer(fn: () => void, ms: number): unknown {
    if (this.finished) return null;
    const h = this.env.setTimeout(() => {
      this.timers.delete(h);
      this.guard(fn);
    }, ms);
    this.timers.add(h);
    return h;
  }

  private clearTimer(h: unknown): void {
    if (h === null || h === undefined) return;
    this.timers.delete(h);
    this.env.clearTimeout(h);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.adapterError(e);
    }
  }

  private adapterError(e: unknown): void {
    if (this.finished) return;
    this.adapterErrors++;
    // A few are enough to see what broke; thousands of clients would flood the terminal.
    if (adapterErrorsLogged++ < 5)
      console.error(
        `chatstorm: client ${this.id.c}: the store or its adapter threw: ${(e as Error)?.stack ?? String(e)}`,
      );
  }

  private record(ev: ClientEvent): void {
    this.env.record(ev);
  }
}

function define(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, configurable: true });
}

function excerpt(s: unknown): string {
  const text = String(s ?? '');
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
