/**
 * A part of the history as the oracle reads it: receipts as columns, every other event an object.
 *
 * Receipts (`recv` events) are nine records in ten of a busy history. Held as one object each
 * (eight fields, two boxed numbers) they were most of the judge's garbage and most of its
 * allocation; as columns they are four numbers in typed arrays and two references to strings the
 * decoder already shares (ids, senders). The streaming judge decodes them straight into columns
 * (`TimelineBuilder`); a history in memory is cut into the same shape (`timelinesOf`), so the
 * checks have one way to read a receipt.
 *
 * Row r is one receipt. A client's rows are consecutive (`from[c]` up to `to[c]`) and in time
 * order, and `before[r]` is how many of that client's other events come before the receipt in its
 * time order: together they place every receipt exactly where it was in the client's whole list
 * (time order; events at the same time in the order they were recorded). A receipt's message_id
 * (`mid`) is not kept: no check reads it (`chatstorm history` prints it, from the file).
 */
import type { ClientEvent } from './history.ts';

export interface Receipts {
  /** Rows (a client's room may hold fewer receipts than it has rows: only from[c] … to[c] − 1 count). */
  n: number;
  t: Float64Array;
  /** server_ts. */
  sts: Float64Array;
  seq: Float64Array;
  /** client_msg_id and sender_id (strings shared with the other events that carry them). */
  id: string[];
  sender: string[];
  /** Per row: how many of its client's other events come before it in time order. */
  before: Int32Array;
  /** By client index: its rows are from[c] … to[c] − 1 (none: from = to). */
  from: Int32Array;
  to: Int32Array;
}

/** Some clients' events: receipts in columns, the rest as objects (by client index, each list in time order). */
export interface Timelines {
  events: ClientEvent[][];
  receipts: Receipts;
}

type Recv = Extract<ClientEvent, { k: 'recv' }>;

/** A history's per-client lists (each in time order) cut into timelines: the same events, the same order. */
export function timelinesOf(byClient: ClientEvent[][], n = byClient.length): Timelines {
  let rows = 0;
  for (const list of byClient) if (list) for (const ev of list) if (ev.k === 'recv') rows++;
  const r = emptyReceipts(rows, n);
  const events: ClientEvent[][] = new Array(n);
  let row = 0;
  for (let c = 0; c < n; c++) {
    const list = byClient[c];
    r.from[c] = row;
    if (!list) {
      r.to[c] = row;
      continue;
    }
    const others: ClientEvent[] = [];
    for (const ev of list) {
      if (ev.k !== 'recv') {
        others.push(ev);
        continue;
      }
      setRow(r, row, ev.t, ev.seq, ev.id, ev.sender, ev.sts);
      r.before[row++] = others.length;
    }
    r.to[c] = row;
    events[c] = others;
  }
  return { events, receipts: r };
}

function emptyReceipts(rows: number, n: number): Receipts {
  return {
    n: rows,
    t: new Float64Array(rows),
    sts: new Float64Array(rows),
    seq: new Float64Array(rows),
    id: new Array(rows),
    sender: new Array(rows),
    before: new Int32Array(rows),
    from: new Int32Array(n),
    to: new Int32Array(n),
  };
}

function setRow(r: Receipts, row: number, t: number, seq: number, id: string, sender: string, sts: number): void {
  r.t[row] = t;
  r.seq[row] = seq;
  r.id[row] = id;
  r.sender[row] = sender;
  r.sts[row] = sts;
}

/**
 * Gathers the events of some clients in the order they are read (file after file) and gives them
 * as timelines: each client's events sorted by time, events at the same time in the order read —
 * exactly what a stable sort of each client's list by time gives (judge.ts did that before).
 *
 * Each client's rows are laid out in advance, `capacity[c]` of them (its records, as pass 1
 * counted them: at least its receipts), so a receipt is written once, where it stays. A client
 * with more events than its capacity is an error (the files changed between the passes).
 */
export class TimelineBuilder {
  private readonly clients: readonly number[];
  private readonly events: ClientEvent[][];
  /** Per client: the read order of each of its events (parallel to events[c]). */
  private readonly order: number[][];
  private read = 0;
  private readonly r: Receipts;
  /** Per row: its read order. */
  private readonly ord: Float64Array;
  /** Per client: the end of its rows' room. */
  private readonly end: Int32Array;

  /** n: clients in the roster; clients: those whose events will be added; capacity: by client index, room for its receipts. */
  constructor(n: number, clients: readonly number[], capacity: ArrayLike<number>) {
    this.clients = clients;
    // Preallocated: indices far from 0 in an empty array make a slow, dictionary-backed array.
    this.events = new Array(n);
    this.order = new Array(n);
    let rows = 0;
    for (const c of clients) {
      this.events[c] = [];
      this.order[c] = [];
      rows += capacity[c];
    }
    this.r = emptyReceipts(rows, n);
    this.ord = new Float64Array(rows);
    this.end = new Int32Array(n);
    let at = 0;
    for (const c of clients) {
      this.r.from[c] = at;
      this.r.to[c] = at;
      at += capacity[c];
      this.end[c] = at;
    }
  }

  /** Any event (a receipt kept as JSON, or read from NDJSON, goes to the columns too). */
  event = (ev: ClientEvent): void => {
    if (ev.k === 'recv') {
      const r = ev as Recv;
      this.recv(r.c, r.t, r.seq, r.id, r.sender, r.sts);
      return;
    }
    this.events[ev.c].push(ev);
    this.order[ev.c].push(this.read++);
  };

  /** A receipt, decoded straight into the columns (codec.ts Decoder). */
  recv = (c: number, t: number, seq: number, id: string, sender: string, sts: number): void => {
    const r = this.r;
    const i = r.to[c];
    if (i >= this.end[c])
      throw new Error(`client ${c} has more events than the room made for it (${this.end[c] - r.from[c]})`);
    r.to[c] = i + 1;
    setRow(r, i, t, seq, id, sender, sts);
    this.ord[i] = this.read++;
  };

  finish(): Timelines {
    const { r, ord } = this;
    for (const c of this.clients) {
      // Each client's events come from one process in order: nearly always sorted already.
      sortRows(r, ord, r.from[c], r.to[c]);
      sortEvents(this.events[c], this.order[c]);
      // Each receipt placed among the client's other events: by time, then read order.
      const evs = this.events[c];
      const o = this.order[c];
      let j = 0;
      for (let row = r.from[c]; row < r.to[c]; row++) {
        const t = r.t[row];
        while (j < evs.length && (evs[j].t < t || (evs[j].t === t && o[j] < ord[row]))) j++;
        r.before[row] = j;
      }
    }
    return { events: this.events, receipts: r };
  }
}

/** Rows from…to−1 in time order, ties in read order (a stable sort by time). */
function sortRows(r: Receipts, ord: Float64Array, from: number, to: number): void {
  let sorted = true;
  for (let i = from + 1; i < to && sorted; i++) if (!(r.t[i - 1] <= r.t[i])) sorted = false;
  if (sorted) return;
  const idx = Array.from({ length: to - from }, (_, i) => from + i);
  idx.sort((a, b) => r.t[a] - r.t[b] || ord[a] - ord[b]);
  const copy = (col: Float64Array | string[]) => {
    const old = idx.map((i) => col[i]);
    for (let i = 0; i < old.length; i++) col[from + i] = old[i] as never;
  };
  for (const col of [r.t, r.sts, r.seq, r.id, r.sender, ord]) copy(col);
}

/** A client's other events in time order, ties in read order; `order` moved with them. */
function sortEvents(evs: ClientEvent[], order: number[]): void {
  let sorted = true;
  for (let i = 1; i < evs.length && sorted; i++) if (!(evs[i - 1].t <= evs[i].t)) sorted = false;
  if (sorted) return;
  const idx = evs.map((_, i) => i);
  idx.sort((a, b) => evs[a].t - evs[b].t || order[a] - order[b]);
  const e = idx.map((i) => evs[i]);
  const o = idx.map((i) => order[i]);
  for (let i = 0; i < idx.length; i++) {
    evs[i] = e[i];
    order[i] = o[i];
  }
}
