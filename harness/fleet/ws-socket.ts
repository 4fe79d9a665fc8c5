/**
 * The fleet's socket: a `ws` client seen through the SocketLike handlers the reference client sets
 * (onopen, onmessage, onclose, onerror). `ws` offers those handlers itself, but each assignment
 * goes through its EventTarget layer: a wrapper closure per handler and per socket, removed and
 * re-added on every assignment, and a MessageEvent object built for every frame. Here the four
 * listeners are the same four functions for every socket (EventEmitter calls them with the `ws`
 * as `this`; the socket is found through one symbol), and a frame reaches the client as a plain
 * `{ data }`. What the client sees is the same: the text of a text frame, the close code, open
 * and error (docs/scale.md, "The fleet's own CPU").
 *
 * A refusal before the upgrade (HTTP 401/403…) reaches the client as a bare 1006; ws names the
 * status only in its error's message, so the error listener hands it to `onStatus` (recorded for
 * the auth check).
 *
 * TCP first, then `ws`: the socket connects with a bare `net.connect` and builds `ws`'s handshake
 * (its http.ClientRequest, the key, the headers) only once the connection is up, handing `ws` the
 * connected socket (its `createConnection` option). What an attempt costs that a refused port (a cut's
 * disabled proxy) turns away is then the connect alone: ~50 µs of the fleet's CPU instead of ~200
 * through `ws` (docs/scale.md), and a cut makes every client try once or twice while it lasts. The
 * client sees what `ws` gives it: a refusal or a close() before the connection is up is an error,
 * then a close 1006; readyState is CONNECTING until then, CLOSED after.
 */
import { connect, type Socket } from 'node:net';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import type { SocketLike } from '../client/socket.ts';

const SOCKET = Symbol('fleet socket');
type Owned = WebSocket & { [SOCKET]: WsSocket };
type OwnedTcp = Socket & { [SOCKET]: WsSocket };
const own = (ws: WebSocket) => (ws as Owned)[SOCKET];
const CONNECTING = 0;
const CLOSED = 3;
/** ws://host:port/… — the fleet's URLs always name their port (a proxy's). */
const HOST_PORT = /^ws:\/\/(\[[^\]]+\]|[^/:[]+):(\d+)/;

/** `c`: the client's index; `onStatus(c, status)`: an HTTP status that refused the upgrade. */
export class WsSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  /** `ws`'s socket, once the TCP connection is up; null before (and for good when it never came up). */
  ws: WebSocket | null = null;
  readonly c: number;
  readonly onStatus: (c: number, status: number) => void;
  private readonly url: string;
  private readonly options: ClientOptions;
  private tcp: Socket | null;
  /** Refused, or closed before the connection was up. */
  private failed = false;

  constructor(url: string, options: ClientOptions, c: number, onStatus: (c: number, status: number) => void) {
    this.c = c;
    this.onStatus = onStatus;
    this.url = url;
    this.options = options;
    const m = HOST_PORT.exec(url);
    const u = m ? null : new URL(url);
    const tcp = connect({
      host: (m ? m[1] : u!.hostname).replace(/^\[|\]$/g, ''),
      port: Number(m ? m[2] : u!.port || 80),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    }) as OwnedTcp;
    tcp[SOCKET] = this;
    tcp.once('connect', onTcpConnect);
    tcp.once('error', onTcpError);
    this.tcp = tcp;
  }

  get readyState(): number {
    return this.ws ? this.ws.readyState : this.failed ? CLOSED : CONNECTING;
  }

  send(data: string): void {
    if (!this.ws) throw new Error(`WebSocket is not open: readyState ${this.readyState} (CONNECTING)`);
    this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.ws) return this.ws.close(code, reason);
    if (this.failed) return;
    // As ws: closing before the connection is up aborts it, with an error and then a close 1006.
    this.failed = true;
    this.tcp?.destroy();
    this.tcp = null;
    const err = new Error('WebSocket was closed before the connection was established');
    process.nextTick(() => {
      this.onerror?.(err);
      this.onclose?.({ code: 1006, reason: '' });
    });
  }

  /** The TCP connection is up: `ws` takes it and sends the upgrade. */
  handshake(tcp: Socket): void {
    tcp.removeListener('error', onTcpError);
    this.tcp = null;
    const ws = new WebSocket(this.url, { ...this.options, createConnection: () => tcp }) as Owned;
    ws[SOCKET] = this;
    ws.on('open', onOpen);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    this.ws = ws;
  }

  /** The connect failed (refused, unreachable): an error, then a close 1006, as ws reports it. */
  refused(err: Error): void {
    this.failed = true;
    this.tcp = null;
    this.onerror?.(err);
    this.onclose?.({ code: 1006, reason: '' });
  }
}

function onTcpConnect(this: OwnedTcp): void {
  this[SOCKET].handshake(this);
}

function onTcpError(this: OwnedTcp, err: Error): void {
  this.destroy();
  this[SOCKET].refused(err);
}

function onOpen(this: WebSocket): void {
  own(this).onopen?.(undefined);
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  // As ws's own onmessage: a text frame as a string, a binary one as it came.
  own(this).onmessage?.({ data: isBinary ? data : data.toString() });
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  own(this).onclose?.({ code, reason: reason.toString() });
}

function onError(this: WebSocket, err: Error): void {
  const s = own(this);
  const status = /^Unexpected server response: (\d+)$/.exec(err.message)?.[1];
  if (status) s.onStatus(s.c, Number(status));
  s.onerror?.(err);
}
