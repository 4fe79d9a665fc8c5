/**
 * A small Socket.IO chat server: the gateway a Socket.IO product would run, and the example the
 * Socket.IO codec (harness/protocol/socketio.ts) is written against.
 *
 * - JWT auth middleware: the handshake's `auth` carries { token, chat }; HS256, `sub` and `exp`
 *   required, `chats` must list the chat. It runs on every connection, recoveries included
 *   (skipMiddlewares: false). A refusal is an Error whose `data.code` is 4401 (credential), 4403
 *   (membership) or 4400 (malformed), the codes chat-v1 uses.
 * - rooms: a socket joins the room of its chat.
 * - acknowledgements: emit('send', { client_msg_id, content }, ack) is answered with
 *   { message_id, seq, server_ts }, or { error } for a payload it refuses. A client_msg_id already
 *   accepted from the same sender in the same chat gets its original ack and is not broadcast again.
 * - per-room sequence: seq starts at 1 and grows by one per accepted message.
 * - connection state recovery (Socket.IO ≥ 4.6): a client that comes back within two minutes gets
 *   what its rooms missed, in order.
 *
 * One repair on top of Socket.IO 4.8: a recovering socket is put back in its rooms when its session
 * is restored, but it joins the namespace's sockets only after the middlewares; a room broadcast
 * while an async middleware runs (here: the JWT check) skips it, and is in neither its missed
 * packets nor its live stream (socket.io/dist/namespace.js _add, socket.io-adapter apply). chatstorm's
 * delivery check found it in the network-cut run (7 deliveries lost between the replayed messages
 * and the live ones; none after this repair). The server therefore notes the room's seq when the middleware starts and, once the socket
 * is connected, sends it what the room broadcast in between.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { Server } from 'socket.io';

export interface Message {
  message_id: string;
  chat_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  content: string;
  server_ts: number;
}

export interface SocketIoGatewayOptions {
  jwtSecret: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Engine.IO ping interval. Default 25000 ms (Socket.IO's). */
  pingIntervalMs?: number;
  /** Connection state recovery. Default true; false is a mutant (resume ignored). */
  recovery?: boolean;
  /** Whether an accepted message is broadcast to its room. Default always; a mutant drops some. */
  shouldBroadcast?: (m: Message) => boolean;
}

export interface SocketIoGateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

const CHAT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const now = () => Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;

function refuse(message: string, code: number): Error {
  return Object.assign(new Error(message), { data: { code } });
}

export async function startSocketIoGateway(o: SocketIoGatewayOptions): Promise<SocketIoGateway> {
  if (!o.jwtSecret) throw new Error('jwtSecret is required');
  const key = new TextEncoder().encode(o.jwtSecret);
  const http: HttpServer = createServer((req, res) => {
    // Socket.IO answers its own path; everything else comes here.
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    res.writeHead(404).end();
  });
  const io = new Server(http, {
    pingInterval: o.pingIntervalMs ?? 25_000,
    ...(o.recovery === false
      ? {}
      : { connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: false } }),
  });

  io.use(async (socket, next) => {
    const { token, chat } = (socket.handshake.auth ?? {}) as { token?: unknown; chat?: unknown };
    // Runs in the same tick as the session restore: nothing was broadcast since.
    if (socket.recovered && typeof chat === 'string') socket.data.seqAtRestore = seqs.get(chat) ?? 0;
    if (typeof chat !== 'string' || !CHAT_ID.test(chat)) return next(refuse('malformed chat id', 4400));
    if (typeof token !== 'string' || token === '') return next(refuse('missing token', 4401));
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] });
      if (!Array.isArray(payload.chats) || !payload.chats.includes(chat))
        return next(refuse('not a member of this chat', 4403));
      socket.data.user = String(payload.sub);
      socket.data.chat = chat;
      next();
    } catch (e) {
      next(refuse(`bad token: ${(e as Error).message}`, 4401));
    }
  });

  const seqs = new Map<string, number>();
  /** Per room, the recent messages it broadcast (for the repair above); bounded. */
  const recent = new Map<string, Message[]>();
  const RECENT_LIMIT = 1_000;
  const accepted = new Map<string, { message_id: string; seq: number; server_ts: number }>();
  io.on('connection', (socket) => {
    const { user, chat } = socket.data as { user: string; chat: string };
    // A recovered socket is back in its rooms already.
    if (!socket.recovered) socket.join(chat);
    else {
      const from = (socket.data as { seqAtRestore?: number }).seqAtRestore ?? Infinity;
      for (const m of recent.get(chat) ?? []) if (m.seq > from) socket.emit('message', m);
    }
    socket.on('send', (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const p = (payload ?? {}) as { client_msg_id?: unknown; content?: unknown };
      if (typeof p.client_msg_id !== 'string' || p.client_msg_id.length === 0 || p.client_msg_id.length > 64)
        return ack({ error: 'bad-client-msg-id' });
      if (typeof p.content !== 'string' || p.content.length > 4096) return ack({ error: 'bad-content' });
      const key = `${chat}\n${user}\n${p.client_msg_id}`;
      const prior = accepted.get(key);
      if (prior) return ack(prior);
      const seq = (seqs.get(chat) ?? 0) + 1;
      seqs.set(chat, seq);
      const m: Message = {
        message_id: `${chat}:${seq}`,
        chat_id: chat,
        seq,
        sender_id: user,
        client_msg_id: p.client_msg_id,
        content: p.content,
        server_ts: now(),
      };
      const a = { message_id: m.message_id, seq, server_ts: m.server_ts };
      accepted.set(key, a);
      if (o.shouldBroadcast?.(m) ?? true) {
        io.to(chat).emit('message', m);
        const log = recent.get(chat) ?? [];
        log.push(m);
        if (log.length > RECENT_LIMIT) log.shift();
        recent.set(chat, log);
      }
      ack(a);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
