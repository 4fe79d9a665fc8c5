/**
 * The reference chat client (docs/client-policy.md): one small state machine whose policy is data.
 *
 *   idle ─start─► connecting ─open─► open ─drop─► backoff ─timer─► connecting …
 *                     │ fail/timeout                                   │ maxAttempts reached
 *                     └──────────────► backoff                         ▼
 *                                                                    failed (error shown)
 *   4401/4403 at any point ─► stopped (error shown, never retried)
 *
 * It never creates a message locally: what a user would see is only what the gateway sent, and a
 * send while not open fails visibly. Everything it does and sees goes to `env.record`.
 */
import type { ClientEvent, AttemptFailure } from '../record/history.ts';
import { chatV1 } from '../protocol/chat-v1.ts';
import type { FrameCodec } from '../protocol/types.ts';
import { nextDelay, type ClientPolicy } from '../policy/policy.ts';
import { OPEN, type SocketLike } from './socket.ts';

export type ClientState = 'idle' | 'connecting' | 'open' | 'backoff' | 'failed' | 'stopped' | 'closed';

export interface ClientEnv {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Uniform in [0, 1); seeded by the fleet so jitter is reproducible. */
  random(): number;
  connect(url: string): SocketLike;
  record(ev: ClientEvent): void;
  /**
   * Optional: where a reconnect whose backoff timer fired waits for the host to start it (the
   * fleet bounds the handshakes in flight per process, so a storm of reconnects queues instead of
   * timing itself out). `due` is when the timer was due; the attempt keeps it, so the wait counts
   * as the host's lateness, never as the policy's delay. Absent: the attempt starts at once.
   */
  whenFree?(due: number, start: () => void): void;
}

export interface ClientIdentity {
  /** Client index in the run. */
  c: number;
  /** Builds the connect URL; `since` is null on a first connect or with resume off. */
  url(since: number | null): string;
}

interface Pending {
  content: string;
  timer: unknown;
}

export class ChatClient {
  state: ClientState = 'idle';
  /** Highest seq seen in the chat (messages, or the end of an announced gap). */
  lastSeq: number | null = null;
  /** Message shown to the user when the client stops for good. */
  error: string | null = null;

  private readonly policy: ClientPolicy;
  private readonly env: ClientEnv;
  private readonly id: ClientIdentity;
  private socket: SocketLike | null = null;
  private attempt = 0;
  private prevDelay = 0;
  private everOpened = false;
  private timer: unknown = null;
  private heartbeatTimer: unknown = null;
  private deadline: unknown = null;
  private pingSeq = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly codec: FrameCodec;

  /** `codec`: the wire protocol (default chat-v1); the state machine is the same for every frame codec. */
  constructor(identity: ClientIdentity, policy: ClientPolicy, env: ClientEnv, codec: FrameCodec = chatV1) {
    this.id = identity;
    this.policy = policy;
    this.env = env;
    this.codec = codec;
  }

  /** Connects; also the user's "retry" after the client gave up (state failed). */
  start(): void {
    if (this.state !== 'idle' && this.state !== 'closed' && this.state !== 'failed') return;
    this.attempt = 0;
    this.connect(0);
  }

  /** Sends a chat message. Returns false (and shows an error) when the socket is not open. */
  send(clientMsgId: string, content: string): boolean {
    const { c } = this.id;
    const t = this.env.now();
    const open = this.state === 'open' && this.socket !== null && this.socket.readyState === OPEN;
    this.env.record({ k: 'send', t, c, id: clientMsgId, open });
    if (!open) {
      this.env.record({ k: 'send-error', t, c, id: clientMsgId, why: `not connected (${this.state})` });
      // The product's store reconnects when a send finds the socket closed; a reconnect that is
      // already scheduled keeps its backoff, and a client that gave up stays failed until the user acts.
      if (this.state === 'idle' || this.state === 'closed') this.start();
      return false;
    }
    this.socket!.send(this.codec.encodeSend(clientMsgId, content));
    this.env.clearTimeout(this.pending.get(clientMsgId)?.timer);
    const pending: Pending = { content, timer: null };
    if (this.policy.ackTimeoutMs !== null)
      pending.timer = this.env.setTimeout(() => this.onAckTimeout(), this.policy.ackTimeoutMs);
    this.pending.set(clientMsgId, pending);
    return true;
  }

  /** Closes for good (end of run). */
  stop(): void {
    this.clearTimers();
    this.failPending('client closed');
    const s = this.socket;
    this.socket = null;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (s) {
      detach(s);
      s.close(1000, 'client stop');
      if (wasOpen) this.env.record({ k: 'close', t: this.env.now(), c: this.id.c, code: 1000, by: 'client' });
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** due: when the backoff timer that calls it was due (a late timer is the caller's host, not the policy). */
  private connect(delay: number, due?: number): void {
    this.attempt += 1;
    const n = this.attempt;
    const since = this.policy.resume && this.everOpened ? (this.lastSeq ?? 0) : null;
    this.state = 'connecting';
    this.env.record({
      k: 'attempt',
      t: this.env.now(),
      c: this.id.c,
      n,
      delay,
      since,
      ...(due !== undefined ? { due } : {}),
    });
    let socket: SocketLike;
    try {
      socket = this.env.connect(this.id.url(since));
    } catch {
      this.attemptFailed(n, 'error');
      return;
    }
    this.socket = socket;
    this.timer = this.env.setTimeout(() => {
      // A socket not open in time counts as a failed attempt; its late events are ignored.
      detach(socket);
      socket.close();
      this.socket = null;
      this.attemptFailed(n, 'timeout');
    }, this.policy.connectTimeoutMs);
    socket.onopen = () => this.onOpen(n);
    socket.onmessage = (ev) => this.onFrame(ev.data);
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      detach(socket);
      this.socket = null;
      if (this.state === 'connecting') {
        this.env.clearTimeout(this.timer);
        this.attemptFailed(n, ev.code === 1006 ? 'refused' : 'closed', ev.code);
      } else {
        this.onDrop(ev.code, ev.code === 1006 ? 'network' : 'server');
      }
    };
  }

  private onOpen(n: number): void {
    this.env.clearTimeout(this.timer);
    // Not kept: the connect timer's closure holds the socket and a context per open client.
    this.timer = null;
    this.state = 'open';
    this.everOpened = true;
    if (this.policy.resetOnOpen) this.attempt = 0;
    this.env.record({ k: 'open', t: this.env.now(), c: this.id.c, n });
    if (this.policy.heartbeat) this.scheduleHeartbeat();
    // Sends that were never acked go out again with the same client_msg_id; the gateway
    // de-duplicates them (chat-v1 idempotency).
    for (const [id, p] of this.pending) {
      this.socket!.send(this.codec.encodeSend(id, p.content));
      if (this.policy.ackTimeoutMs !== null)
        p.timer = this.env.setTimeout(() => this.onAckTimeout(), this.policy.ackTimeoutMs);
    }
  }

  private attemptFailed(n: number, why: AttemptFailure, code?: number): void {
    this.env.record({ k: 'fail', t: this.env.now(), c: this.id.c, n, why, ...(code !== undefined ? { code } : {}) });
    if (this.refused(code)) return this.stopFor(code!);
    this.scheduleReconnect();
  }

  private onDrop(code: number, by: 'server' | 'network' | 'client'): void {
    this.clearTimers();
    this.state = 'backoff';
    this.env.record({ k: 'close', t: this.env.now(), c: this.id.c, code, by });
    if (this.policy.ackTimeoutMs === null) {
      // Without an ack timeout nothing will resend them: tell the user, do not pretend.
      for (const id of this.pending.keys())
        this.env.record({ k: 'send-error', t: this.env.now(), c: this.id.c, id, why: 'connection lost before ack' });
      this.pending.clear();
    } else {
      for (const p of this.pending.values()) this.env.clearTimeout(p.timer);
    }
    if (this.refused(code)) return this.stopFor(code!);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const n = this.attempt + 1;
    if (n > this.policy.maxAttempts) {
      this.state = 'failed';
      this.error = `Could not reconnect after ${this.policy.maxAttempts} attempts. Check your connection and try again.`;
      this.env.record({ k: 'stopped', t: this.env.now(), c: this.id.c, state: 'failed', message: this.error });
      this.failPending('gave up reconnecting');
      return;
    }
    const delay = nextDelay(this.policy.backoff, n, this.prevDelay, () => this.env.random());
    this.prevDelay = delay;
    this.state = 'backoff';
    const due = this.env.now() + delay;
    // A queued start finds the client as it left it unless it was stopped meanwhile.
    const start = () => this.state === 'backoff' && this.connect(delay, due);
    this.timer = this.env.setTimeout(() => (this.env.whenFree ? this.env.whenFree(due, start) : start()), delay);
  }

  private stopFor(code: number): void {
    this.clearTimers();
    this.state = 'stopped';
    const unauthorized = code === this.codec.refusals.unauthorized;
    this.error = unauthorized
      ? 'Your session is no longer valid. Please sign in again.'
      : 'You are not a member of this chat.';
    this.env.record({
      k: 'stopped',
      t: this.env.now(),
      c: this.id.c,
      state: unauthorized ? 'unauthorized' : 'forbidden',
      message: this.error,
    });
    this.failPending(unauthorized ? 'unauthorized' : 'forbidden');
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      this.env.clearTimeout(p.timer);
      this.env.record({ k: 'send-error', t: this.env.now(), c: this.id.c, id, why });
    }
    this.pending.clear();
  }

  private refused(code: number | undefined): boolean {
    return code === this.codec.refusals.unauthorized || code === this.codec.refusals.forbidden;
  }

  private onFrame(data: unknown): void {
    const t = this.env.now();
    const { c } = this.id;
    for (const d of this.codec.decode(String(data))) {
      switch (d.k) {
        case 'pong':
          this.env.clearTimeout(this.deadline);
          this.deadline = null;
          continue;
        case 'recv':
          // A frame without a numeric seq must not poison resume for the rest of the session.
          if (Number.isFinite(d.seq) && (this.lastSeq === null || d.seq > this.lastSeq)) this.lastSeq = d.seq;
          break;
        case 'ack': {
          const p = this.pending.get(d.id);
          if (p) {
            this.env.clearTimeout(p.timer);
            this.pending.delete(d.id);
          }
          break;
        }
        case 'gap':
          if (Number.isFinite(d.to) && (this.lastSeq === null || d.to > this.lastSeq)) this.lastSeq = d.to;
          break;
      }
      this.env.record(Object.assign({ k: d.k, t, c }, d) as ClientEvent);
      if (d.k === 'error-frame' && d.id) {
        const p = this.pending.get(d.id);
        if (p) {
          this.env.clearTimeout(p.timer);
          this.pending.delete(d.id);
          this.env.record({ k: 'send-error', t, c, id: d.id, why: `refused by gateway: ${d.code}` });
        }
      }
    }
  }

  private scheduleHeartbeat(): void {
    const hb = this.policy.heartbeat!;
    this.heartbeatTimer = this.env.setTimeout(() => {
      if (this.state !== 'open' || !this.socket) return;
      this.socket.send(this.codec.encodePing(String(++this.pingSeq)));
      // The deadline runs from the oldest unanswered ping; any pong clears it.
      if (this.deadline === null) this.deadline = this.env.setTimeout(() => this.abandonSocket(), hb.deadAfterMs);
      this.scheduleHeartbeat();
    }, hb.intervalMs);
  }

  private onAckTimeout(): void {
    // A send without ack in time means the socket is suspect (half-open): reconnect and resend.
    if (this.state === 'open') this.abandonSocket();
  }

  /** The client decides the socket is dead: close it without waiting for the network to agree. */
  private abandonSocket(): void {
    const s = this.socket;
    if (!s) return;
    detach(s);
    s.close(4000, 'client: socket presumed dead');
    this.socket = null;
    this.onDrop(4000, 'client');
  }

  private clearTimers(): void {
    this.env.clearTimeout(this.timer);
    this.env.clearTimeout(this.heartbeatTimer);
    this.env.clearTimeout(this.deadline);
    this.timer = null;
    this.heartbeatTimer = null;
    this.deadline = null;
  }
}

function detach(s: SocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onclose = null;
  s.onerror = () => {};
}
