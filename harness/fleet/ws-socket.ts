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
 */
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import type { SocketLike } from '../client/socket.ts';

const SOCKET = Symbol('fleet socket');
type Owned = WebSocket & { [SOCKET]: WsSocket };
const own = (ws: WebSocket) => (ws as Owned)[SOCKET];

/** `c`: the client's index; `onStatus(c, status)`: an HTTP status that refused the upgrade. */
export class WsSocket implements SocketLike {
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly ws: WebSocket;
  readonly c: number;
  readonly onStatus: (c: number, status: number) => void;

  constructor(url: string, options: ClientOptions, c: number, onStatus: (c: number, status: number) => void) {
    this.c = c;
    this.onStatus = onStatus;
    const ws = new WebSocket(url, options) as Owned;
    ws[SOCKET] = this;
    ws.on('open', onOpen);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    this.ws = ws;
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  send(data: string): void {
    this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
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
