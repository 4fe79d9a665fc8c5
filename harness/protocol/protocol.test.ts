/** The codecs as pure functions: what they build, and what every frame or event decodes to. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type ClientPolicy } from '../policy/policy.ts';
import { chatV1 } from './chat-v1.ts';
import { PROTOCOLS, protocolOf } from './index.ts';
import { socketIo } from './socketio.ts';

const policy = (p: Partial<ClientPolicy> = {}, backoff: Partial<ClientPolicy['backoff']> = {}): ClientPolicy => ({
  ...DEFAULT_POLICY,
  ...p,
  backoff: { ...DEFAULT_POLICY.backoff, ...backoff },
});

describe('chat-v1', () => {
  it('puts the token and since in the query string; an empty token leaves the parameter out', () => {
    expect(chatV1.url('ws://h:1', 'chat-0', 'a.b.c', null)).toBe('ws://h:1/api/v1/chats/chat-0/ws?token=a.b.c');
    expect(chatV1.url('ws://h:1', 'c/1', 'a b', 7)).toBe('ws://h:1/api/v1/chats/c%2F1/ws?token=a%20b&since=7');
    expect(chatV1.url('ws://h:1', 'c', '', 3)).toBe('ws://h:1/api/v1/chats/c/ws?since=3');
    expect(chatV1.url('ws://h:1', 'c', '', null)).toBe('ws://h:1/api/v1/chats/c/ws?');
    expect(chatV1.sinceOf('ws://h/x?token=t&since=12')).toBe(12);
    expect(chatV1.sinceOf('ws://h/x?token=t&since=x')).toBeNull();
    expect(chatV1.sinceOf('ws://h/x?token=t')).toBeNull();
  });

  it('decodes every gateway frame into history events', () => {
    const d = (f: object | string) => chatV1.decode(typeof f === 'string' ? f : JSON.stringify(f));
    expect(
      d({
        type: 'message',
        message_id: 'c:1',
        chat_id: 'c',
        seq: 1,
        sender_id: 'u1',
        client_msg_id: 'm1',
        content: 'x',
        server_ts: 5,
      }),
    ).toEqual([{ k: 'recv', seq: 1, id: 'm1', sender: 'u1', mid: 'c:1', sts: 5 }]);
    expect(d({ type: 'ack', client_msg_id: 'm1', message_id: 'c:1', seq: 1, server_ts: 5 })).toEqual([
      { k: 'ack', id: 'm1', seq: 1, mid: 'c:1' },
    ]);
    expect(d({ type: 'pong', id: '1' })).toEqual([{ k: 'pong' }]);
    expect(d({ type: 'error', code: 'too-large', client_msg_id: 'm2' })).toEqual([
      { k: 'error-frame', code: 'too-large', id: 'm2' },
    ]);
    expect(d({ type: 'error', code: 'bad-json' })).toEqual([{ k: 'error-frame', code: 'bad-json' }]);
    expect(d({ type: 'system', event: 'gap', from_seq: 2, to_seq: 4 })).toEqual([{ k: 'gap', from: 2, to: 4 }]);
    expect(d({ type: 'system', event: 'local-mode' })).toEqual([
      { k: 'fallback', what: 'system', detail: '{"type":"system","event":"local-mode"}' },
    ]);
    // is_fallback marks the frame whatever its value, and the frame still counts for what it is.
    expect(
      d({ type: 'ack', client_msg_id: 'm', message_id: 'c:2', seq: 2, is_fallback: false }).map((e) => e.k),
    ).toEqual(['fallback', 'ack']);
    expect(d('not json')).toEqual([]);
    expect(d('null')).toEqual([]);
    expect(d({ type: 'unknown' })).toEqual([]);
  });

  it('encodes sends and pings, and recognises its own sends', () => {
    expect(JSON.parse(chatV1.encodeSend('m1', 'hi'))).toEqual({ type: 'send', client_msg_id: 'm1', content: 'hi' });
    expect(JSON.parse(chatV1.encodePing('3'))).toEqual({ type: 'ping', id: '3' });
    expect(chatV1.sentId(chatV1.encodeSend('m1', 'hi'))).toBe('m1');
    expect(chatV1.sentId(chatV1.encodePing('3'))).toBeNull();
    expect(chatV1.sentId('{"send"')).toBeNull();
  });
});

describe('socket.io', () => {
  it('maps the policy onto socket.io-client options, credential and chat in the handshake auth', () => {
    const p = policy({ connectTimeoutMs: 7_000, maxAttempts: 4 }, { initialMs: 500, maxMs: 8_000 });
    const { url, options } = socketIo.connect('ws://127.0.0.1:9', 'chat-3', () => 'tok', p);
    expect(url).toBe('http://127.0.0.1:9');
    expect(options).toMatchObject({
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 8_000,
      randomizationFactor: 0,
      reconnectionAttempts: 4,
      timeout: 7_000,
    });
    let auth: unknown;
    (options.auth as (cb: (d: object) => void) => void)((d) => (auth = d));
    expect(auth).toEqual({ token: 'tok', chat: 'chat-3' });
  });

  it('refuses what socket.io-client cannot do, naming the field and the value', () => {
    expect(socketIo.policyProblems(policy())).toEqual([]);
    const problems = socketIo.policyProblems(
      policy(
        { resetOnOpen: false, heartbeat: { intervalMs: 1, deadAfterMs: 2 }, ackTimeoutMs: 3_000 },
        { multiplier: 3, jitter: 'full' },
      ),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'policy.backoff.multiplier',
      'policy.backoff.jitter',
      'policy.resetOnOpen',
      'policy.heartbeat',
      'policy.ackTimeout',
    ]);
    expect(problems[0]).toContain('3');
    expect(problems[1]).toContain('"full"');
  });

  it('decodes acks, refusals and deliveries; maps disconnects and connect errors', () => {
    expect(socketIo.decodeAck('m1', [{ message_id: 'c:4', seq: 4, server_ts: 1 }])).toEqual([
      { k: 'ack', id: 'm1', seq: 4, mid: 'c:4' },
    ]);
    expect(socketIo.decodeAck('m1', [{ error: 'bad-content' }])).toEqual([
      { k: 'error-frame', code: 'bad-content', id: 'm1' },
    ]);
    expect(socketIo.decodeAck('m1', [])).toEqual([{ k: 'error-frame', code: 'bad-ack', id: 'm1' }]);
    // The server appends its recovery offset to broadcast arguments: ignored.
    expect(
      socketIo.decodeMessage([
        { message_id: 'c:4', chat_id: 'c', seq: 4, sender_id: 'u', client_msg_id: 'm', content: 'x', server_ts: 9 },
        'offset-1',
      ]),
    ).toEqual([{ k: 'recv', seq: 4, id: 'm', sender: 'u', mid: 'c:4', sts: 9 }]);
    expect(socketIo.decodeMessage([{ seq: 1, is_fallback: true }]).map((e) => e.k)).toEqual(['fallback', 'recv']);
    expect(socketIo.disconnect('transport close')).toEqual({ code: 1006, by: 'network' });
    expect(socketIo.disconnect('ping timeout')).toEqual({ code: 1006, by: 'network' });
    expect(socketIo.disconnect('io server disconnect')).toEqual({ code: 4001, by: 'server' });
    expect(socketIo.connectError(Object.assign(new Error('bad token'), { data: { code: 4401 } }))).toEqual({
      why: 'closed',
      code: 4401,
    });
    expect(socketIo.connectError(new Error('timeout'))).toEqual({ why: 'timeout' });
    expect(socketIo.connectError(new Error('websocket error'))).toEqual({ why: 'refused' });
  });

  it('a connection not carried by WebSocket is a transport fallback', () => {
    expect(socketIo.transport('websocket', ['websocket'], false)).toBeNull();
    expect(socketIo.transport('polling', ['polling', 'websocket'], false)).toEqual({
      k: 'fallback',
      what: 'transport',
      detail:
        'Engine.IO connection opened over HTTP long-polling (transports ["polling","websocket"]): transport "polling"',
    });
    expect(socketIo.transport('polling', ['polling', 'websocket'], true)).toMatchObject({
      what: 'transport',
      detail: expect.stringContaining('reverted to HTTP long-polling after a connect error'),
    });
  });
});

describe('registry', () => {
  it('no two protocols label the same close code (the report merges their labels)', () => {
    const seen = new Map<string, string>();
    for (const [name, p] of Object.entries(PROTOCOLS)) {
      for (const code of Object.keys(p.closeLabels)) {
        expect(seen.get(code), `close code ${code} labelled by ${seen.get(code)} and ${name}`).toBeUndefined();
        seen.set(code, name);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });

  it('names chat-v1 for plans written before protocols, and refuses unknown names', () => {
    expect(protocolOf(undefined)).toBe(chatV1);
    expect(protocolOf('socket.io')).toBe(socketIo);
    expect(() => protocolOf('stomp')).toThrow('unknown protocol "stomp" (known: chat-v1, socket.io)');
  });
});
