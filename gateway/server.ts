/**
 * The reference chat gateway: the default system under test, implementing the chat-v1 contract
 * (docs/chat-v1.md) in one process, with in-memory state.
 *
 * It is deliberately small and single-threaded: every accepted message is numbered, stored and
 * broadcast in one synchronous step, which is what makes the ordering and resume guarantees easy
 * to reason about (and easy to break on purpose through `hooks`, for mutant gateways).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';

export interface GatewayOptions {
  /** TCP port. Default 8083; 0 picks an ephemeral port (read it back from `Gateway.port`). */
  port?: number;
  /** Interface to bind. Default '127.0.0.1'. */
  host?: string;
  /** HS256 shared secret that signs client tokens. Required, non-empty. */
  jwtSecret: string;
  /**
   * Interval of WebSocket ping frames, in ms, per connection from when it opened. Default 30_000.
   * A connection that has not answered the previous ping (no pong) by its next one is terminated.
   */
  pingIntervalMs?: number;
  /** Messages kept per chat to serve resumes (`since`). Default 10_000; 0 keeps none. */
  historyLimit?: number;
  /**
   * Largest accepted frame, in bytes. Default 16_384. A larger frame is refused with an error
   * frame `too_large` and the connection stays open; only frames above a hard cap (1 MiB, or
   * 4 × this value if larger) make `ws` close the connection with 1009.
   */
  maxFrameBytes?: number;
  /** Per-connection token bucket for `send` frames. Default null (off); excess sends get `rate_limited`. */
  rateLimit?: { perSecond: number; burst: number } | null;
  /** Refused frames tolerated on one connection before it is closed with 1008. Default 100. */
  floodCloseAfter?: number;
  /**
   * File where per-chat seq high-water marks survive a restart. Default none (seq restarts at 1).
   * History is still lost on restart; with this file the gateway continues numbering above the
   * last mark it reserved, so a client resuming from before the restart gets a `gap` for what
   * was lost instead of a silent skip (or, worse, a second message with a seq it already saw).
   * Marks are reserved in blocks of SEQ_BLOCK, so the file is written once per block, not per message.
   */
  stateFile?: string;
  /** Seams for deliberately broken test gateways (mutants). Default: none (the reference behaviour). */
  hooks?: GatewayHooks;
}

export interface GatewayHooks {
  /** Called once per recipient per broadcast; return false to skip that recipient (a mutant drops deliveries). Default: always true. */
  shouldDeliver?(msg: StoredMessage, recipientUserId: string): boolean;
  /** Maps the `since` query value the client asked for to the value the gateway honours. Default: identity. A mutant returns undefined to ignore resume. */
  resumeFrom?(since: number | undefined): number | undefined;
  /** Optional extra: transform the frame object just before it is serialized to one recipient (a mutant may add fields, duplicate, etc.). Return an array of frames to send (default [frame]). */
  outgoing?(frame: Record<string, unknown>, recipientUserId: string): Record<string, unknown>[];
  /**
   * If false, skip JWT verification entirely (a mutant with no auth): no 4401, ever. The user id
   * and `chats` are then read from the token without checking it, when it can be decoded at all
   * (otherwise the user is 'anonymous' with no chats). Default true.
   */
  verifyAuth?: boolean;
  /** If false, skip the membership check (a mutant): no 4403, ever. Default true. */
  checkMembership?: boolean;
  /**
   * If true, refuse before the upgrade with HTTP 401/403/400 instead of completing it and closing
   * with 4401/4403/4400 (a mutant): a browser then sees only a bare 1006. Default false.
   */
  rejectBeforeUpgrade?: boolean;
  /** Milliseconds to hold a frame back before sending it to one recipient (a mutant that delivers late). Default 0. */
  delayMs?(frame: Record<string, unknown>, recipientUserId: string): number;
  /** How far seq advances for the next accepted message (a mutant that leaves holes). Default 1. */
  seqStep?(chatId: string, seq: number): number;
}

export interface StoredMessage {
  message_id: string;
  chat_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  content: string;
  server_ts: number;
}

export interface Gateway {
  readonly port: number;
  /** 'http://127.0.0.1:PORT' (the bound host; a wildcard bind is reported as loopback). */
  readonly url: string;
  stats(): { connections: number; chats: number; messages: number };
  /** Terminates every socket and closes the server. Idempotent. */
  close(): Promise<void>;
}

const DEFAULTS = {
  port: 8083,
  host: '127.0.0.1',
  pingIntervalMs: 30_000,
  historyLimit: 10_000,
  maxFrameBytes: 16_384,
  floodCloseAfter: 100,
} as const;

const CHAT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const WS_PATH = /^\/api\/v1\/chats\/([^/]*)\/ws$/;
const MAX_CLIENT_MSG_ID = 64;
const MAX_CONTENT = 4096;
/** Accept queue of the gateway's listener (see listen below). */
export const LISTEN_BACKLOG = 4096;

/** Seqs reserved per write of the state file. */
const SEQ_BLOCK = 1_000;
/** Idempotency must outlive the resume history, or a late resend could be re-accepted as new. */
const MIN_IDEMPOTENCY_ENTRIES = 10_000;

/** Close codes a browser can read (docs/chat-v1.md, "Rejection"). */
const CLOSE_MALFORMED = 4400;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
const CLOSE_POLICY = 1008;
const CLOSE_INTERNAL = 1011;

type ErrorCode = 'bad_json' | 'bad_frame' | 'unknown_type' | 'too_large' | 'rate_limited';
type Frame = Record<string, unknown>;
type Ack = { message_id: string; seq: number; server_ts: number };

interface ChatState {
  readonly id: string;
  /** Last assigned seq; 0 before the first message. */
  seq: number;
  /** Bounded, seq-contiguous: `history[i].seq === history[head].seq + (i - head)`. */
  history: StoredMessage[];
  /** Index of the oldest held message; trimming advances it instead of shifting the array. */
  head: number;
  /** Key: sender + client_msg_id. Insertion order doubles as eviction order. */
  accepted: Map<string, Ack>;
  /** Live recipients. */
  members: Set<Connection>;
}

interface Connection {
  readonly ws: WebSocket;
  readonly userId: string;
  readonly chat: ChatState;
  /** Answered the last WebSocket ping. */
  alive: boolean;
  /** Its own heartbeat (startHeartbeat): a ping every pingIntervalMs from when it opened. */
  heartbeat: NodeJS.Timeout | null;
  /** Refused frames so far, for flood protection. */
  refused: number;
  bucket: TokenBucket | null;
}

type Admission =
  | { ok: true; chatId: string; userId: string; since: number | undefined }
  | { ok: false; code: number; reason: string };

/** Wall-clock milliseconds with sub-millisecond precision, as the harness clocks are. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private readonly perSecond: number;
  private readonly burst: number;

  constructor(perSecond: number, burst: number) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
  }

  take(): boolean {
    const t = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const cfg = resolveOptions(options);
  const hooks = options.hooks ?? {};
  const verifyAuth = hooks.verifyAuth !== false;
  const checkMembership = hooks.checkMembership !== false;
  // Imported once: given the raw bytes, jose imports a WebCrypto key on every verify, which
  // doubled the CPU of a connect's token check (bench/stack.ts, docs/scale.md).
  const secret = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(cfg.jwtSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const idempotencyBound = Math.max(cfg.historyLimit, MIN_IDEMPOTENCY_ENTRIES);

  const chats = new Map<string, ChatState>();
  const connections = new Set<Connection>();
  /** Raw sockets whose token is still being verified, so close() can drop them too. */
  const pending = new Set<Duplex>();
  let messages = 0;
  let closing: Promise<void> | null = null;
  /** chat id → highest seq reserved in the state file. */
  const reserved = new Map<string, number>(
    options.stateFile && existsSync(options.stateFile)
      ? Object.entries(JSON.parse(readFileSync(options.stateFile, 'utf8')) as Record<string, number>)
      : [],
  );
  /** Marks loaded at start: numbering resumes above them. */
  const restored = new Map(reserved);
  function reserve(chat: ChatState): void {
    if (!options.stateFile || (reserved.get(chat.id) ?? 0) >= chat.seq) return;
    reserved.set(chat.id, chat.seq + SEQ_BLOCK - 1);
    // Write-then-rename: a crash mid-write leaves the previous marks, never a torn file.
    writeFileSync(`${options.stateFile}.tmp`, JSON.stringify(Object.fromEntries(reserved)));
    renameSync(`${options.stateFile}.tmp`, options.stateFile);
  }

  const wss = new WebSocketServer({
    noServer: true,
    // Hard cap only: frames between maxFrameBytes and this get a polite `too_large` error frame.
    maxPayload: Math.max(1 << 20, cfg.maxFrameBytes * 4),
    // The contract has no compression; disabling it keeps CPU per message predictable under load.
    perMessageDeflate: false,
  });

  const server = createServer(handleHttp);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handleUpgrade(req, socket, head).catch((err: unknown) => {
      // Only reachable through a bug; a bad client must never take the process down.
      console.error('chatstorm-gateway: upgrade failed:', err);
      socket.destroy();
    });
  });
  // Malformed HTTP from a client: answer 400 instead of letting the error escape.
  server.on('clientError', (_err, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A reconnect storm (every client of a cut coming back within a second or two) arrives as
    // thousands of handshakes at once. Node's default accept queue (511) overflows under it and
    // the kernel drops the handshakes it cannot queue, which the clients then retry only after
    // TCP's 1 s and 3 s retransmission timeouts: seconds of "reconnect" that are the queue's. The
    // kernel caps the backlog at net.core.somaxconn (4096 on current Linux).
    server.listen({ port: cfg.port, host: cfg.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : cfg.port;
  const url = `http://${urlHost(cfg.host)}:${port}`;

  function handleHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
        res.end(JSON.stringify({ ok: false, error: 'method not allowed' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    if (path === '/demo' || path.startsWith('/demo/')) {
      // The manual-test page (docs/client-adapters.md), loaded on demand: an image without it answers 404.
      import('./demo-page.ts')
        .then(
          (demo) => demo.serveDemo(req, res, path),
          () => {
            res.writeHead(404, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ok: false, error: 'not found' }));
          },
        )
        .catch(() => res.destroy());
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'not found' }));
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Until ws owns the socket nobody listens for its errors; an unhandled one would crash us.
    const onEarlyError = (): void => {
      socket.destroy();
    };
    socket.on('error', onEarlyError);
    pending.add(socket);
    let admission: Admission;
    try {
      admission = await admit(req.url ?? '/');
    } finally {
      pending.delete(socket);
      socket.off('error', onEarlyError);
    }
    if (closing || socket.destroyed) {
      socket.destroy();
      return;
    }
    if (!admission.ok && hooks.rejectBeforeUpgrade) {
      const status = admission.code === CLOSE_UNAUTHORIZED ? 401 : admission.code === CLOSE_FORBIDDEN ? 403 : 400;
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    // Rejections still complete the upgrade: a refusal before it reaches a browser as a bare 1006,
    // indistinguishable from a network failure, and the client would retry forever.
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {
        // ws already closes the socket on protocol errors (bad UTF-8, frame over the hard cap);
        // listening is what keeps the error from becoming an uncaught exception.
      });
      if (!admission.ok) {
        ws.close(admission.code, admission.reason);
        return;
      }
      accept(ws, admission.chatId, admission.userId, admission.since);
    });
  }

  /** Decides a connection from its URL alone. Order matters: a malformed request is 4400 whatever its token. */
  async function admit(rawUrl: string): Promise<Admission> {
    let parsed: URL;
    try {
      parsed = new URL(rawUrl, 'http://gateway.invalid');
    } catch {
      return { ok: false, code: CLOSE_MALFORMED, reason: 'malformed request URL' };
    }
    const match = WS_PATH.exec(parsed.pathname);
    if (!match) return { ok: false, code: CLOSE_MALFORMED, reason: 'unknown path' };
    const chatId = match[1];
    if (!CHAT_ID.test(chatId)) return { ok: false, code: CLOSE_MALFORMED, reason: 'invalid chat id' };

    let since: number | undefined;
    const sinceText = parsed.searchParams.get('since');
    if (sinceText !== null) {
      since = /^\d{1,16}$/.test(sinceText) ? Number(sinceText) : NaN;
      if (!Number.isSafeInteger(since)) {
        return { ok: false, code: CLOSE_MALFORMED, reason: 'since must be a non-negative integer' };
      }
    }

    const token = parsed.searchParams.get('token');
    let claims: JWTPayload;
    if (verifyAuth) {
      if (!token) return { ok: false, code: CLOSE_UNAUTHORIZED, reason: 'missing token' };
      try {
        // Pinning the algorithm refuses `alg: none` and any algorithm but the shared-secret one.
        ({ payload: claims } = await jwtVerify(token, secret, {
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (err) {
        return { ok: false, code: CLOSE_UNAUTHORIZED, reason: tokenFailureReason(err) };
      }
      if (typeof claims.sub !== 'string' || claims.sub === '') {
        return { ok: false, code: CLOSE_UNAUTHORIZED, reason: 'token has no subject' };
      }
      if (claims.chats !== undefined && !isStringArray(claims.chats)) {
        return { ok: false, code: CLOSE_UNAUTHORIZED, reason: 'token chats claim is malformed' };
      }
    } else {
      claims = decodeUnverified(token);
    }

    const userId = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : 'anonymous';
    if (checkMembership) {
      const allowed = isStringArray(claims.chats) ? claims.chats : [];
      if (!allowed.includes(chatId)) {
        return { ok: false, code: CLOSE_FORBIDDEN, reason: 'not a member of this chat' };
      }
    }
    return { ok: true, chatId, userId, since: hooks.resumeFrom ? hooks.resumeFrom(since) : since };
  }

  function accept(ws: WebSocket, chatId: string, userId: string, since: number | undefined): void {
    const chat = chatFor(chatId);
    const conn: Connection = {
      ws,
      userId,
      chat,
      alive: true,
      heartbeat: null,
      refused: 0,
      bucket: cfg.rateLimit ? new TokenBucket(cfg.rateLimit.perSecond, cfg.rateLimit.burst) : null,
    };
    // Replay and registration happen in this one synchronous step: no message can be numbered
    // between them, so the client sees replay then live with no gap and no duplicate.
    if (since !== undefined) replay(conn, since);
    chat.members.add(conn);
    connections.add(conn);
    startHeartbeat(conn);

    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      try {
        handleFrame(conn, data, isBinary);
      } catch (err) {
        // A bug (or a throwing mutant hook) costs this connection, never the process.
        console.error('chatstorm-gateway: frame handling failed:', err);
        ws.close(CLOSE_INTERNAL, 'internal error');
      }
    });
    ws.on('close', () => {
      clearInterval(conn.heartbeat ?? undefined);
      chat.members.delete(conn);
      connections.delete(conn);
    });
  }

  /**
   * Each connection's heartbeat runs on its own clock, from when it opened: a ping every
   * pingIntervalMs, and a connection that has not answered the previous one is terminated. One
   * timer for all connections would ping every socket in the same turn — at 10,000 sockets a
   * process, 10,000 writes in one block of its event loop, every delivery waiting behind them, and
   * 10,000 pongs arriving back at once (docs/scale.md, "The gateway's heartbeat"). Connections
   * open at different times, so their pings are spread as their opens were.
   */
  function startHeartbeat(conn: Connection): void {
    conn.heartbeat = setInterval(() => {
      if (!conn.alive) {
        clearInterval(conn.heartbeat ?? undefined);
        conn.ws.terminate();
        return;
      }
      conn.alive = false;
      conn.ws.ping();
    }, cfg.pingIntervalMs);
    conn.heartbeat.unref();
  }

  function chatFor(chatId: string): ChatState {
    let chat = chats.get(chatId);
    if (!chat) {
      chat = {
        id: chatId,
        seq: restored.get(chatId) ?? 0,
        history: [],
        head: 0,
        accepted: new Map(),
        members: new Set(),
      };
      chats.set(chatId, chat);
    }
    return chat;
  }

  function replay(conn: Connection, since: number): void {
    const chat = conn.chat;
    if (since >= chat.seq) return;
    const held = chat.history.length - chat.head;
    // With nothing held, the oldest message we could serve is the next one to be numbered.
    const oldest = held > 0 ? chat.history[chat.head].seq : chat.seq + 1;
    if (oldest > since + 1) {
      send(conn, { type: 'system', event: 'gap', from_seq: since + 1, to_seq: oldest - 1 });
    }
    const first = chat.head + Math.max(0, since + 1 - oldest);
    for (let i = first; i < chat.history.length; i++) send(conn, messageFrame(chat.history[i]));
  }

  function handleFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) return refuse(conn, 'bad_frame', 'binary frames are not accepted; send UTF-8 JSON text');
    const bytes = rawLength(data);
    if (bytes > cfg.maxFrameBytes) {
      return refuse(conn, 'too_large', `frame of ${bytes} bytes exceeds the limit of ${cfg.maxFrameBytes}`);
    }
    let frame: unknown;
    try {
      frame = JSON.parse(rawText(data));
    } catch {
      return refuse(conn, 'bad_json', 'frame is not valid JSON');
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      return refuse(conn, 'bad_frame', 'frame must be a JSON object');
    }
    const f = frame as Frame;
    if (typeof f.type !== 'string') return refuse(conn, 'bad_frame', 'frame has no string "type"');
    switch (f.type) {
      case 'send':
        return handleSend(conn, f);
      case 'ping':
        if (typeof f.id !== 'string') return refuse(conn, 'bad_frame', 'ping needs a string "id"');
        return send(conn, { type: 'pong', id: f.id });
      default:
        return refuse(conn, 'unknown_type', `unknown frame type "${f.type.slice(0, 64)}"`);
    }
  }

  function handleSend(conn: Connection, f: Frame): void {
    const cmid = typeof f.client_msg_id === 'string' ? f.client_msg_id : undefined;
    if (conn.bucket && !conn.bucket.take()) {
      return refuse(conn, 'rate_limited', 'too many sends; slow down', cmid);
    }
    if (cmid === undefined || cmid.length < 1 || cmid.length > MAX_CLIENT_MSG_ID) {
      return refuse(conn, 'bad_frame', `client_msg_id must be a string of 1..${MAX_CLIENT_MSG_ID} characters`);
    }
    if (typeof f.content !== 'string' || f.content.length > MAX_CONTENT) {
      return refuse(conn, 'bad_frame', `content must be a string of at most ${MAX_CONTENT} characters`, cmid);
    }

    const chat = conn.chat;
    // Length-prefixing the user id makes the key unambiguous whatever characters either part holds.
    const key = `${conn.userId.length}:${conn.userId}${cmid}`;
    const previous = chat.accepted.get(key);
    if (previous) return send(conn, { type: 'ack', client_msg_id: cmid, ...previous });

    const seq = (chat.seq += hooks.seqStep ? hooks.seqStep(chat.id, chat.seq) : 1);
    reserve(chat);
    messages++;
    const msg: StoredMessage = {
      message_id: `${chat.id}:${seq}`,
      chat_id: chat.id,
      seq,
      sender_id: conn.userId,
      client_msg_id: cmid,
      content: f.content,
      server_ts: now(),
    };
    remember(chat, msg);
    const ack: Ack = { message_id: msg.message_id, seq, server_ts: msg.server_ts };
    chat.accepted.set(key, ack);
    if (chat.accepted.size > idempotencyBound) chat.accepted.delete(chat.accepted.keys().next().value!);

    send(conn, { type: 'ack', client_msg_id: cmid, ...ack });
    broadcast(chat, msg);
  }

  function remember(chat: ChatState, msg: StoredMessage): void {
    if (cfg.historyLimit === 0) return;
    chat.history.push(msg);
    if (chat.history.length - chat.head > cfg.historyLimit) chat.head++;
    // Compact once the dead prefix is as long as the live part: amortised O(1) per message.
    if (chat.head >= cfg.historyLimit) {
      chat.history.splice(0, chat.head);
      chat.head = 0;
    }
  }

  function broadcast(chat: ChatState, msg: StoredMessage): void {
    const frame = messageFrame(msg);
    // Serialise once for everyone unless a mutant wants to rewrite frames per recipient.
    const text = hooks.outgoing || hooks.delayMs ? '' : JSON.stringify(frame);
    for (const member of chat.members) {
      if (member.ws.readyState !== WebSocket.OPEN) continue;
      if (hooks.shouldDeliver && !hooks.shouldDeliver(msg, member.userId)) continue;
      if (hooks.outgoing || hooks.delayMs) send(member, { ...frame });
      else member.ws.send(text);
    }
  }

  function refuse(conn: Connection, code: ErrorCode, message: string, clientMsgId?: string): void {
    const frame: Frame = { type: 'error', code, message };
    if (clientMsgId !== undefined) frame.client_msg_id = clientMsgId;
    send(conn, frame);
    conn.refused++;
    if (conn.refused >= cfg.floodCloseAfter) conn.ws.close(CLOSE_POLICY, 'too many refused frames');
  }

  function send(conn: Connection, frame: Frame): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    const frames = hooks.outgoing ? hooks.outgoing(frame, conn.userId) : [frame];
    const delay = hooks.delayMs ? hooks.delayMs(frame, conn.userId) : 0;
    if (delay > 0) {
      setTimeout(() => {
        if (conn.ws.readyState === WebSocket.OPEN) for (const f of frames) conn.ws.send(JSON.stringify(f));
      }, delay);
      return;
    }
    for (const f of frames) conn.ws.send(JSON.stringify(f));
  }

  return {
    port,
    url,
    stats: () => ({ connections: connections.size, chats: chats.size, messages }),
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        for (const conn of connections) clearInterval(conn.heartbeat ?? undefined);
        for (const socket of pending) socket.destroy();
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** Validates options up front, naming the field and the value, before anything listens. */
function resolveOptions(o: GatewayOptions) {
  if (typeof o.jwtSecret !== 'string' || o.jwtSecret === '') {
    throw new TypeError(`gateway option jwtSecret must be a non-empty string (got ${describe(o.jwtSecret)})`);
  }
  const int = (
    name: string,
    value: number | undefined,
    fallback: number,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`gateway option ${name} must be an integer in ${min}..${max} (got ${describe(value)})`);
    }
    return v;
  };
  const rateLimit = o.rateLimit ?? null;
  if (rateLimit) {
    const { perSecond, burst } = rateLimit;
    if (!(Number.isFinite(perSecond) && perSecond > 0) || !(Number.isFinite(burst) && burst >= 1)) {
      throw new RangeError(
        `gateway option rateLimit needs perSecond > 0 and burst >= 1 (got perSecond ${describe(perSecond)}, burst ${describe(burst)})`,
      );
    }
  }
  return {
    jwtSecret: o.jwtSecret,
    host: o.host ?? DEFAULTS.host,
    port: int('port', o.port, DEFAULTS.port, 0, 65_535),
    pingIntervalMs: int('pingIntervalMs', o.pingIntervalMs, DEFAULTS.pingIntervalMs, 1, 2 ** 31 - 1),
    historyLimit: int('historyLimit', o.historyLimit, DEFAULTS.historyLimit, 0),
    maxFrameBytes: int('maxFrameBytes', o.maxFrameBytes, DEFAULTS.maxFrameBytes, 1),
    floodCloseAfter: int('floodCloseAfter', o.floodCloseAfter, DEFAULTS.floodCloseAfter, 1),
    rateLimit,
  };
}

function messageFrame(m: StoredMessage): Frame {
  return {
    type: 'message',
    message_id: m.message_id,
    chat_id: m.chat_id,
    seq: m.seq,
    sender_id: m.sender_id,
    client_msg_id: m.client_msg_id,
    content: m.content,
    server_ts: m.server_ts,
  };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The reason a client reads in its close event: enough to debug, no more. */
function tokenFailureReason(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return err.claim === 'nbf' ? 'token not yet valid' : `token claim ${err.claim} invalid`;
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  return 'token malformed';
}

function decodeUnverified(token: string | null): JWTPayload {
  if (!token) return {};
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
