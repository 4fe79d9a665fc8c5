/**
 * Socket.IO 4.x (docs/protocols.md): a library codec. socket.io-client owns the socket, its
 * Engine.IO transport and its reconnect timers; this codec maps the scenario's policy onto the
 * client's options and the client's events onto history events. harness/client/socketio-client.ts
 * drives it.
 *
 *   endpoint      {base as http}/socket.io/ (Engine.IO), credential and chat in the handshake `auth`
 *                 payload: { token, chat }. The server's middleware verifies both on every
 *                 (re)connection; it refuses with an Error whose `data.code` is 4401 or 4403
 *   chat          a room the server joins the socket to after the middleware
 *   send          emit('send', { client_msg_id, content }, ack) → ack({ message_id, seq, server_ts })
 *                 or ack({ error })
 *   delivery      the server's 'message' event to the room: { message_id, chat_id, seq, sender_id,
 *                 client_msg_id, content, server_ts } (seq per room, from 1)
 *   resume        connection state recovery (Socket.IO ≥ 4.6): the client hands back its session id
 *                 and last offset; the server replays what the room missed. Nothing to encode here
 *   fallback      an Engine.IO connection carried by HTTP long-polling (opened on it, upgraded from
 *                 it, or reverted to it after an error); a payload with `is_fallback`
 *
 * Policy mapping: backoff.initial → reconnectionDelay, backoff.max → reconnectionDelayMax,
 * maxAttempts → reconnectionAttempts, connectTimeout → timeout (Engine.IO open), jitter "none" →
 * randomizationFactor 0. socket.io-client's backoff doubles (factor 2, not configurable through
 * the Manager) and its randomisation spreads a delay ±factor around the nominal value, which no
 * jitter of the policy describes: other multipliers and jitters are refused before the run.
 */
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { AttemptFailure } from '../record/history.ts';
import type { ClientPolicy } from '../policy/policy.ts';
import type { Decoded, ProtocolInfo } from './types.ts';

/** Close codes the codec records for Socket.IO disconnect reasons (Socket.IO has no close codes of its own). */
export const SOCKETIO_CLOSE = {
  /** The transport closed or failed, or the Engine.IO ping timed out: the network. */
  transport: 1006,
  /** The server disconnected the socket (socket.disconnect() server side). A middleware refusal is recorded with the code in its `data.code` (the example gateway: 4401, 4403, as chat-v1). */
  server: 4001,
  /** The client closed it (end of run). */
  client: 1000,
} as const;

export interface SocketIoCodec extends ProtocolInfo {
  kind: 'socket.io';
  /** Event names of the app. */
  events: { send: string; message: string };
  /** The io() URL and options of one client, before a user's client adds its own. */
  connect(
    base: string,
    chat: string,
    token: () => string,
    policy: ClientPolicy,
  ): { url: string; options: Partial<ManagerOptions & SocketOptions> };
  encodeSend(clientMsgId: string, content: string): unknown;
  /** The ack callback's arguments: an ack, or an error refusing the send. */
  decodeAck(clientMsgId: string, args: unknown[]): Decoded[];
  /** A 'message' event's arguments (the server may append its recovery offset). */
  decodeMessage(args: unknown[]): Decoded[];
  /** A 'disconnect' reason as a close. */
  disconnect(reason: string): { code: number; by: 'server' | 'client' | 'network' };
  /** A 'connect_error' as a failed attempt; `code` set when the server refused the handshake. */
  connectError(err: Error & { data?: unknown }): { why: AttemptFailure; code?: number };
  /** The Engine.IO transport a connection opened on; a fallback marker when it is not WebSocket. */
  transport(name: string, requested: readonly string[] | undefined, reverted: boolean): Decoded | null;
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : null;

export const socketIo: SocketIoCodec = {
  name: 'socket.io',
  kind: 'socket.io',
  refusals: { unauthorized: 4401, forbidden: 4403 },
  closeLabels: {
    [SOCKETIO_CLOSE.server]: 'Socket.IO: io server disconnect',
  },
  events: { send: 'send', message: 'message' },

  policyProblems(p) {
    const out: string[] = [];
    if (p.backoff.multiplier !== 2)
      out.push(
        `policy.backoff.multiplier: ${p.backoff.multiplier}: socket.io-client's reconnection backoff always doubles (use 2)`,
      );
    if (p.backoff.jitter !== 'none')
      out.push(
        `policy.backoff.jitter: "${p.backoff.jitter}": socket.io-client's randomizationFactor spreads a delay ±factor around its nominal value, which "${p.backoff.jitter}" does not describe (use "none", randomizationFactor 0)`,
      );
    if (!p.resetOnOpen)
      out.push(
        'policy.resetOnOpen: false: socket.io-client resets its backoff on every successful reconnect (use true)',
      );
    if (p.heartbeat)
      out.push(
        'policy.heartbeat: Socket.IO has its own Engine.IO ping, set on the server (pingInterval, pingTimeout); leave heartbeat off',
      );
    if (p.ackTimeoutMs !== null)
      out.push(`policy.ackTimeout: ${p.ackTimeoutMs}ms: not supported by the Socket.IO codec yet (leave it off)`);
    return out;
  },

  connect(base, chat, token, policy) {
    return {
      url: base.replace(/^ws(s?):/, 'http$1:'),
      options: {
        transports: ['websocket'],
        // A fresh Manager per client: one socket, one connection, as a browser tab has.
        forceNew: true,
        // A function, so that every reconnection presents the token of that moment (auth probes).
        auth: (cb: (data: object) => void) => cb({ token: token(), chat }),
        reconnection: true,
        reconnectionDelay: policy.backoff.initialMs,
        reconnectionDelayMax: policy.backoff.maxMs,
        randomizationFactor: 0,
        reconnectionAttempts: policy.maxAttempts,
        timeout: policy.connectTimeoutMs,
      },
    };
  },

  encodeSend: (clientMsgId, content) => ({ client_msg_id: clientMsgId, content }),

  decodeAck(id, args) {
    const a = asRecord(args[0]);
    if (!a) return [{ k: 'error-frame', code: 'bad-ack', id }];
    const out: Decoded[] = [];
    if ('is_fallback' in a)
      out.push({ k: 'fallback', what: 'is_fallback', detail: JSON.stringify(a).slice(0, 200), id });
    if (a.error !== undefined) out.push({ k: 'error-frame', code: String(a.error), id });
    else out.push({ k: 'ack', id, seq: Number(a.seq), mid: String(a.message_id) });
    return out;
  },

  decodeMessage(args) {
    const m = asRecord(args[0]);
    if (!m) return [];
    const out: Decoded[] = [];
    if ('is_fallback' in m) out.push({ k: 'fallback', what: 'is_fallback', detail: JSON.stringify(m).slice(0, 200) });
    out.push({
      k: 'recv',
      seq: Number(m.seq),
      id: String(m.client_msg_id),
      sender: String(m.sender_id),
      mid: String(m.message_id),
      sts: Number(m.server_ts),
    });
    return out;
  },

  disconnect(reason) {
    if (reason === 'io server disconnect') return { code: SOCKETIO_CLOSE.server, by: 'server' };
    if (reason === 'io client disconnect') return { code: SOCKETIO_CLOSE.client, by: 'client' };
    // transport close, transport error, ping timeout, parse error
    return { code: SOCKETIO_CLOSE.transport, by: 'network' };
  },

  connectError(err) {
    const code = Number(asRecord(err.data)?.code);
    // A refusal by the server's middleware arrives as a CONNECT_ERROR packet carrying `data`.
    if (Number.isInteger(code)) return { why: 'closed', code };
    if (err.message === 'timeout') return { why: 'timeout' };
    return { why: 'refused' };
  },

  transport(name, requested, reverted) {
    if (name === 'websocket') return null;
    const asked = requested ? ` (transports ${JSON.stringify(requested)})` : '';
    const how = reverted ? 'reverted to HTTP long-polling after a connect error' : 'opened over HTTP long-polling';
    return { k: 'fallback', what: 'transport', detail: `Engine.IO connection ${how}${asked}: transport "${name}"` };
  },
};
