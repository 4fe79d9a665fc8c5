/**
 * Shared, derived views of the history that several checks read: who is who, each client's
 * connections, and every message the gateway accepted. Pure: built from the history alone.
 */
import type { RunPlan } from '../config/plan.ts';
import type { ClientEvent, History, RosterEntry } from '../record/history.ts';
import { timelinesOf, type Receipts, type Timelines } from '../record/receipts.ts';
import type { Example } from './types.ts';

/** `protocol`: absent in plans written before protocols existed (then chat-v1). */
export type OraclePlan = Pick<
  RunPlan,
  'policy' | 'thresholds' | 'settleMs' | 'reconnectToleranceMs' | 'faults' | 'cpuEstimate'
> & {
  connectAllowanceMs?: number;
  protocol?: string;
};

export interface ClientView {
  entry: RosterEntry;
  /** Its events other than receipts, in time order; its receipts are rows recvFrom … recvTo − 1 of ctx.receipts. */
  events: ClientEvent[];
  recvFrom: number;
  recvTo: number;
  /** Times of every open. */
  opens: number[];
  /** Open intervals [open, close or +Infinity]. */
  intervals: [number, number][];
  firstOpen: number | null;
  /** The last connection was still open when the run stopped the clients. */
  openAtEnd: boolean;
}

export interface Accepted {
  chat: string;
  seq: number;
  sender: string;
  id: string;
  /** Sender's client index, when the sender is in the roster. */
  senderClient: number | null;
  sendT: number | null;
  ackT: number | null;
  /** server_ts as first observed. */
  sts: number | null;
}

export interface Context {
  history: History;
  plan: OraclePlan;
  /** The clients judged here, in roster order: every client, or one part of them (judge.ts). */
  clients: ClientView[];
  /** The view of client c, when it is judged here. */
  view(c: number): ClientView | undefined;
  clientOfUser: Map<string, number>;
  /** chat → members' client indices (of the clients judged here). */
  members: Map<string, number[]>;
  /** chat → seq → accepted message (from acks). */
  acked: Map<string, Map<number, Accepted>>;
  /** `${c}|${id}` → first send time. */
  /** The first send time of client c's message `id`. */
  sentAt(c: number, id: string): number | undefined;
  /** The judged clients' receipts, in columns (record/receipts.ts). */
  receipts: Receipts;
  /**
   * Per receipt row: the first send time of its message by its sender (`sentAt` of the sender's
   * client), else NaN. Computed once for the checks that all need it (delivery, latency, series).
   */
  receiptSent: Float64Array;
  /** Per receipt row: its sender's client index, −1 when the sender is not in the roster. */
  receiptSender: Int32Array;
  rel(t: number): number;
  example(category: string, c: number | null, detail: string, extra?: Partial<Example>): Example;
}

/**
 * `only`: the clients to judge (roster indices, ascending; default all). A part must hold whole
 * chats: a chat's delivery is judged from all of its members' events. `timelines`: their events
 * as the streaming judge decoded them (record/receipts.ts); by default cut from history.byClient.
 */
export function buildContext(
  history: History,
  plan: OraclePlan,
  only?: readonly number[],
  timelines: Timelines = timelinesOf(history.byClient, history.roster.length),
): Context {
  const origin = history.phases.start;
  const rel = (t: number) => Math.round((t - origin) / 10) / 100;
  const clientOfUser = new Map(history.roster.map((r) => [r.user, r.c]));
  const judged = only ? only.map((c) => history.roster[c]) : history.roster;
  const members = new Map<string, number[]>();
  for (const r of judged) {
    if (!members.has(r.chat)) members.set(r.chat, []);
    members.get(r.chat)!.push(r.c);
  }
  // client → client_msg_id → first send time (nested: no key string built per lookup).
  const sendTime = new Map<number, Map<string, number>>();
  const sentAt = (c: number, id: string) => sendTime.get(c)?.get(id);
  const acked = new Map<string, Map<number, Accepted>>();
  const clients: ClientView[] = judged.map((entry) => {
    const c = entry.c;
    const events = timelines.events[c] ?? [];
    const opens: number[] = [];
    const intervals: [number, number][] = [];
    let openAt: number | null = null;
    let endedByStop = false;
    for (const ev of events) {
      switch (ev.k) {
        case 'open':
          opens.push(ev.t);
          openAt = ev.t;
          break;
        case 'close':
          if (openAt !== null) intervals.push([openAt, ev.t]);
          // The harness's own stop at the end closes with 1000 from the client side.
          endedByStop = openAt !== null && ev.by === 'client' && ev.code === 1000;
          openAt = null;
          break;
        case 'send': {
          let mine = sendTime.get(c);
          if (!mine) sendTime.set(c, (mine = new Map()));
          if (!mine.has(ev.id)) mine.set(ev.id, ev.t);
          break;
        }
        case 'ack': {
          if (!acked.has(entry.chat)) acked.set(entry.chat, new Map());
          const chat = acked.get(entry.chat)!;
          if (!chat.has(ev.seq))
            chat.set(ev.seq, {
              chat: entry.chat,
              seq: ev.seq,
              sender: entry.user,
              id: ev.id,
              senderClient: c,
              sendT: sentAt(c, ev.id) ?? null,
              ackT: ev.t,
              sts: null,
            });
          break;
        }
      }
    }
    if (openAt !== null) intervals.push([openAt, Number.POSITIVE_INFINITY]);
    return {
      entry,
      events,
      recvFrom: timelines.receipts.from[c] ?? 0,
      recvTo: timelines.receipts.to[c] ?? 0,
      opens,
      intervals,
      firstOpen: opens[0] ?? null,
      openAtEnd: openAt !== null || endedByStop,
    };
  });
  const example = (category: string, c: number | null, detail: string, extra: Partial<Example> = {}): Example => {
    const r = c === null ? undefined : history.roster[c];
    // A shard's client is named by its index in the whole run, as the merged report shows it.
    return {
      category,
      ...(r
        ? { client: r.g ?? r.c, user: r.user, chat: r.chat, ...(r.shard !== undefined ? { shard: r.shard } : {}) }
        : {}),
      ...extra,
      detail,
    };
  };
  const byC = new Map(clients.map((v) => [v.entry.c, v]));
  const receipts = timelines.receipts;
  const receiptSent = new Float64Array(receipts.n).fill(Number.NaN);
  const receiptSender = new Int32Array(receipts.n).fill(-1);
  for (const view of clients) {
    for (let r = view.recvFrom; r < view.recvTo; r++) {
      const sender = clientOfUser.get(receipts.sender[r]);
      if (sender === undefined) continue;
      receiptSender[r] = sender;
      const t = sentAt(sender, receipts.id[r]);
      if (t !== undefined) receiptSent[r] = t;
    }
  }
  return {
    history,
    plan,
    clients,
    view: (c) => byC.get(c),
    clientOfUser,
    members,
    acked,
    sentAt,
    receipts,
    receiptSent,
    receiptSender,
    rel,
    example,
  };
}

/** Adds an example unless the category already has `limit`. */
export function pushExample(list: Example[], ex: Example, limit = 5): void {
  let n = 0;
  for (const e of list) if (e.category === ex.category && ++n >= limit) return;
  list.push(ex);
}
