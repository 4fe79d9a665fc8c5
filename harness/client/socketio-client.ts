/**
 * A Socket.IO client in the fleet: socket.io-client 4.x owns the socket, the Engine.IO transport
 * and the reconnect timers; this class turns what it does into the history, through the Socket.IO
 * codec (harness/protocol/socketio.ts), so that the same checks judge it.
 *
 * Clock and timers: socket.io-client schedules its reconnects with its own timers (the Manager's
 * setTimeoutFn, the global or native setTimeout) and draws its jitter from Math.random; neither can
 * be injected. That is deliberate here: the library is what is under test, so chatstorm does not
 * re-implement its schedule. Every attempt is recorded from the library's own events
 * ('reconnect_attempt', 'connect', 'connect_error', 'disconnect', 'reconnect_failed') with the
 * harness clock (env.now), and the reconnect check measures the delays it really waited against the
 * policy the options were mapped from. The injected timers are used only for what the harness
 * itself schedules (nothing, today); randomizationFactor is 0, so the schedule is deterministic.
 *
 * The transport is taken from the Engine.IO socket that carries the packets (manager.engine), not
 * from the options the client asked for: a user's client that reverts to polling is caught.
 *
 * A user's own Socket.IO client (--client with protocol socket.io) is a module whose default export
 * is defineSocketIoClient(({ url, options, io }) => socket): it builds the socket its own way (its
 * options, its connect_error handler); the harness records it the same way.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { loadFactory } from './adapter.ts';
import type { ClientEvent } from '../record/history.ts';
import { socketIo, type SocketIoCodec } from '../protocol/socketio.ts';
import type { Decoded } from '../protocol/types.ts';
import type { FleetClient } from './adapter-host.ts';
import type { ClientEnv, ClientState } from './client.ts';
import type { ClientPolicy } from '../policy/policy.ts';

export interface SocketIoClientContext {
  /** The gateway's URL (through the proxy). */
  url: string;
  /** Options mapped from the scenario's policy, with the credential; a client may add or override. */
  options: Partial<ManagerOptions & SocketOptions>;
  io: typeof io;
}

export type SocketIoClientFactory = (ctx: SocketIoClientContext) => Socket;

/** Identity function that gives a Socket.IO client module its types. */
export function defineSocketIoClient(f: SocketIoClientFactory): SocketIoClientFactory {
  return f;
}

export async function loadSocketIoClient(modulePath: string, field = 'client'): Promise<SocketIoClientFactory> {
  return (await loadFactory(
    modulePath,
    field,
    'Socket.IO client',
    'with protocol socket.io: export default defineSocketIoClient(({ url, options, io }) => socket)',
  )) as SocketIoClientFactory;
}

export interface SocketIoIdentity {
  c: number;
  chat: string;
  /** ws://host:port of the proxy. */
  origin: string;
  /** The credential of the next (re)connection. */
  token(): string;
}

export class SocketIoClient implements FleetClient {
  lastSeq: number | null = null;
  private socket: Socket | null = null;
  private st: ClientState = 'idle';
  private n = 0;
  private lastEnd: number | null = null;
  private everOpened = false;
  private stopping = false;
  private readonly pending = new Set<string>();

  private readonly id: SocketIoIdentity;
  private readonly policy: ClientPolicy;
  private readonly env: Omit<ClientEnv, 'connect'>;
  private readonly factory: SocketIoClientFactory;
  private readonly codec: SocketIoCodec;

  /** `factory`: a user's client (defineSocketIoClient); default: io(url, options), WebSocket only. */
  constructor(
    id: SocketIoIdentity,
    policy: ClientPolicy,
    env: Omit<ClientEnv, 'connect'>,
    factory: SocketIoClientFactory = (ctx) => ctx.io(ctx.url, ctx.options),
    codec: SocketIoCodec = socketIo,
  ) {
    this.id = id;
    this.policy = policy;
    this.env = env;
    this.factory = factory;
    this.codec = codec;
  }

  get state(): ClientState {
    return this.st;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  start(): void {
    if (this.socket) return;
    const { url, options } = this.codec.connect(this.id.origin, this.id.chat, () => this.id.token(), this.policy);
    this.attempt(1);
    const socket = this.factory({ url, options: { ...options, autoConnect: false }, io });
    this.socket = socket;
    const manager = socket.io;
    // What the client asked for at first (its own options, not ours): a later change is a revert.
    const requested = transportNames(manager.opts.transports);

    manager.on('reconnect_attempt', (n) => this.attempt(n));
    manager.on('open', () => {
      const name =
        (manager as unknown as { engine?: { transport?: { name?: string } } }).engine?.transport?.name ?? 'unknown';
      const now = transportNames(manager.opts.transports);
      const reverted = !requested.includes('polling') && now.includes('polling');
      const marker = this.codec.transport(name, now, reverted);
      if (marker) this.record(marker);
    });
    manager.on('reconnect_failed', () => {
      if (this.stopping) return;
      this.st = 'failed';
      this.record({
        k: 'stopped',
        state: 'failed',
        message: `Could not reconnect after ${this.policy.maxAttempts} attempts. Check your connection and try again.`,
      });
      this.failPending('gave up reconnecting');
    });
    socket.on('connect', () => {
      this.st = 'open';
      this.everOpened = true;
      this.record({ k: 'open', n: this.n });
      this.n = 0;
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      if (this.stopping) return;
      const f = this.codec.connectError(err);
      const t = this.env.now();
      this.record({ k: 'fail', n: this.n, why: f.why, ...(f.code !== undefined ? { code: f.code } : {}) }, t);
      this.lastEnd = t;
      // Not active: the server refused the handshake, and socket.io-client will not try again.
      if (socket.active) {
        this.st = 'backoff';
        return;
      }
      const { unauthorized, forbidden } = this.codec.refusals;
      this.st = f.code === unauthorized || f.code === forbidden ? 'stopped' : 'failed';
      const state = f.code === unauthorized ? 'unauthorized' : f.code === forbidden ? 'forbidden' : 'failed';
      this.record({ k: 'stopped', state, message: `refused by the server: ${err.message}` });
      this.failPending(state);
    });
    socket.on('disconnect', (reason: string) => {
      if (this.stopping) return;
      const t = this.env.now();
      const d = this.codec.disconnect(reason);
      this.record({ k: 'close', code: d.code, by: d.by }, t);
      this.lastEnd = t;
      this.st = 'backoff';
      // No ack timeout: nothing will resend them, so the user is told (as the reference client does).
      this.failPending('connection lost before ack');
    });
    socket.on(this.codec.events.message, (...args: unknown[]) => {
      for (const d of this.codec.decodeMessage(args)) {
        if (d.k === 'recv' && Number.isFinite(d.seq) && (this.lastSeq === null || d.seq > this.lastSeq))
          this.lastSeq = d.seq;
        this.record(d);
      }
    });
    socket.connect();
  }

  send(clientMsgId: string, content: string): boolean {
    const t = this.env.now();
    const socket = this.socket;
    const open = socket?.connected === true && this.st === 'open';
    this.record({ k: 'send', id: clientMsgId, open }, t);
    if (!open) {
      // socket.io-client would buffer the emit and send it on reconnect, as if it had gone out:
      // the product's rule is a visible error instead.
      this.record({ k: 'send-error', id: clientMsgId, why: `not connected (${this.st})` }, t);
      return false;
    }
    this.pending.add(clientMsgId);
    socket.emit(this.codec.events.send, this.codec.encodeSend(clientMsgId, content), (...args: unknown[]) => {
      if (this.stopping) return;
      this.pending.delete(clientMsgId);
      const t2 = this.env.now();
      for (const d of this.codec.decodeAck(clientMsgId, args)) {
        this.record(d, t2);
        if (d.k === 'error-frame')
          this.record({ k: 'send-error', id: clientMsgId, why: `refused by gateway: ${d.code}` }, t2);
      }
    });
    return true;
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    const wasOpen = this.st === 'open';
    this.failPending('client closed');
    this.st = 'closed';
    this.socket?.disconnect();
    if (wasOpen) this.record({ k: 'close', code: 1000, by: 'client' });
  }

  private attempt(n: number): void {
    const t = this.env.now();
    this.n = n;
    this.st = 'connecting';
    const since = this.policy.resume && this.everOpened ? (this.lastSeq ?? 0) : null;
    this.record({ k: 'attempt', n, delay: this.lastEnd === null ? 0 : Math.round(t - this.lastEnd), since }, t);
  }

  private failPending(why: string): void {
    for (const id of this.pending) this.record({ k: 'send-error', id, why });
    this.pending.clear();
  }

  private record(d: Decoded, t = this.env.now()): void {
    if (d.k === 'pong') return;
    this.env.record(Object.assign({ k: d.k, t, c: this.id.c }, d) as ClientEvent);
  }
}

/** Transport names of an options list: strings, or transport classes (engine.io-client ≥ 6.6). */
function transportNames(list: unknown): string[] {
  if (!Array.isArray(list)) return ['polling', 'websocket']; // engine.io-client's default
  return list.map((t) => (typeof t === 'string' ? t : String((t as { name?: unknown })?.name ?? t)));
}
