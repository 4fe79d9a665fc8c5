/**
 * A protocol codec: everything chatstorm knows about one gateway wire protocol, and nothing the
 * checks need. The checks read only the history (harness/record/history.ts), whose events are
 * protocol-neutral: an attempt, an open, a close with a numeric code, a send, an ack with the
 * gateway's sequence number, a delivery, a fallback marker. A codec maps its protocol onto them.
 *
 * Two shapes of protocol exist:
 * - frame codecs (chat-v1): one WebSocket per chat, the client state machine in harness/client
 *   owns the reconnect policy; the codec builds the URL, encodes sends and decodes each frame;
 * - library codecs (Socket.IO): the protocol's own client library owns the socket and its
 *   reconnect timers; the codec maps the scenario's policy onto the library's options and the
 *   library's events onto history events (harness/client/socketio-client.ts drives it).
 * docs/protocols.md walks through writing one.
 */
import type { ClientEvent } from '../record/history.ts';
import type { ClientPolicy } from '../policy/policy.ts';

/** A history event before the client stamps it with its time and index. */
export type Unstamped<E> = E extends unknown ? Omit<E, 't' | 'c'> : never;

/** What one inbound frame means: history events, plus the heartbeat answer the client needs. */
export type Decoded = Unstamped<ClientEvent> | { k: 'pong' };

/** The codes a protocol uses to refuse a credential (the auth check and the client read them). */
export interface Refusals {
  /** Bad, missing or expired credential. */
  unauthorized: number;
  /** Valid credential, no access to this chat. */
  forbidden: number;
}

export interface ProtocolInfo {
  /** As a scenario's `protocol` and --protocol spell it. */
  name: string;
  /** Which client drives it: the reference state machine over one WebSocket ('frame'), or socket.io-client ('socket.io'). */
  kind: 'frame' | 'socket.io';
  refusals: Refusals;
  /** Labels of the close codes this protocol produces, for the report. */
  closeLabels: Record<string, string>;
  /** Problems (field: value: why) when the scenario's policy cannot be expressed in this protocol's client. */
  policyProblems(policy: ClientPolicy): string[];
}

/** A frame codec: one WebSocket per chat, frames in and out. */
export interface FrameCodec extends ProtocolInfo {
  kind: 'frame';
  /** The endpoint URL, credential included; `since` null on a first connect or with resume off. */
  url(base: string, chat: string, token: string, since: number | null): string;
  /** The `since` a URL carries, or null: lets a host that sees only URLs record resumes. */
  sinceOf(url: string): number | null;
  encodeSend(clientMsgId: string, content: string): string;
  /** The client_msg_id a written frame sends, or null when it is not a send. */
  sentId(frame: string): string | null;
  encodePing(id: string): string;
  /** Every frame, decoded; unparseable frames decode to nothing. */
  decode(frame: string): Decoded[];
}
