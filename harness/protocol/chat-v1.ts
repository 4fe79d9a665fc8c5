/**
 * chat-v1 (docs/chat-v1.md, docs/protocols.md): the bundled gateway's protocol, and the default.
 *
 *   GET {base}/api/v1/chats/{chatId}/ws?token=<JWT>[&since=<seq>]   upgraded to WebSocket
 *   refusal after the upgrade: close 4401 (credential), 4403 (membership), 4400 (malformed)
 *   client → gateway: send {client_msg_id, content}, ping {id}
 *   gateway → client: ack, message, pong, error, system/gap; a frame with `is_fallback` or any
 *   other system event is a fallback marker
 *
 * The only place in the harness that knows these names. The bundled gateway (gateway/server.ts)
 * keeps its own implementation; its contract tests pin it to this codec.
 */
import type { Decoded, FrameCodec } from './types.ts';

export const CHAT_V1_CLOSE = { malformed: 4400, unauthorized: 4401, forbidden: 4403 } as const;

/** Characters encodeURIComponent leaves as they are (a JWT, a chat id): such a string is used without copying. */
const URI_SAFE = /^[\w.~-]*$/;
const component = (s: string) => (URI_SAFE.test(s) ? s : encodeURIComponent(s));

/** Path of a chat's socket. */
export function chatPath(chat: string): string {
  return `/api/v1/chats/${component(chat)}/ws`;
}

export const chatV1: FrameCodec = {
  name: 'chat-v1',
  kind: 'frame',
  refusals: { unauthorized: CHAT_V1_CLOSE.unauthorized, forbidden: CHAT_V1_CLOSE.forbidden },
  closeLabels: {
    [CHAT_V1_CLOSE.malformed]: 'malformed request',
    [CHAT_V1_CLOSE.unauthorized]: 'bad or expired token',
    [CHAT_V1_CLOSE.forbidden]: 'not a member of the chat',
  },
  policyProblems: () => [],

  url(base, chat, token, since) {
    // An empty token leaves the parameter out (the "missing" auth probe). Built on every connect of
    // every client: no arrays, and a token that needs no escaping is not copied.
    let query = token === '' ? '' : `token=${component(token)}`;
    if (since !== null) query += `${query === '' ? '' : '&'}since=${since}`;
    return `${base}${chatPath(chat)}?${query}`;
  },

  sinceOf(url) {
    const s = /[?&]since=([^&]*)/.exec(url)?.[1];
    return s === undefined || !/^\d+$/.test(s) ? null : Number(s);
  },

  encodeSend: (clientMsgId, content) => JSON.stringify({ type: 'send', client_msg_id: clientMsgId, content }),

  sentId(frame) {
    if (!frame.includes('"send"')) return null;
    try {
      const f = JSON.parse(frame) as { type?: unknown; client_msg_id?: unknown };
      return f.type === 'send' && typeof f.client_msg_id === 'string' ? f.client_msg_id : null;
    } catch {
      return null; // not JSON: the gateway will say so in an error frame
    }
  },

  encodePing: (id) => JSON.stringify({ type: 'ping', id }),

  decode(text) {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(text);
    } catch {
      return [];
    }
    if (f === null || typeof f !== 'object') return [];
    const out: Decoded[] = [];
    if ('is_fallback' in f) out.push({ k: 'fallback', what: 'is_fallback', detail: text.slice(0, 200) });
    switch (f.type) {
      case 'message':
        out.push({
          k: 'recv',
          seq: Number(f.seq),
          id: String(f.client_msg_id),
          sender: String(f.sender_id),
          mid: String(f.message_id),
          sts: Number(f.server_ts),
        });
        break;
      case 'ack':
        out.push({ k: 'ack', id: String(f.client_msg_id), seq: Number(f.seq), mid: String(f.message_id) });
        break;
      case 'pong':
        out.push({ k: 'pong' });
        break;
      case 'error': {
        const id = typeof f.client_msg_id === 'string' ? f.client_msg_id : undefined;
        out.push({ k: 'error-frame', code: String(f.code), ...(id ? { id } : {}) });
        break;
      }
      case 'system':
        if (f.event === 'gap') out.push({ k: 'gap', from: Number(f.from_seq), to: Number(f.to_seq) });
        else out.push({ k: 'fallback', what: 'system', detail: text.slice(0, 200) });
        break;
    }
    return out;
  },
};
