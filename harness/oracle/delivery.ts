/**
 * delivery (docs/checks.md): every acked message reached every member that was connected at any time
 * after the ack, exactly once, in seq order (live or by resume); no acked message is lost; nothing
 * is received that nobody sent; no send stays without ack or visible error.
 *
 * "Connected at any time after the ack" is read as: the member had joined before the message was
 * sent (its first open precedes the send), and it either opened a connection after the ack (a
 * reconnect, which must resume) or its last connection was still open at the end of the run (the
 * drain gave the message time to arrive). A member whose last socket died for good before the
 * message could reach it is excused; a `gap` announced by the gateway excuses nothing: those
 * messages count as lost.
 *
 * A client whose connection escaped a cut (cut-reach.ts) met a fault the report does not describe:
 * from that cut's apply on, an owed message it never received and a send of its that never got
 * an ack are not judged here but counted (`escapedUnjudged`): the instrument's failure, which
 * generator-health names, so the run cannot pass.
 *
 * When the drain gave up while a client's fleet process was behind (drain-tail.ts), what may still
 * have lain unread in its socket is not judged either but counted (`drainUnjudged`): an owed
 * message above every seq it read, and a send on its last connection whose ack would have come
 * after everything it read.
 */
import type { ClientView, Context } from './context.ts';
import { maxSeqRead } from './drain-tail.ts';
import { addExample, breachAt, examplesOf, newPart, type CheckPart } from './partial.ts';
import type { CheckResult } from './types.ts';

const COUNTS = {
  attempted: 0,
  acked: 0,
  required: 0,
  deliveredLive: 0,
  deliveredOnResume: 0,
  lost: 0,
  lostInGap: 0,
  duplicated: 0,
  outOfOrder: 0,
  phantom: 0,
  unacknowledged: 0,
  seqGaps: 0,
  escapedUnjudged: 0,
  drainUnjudged: 0,
};
export type DeliveryCounts = typeof COUNTS;

/** Example phases: sends, receipts, required deliveries, seq holes. */
const SENDS = 0,
  RECEIPTS = 1,
  REQUIRED = 2,
  HOLES = 3;

/**
 * Counts and examples over the clients of ctx (whole chats). `escapedSince`: each client that
 * escaped a cut → that cut's apply start (cut-reach.ts escapedSince). `tailed(c)`: client c's fleet
 * process was behind when the drain gave up (drain-tail.ts tailedBy).
 */
export function collectDelivery(
  ctx: Context,
  escapedSince: ReadonlyMap<number, number> = new Map(),
  tailed: (c: number) => boolean = () => false,
): CheckPart<DeliveryCounts> {
  const part = newPart({ ...COUNTS }, 4);
  const counts = part.counts;
  const breach = (t: number) => breachAt(part, t);
  const R = ctx.receipts;
  // Clients open at the end whose process was behind in an incomplete drain → the highest seq they read.
  const readUpTo = new Map<number, number>();
  for (const view of ctx.clients)
    if (view.openAtEnd && tailed(view.entry.c))
      readUpTo.set(view.entry.c, maxSeqRead(R.seq, view.recvFrom, view.recvTo));

  // Sends: each must end in an ack or a visible error.
  for (const view of ctx.clients) {
    const outcome = new Map<string, 'ack' | 'error'>();
    const sentOpen: { id: string; t: number }[] = [];
    for (const ev of view.events) {
      if (ev.k === 'send') {
        counts.attempted++;
        if (ev.open) sentOpen.push({ id: ev.id, t: ev.t });
      } else if (ev.k === 'ack') outcome.set(ev.id, 'ack');
      else if (ev.k === 'send-error' && !outcome.has(ev.id)) outcome.set(ev.id, 'error');
    }
    const escapedAt = escapedSince.get(view.entry.c) ?? Infinity;
    const readTo = readUpTo.get(view.entry.c);
    const lastOpen = Math.max(-Infinity, ...view.opens);
    for (const s of sentOpen) {
      if (outcome.get(s.id) === 'ack') counts.acked++;
      else if (!outcome.has(s.id) && s.t >= escapedAt) counts.escapedUnjudged++;
      else if (!outcome.has(s.id) && readTo !== undefined && s.t >= lastOpen && readTo < seqOf(ctx, view, s.id))
        counts.drainUnjudged++;
      else if (!outcome.has(s.id)) {
        counts.unacknowledged++;
        breach(s.t);
        addExample(
          part,
          SENDS,
          ctx.example('unacknowledged', view.entry.c, 'sent on an open socket, never acked and no error shown', {
            message: s.id,
            at: ctx.rel(s.t),
          }),
        );
      }
    }
  }

  // Receipts per member: exactly once, in order, nothing invented. Each receipt (a row of
  // ctx.receipts) is taken in its place among the member's other events (record/receipts.ts).
  const sentOf = ctx.receiptSent;
  const seen = new Map<number, FirstReceipts>(); // client → seq → the receipt's row
  // Each roster client's chat as a number: "the sender is in this chat" compares numbers, not names.
  const chatNo = new Map<string, number>();
  const chatOf = new Int32Array(ctx.history.roster.length);
  ctx.history.roster.forEach((r, i) => {
    let k = chatNo.get(r.chat);
    if (k === undefined) chatNo.set(r.chat, (k = chatNo.size));
    chatOf[i] = k;
  });
  for (const view of ctx.clients) {
    const { c, chat } = view.entry;
    const got = new FirstReceipts();
    seen.set(c, got);
    const chatAcked = ctx.acked.get(chat);
    let maxSeq = -Infinity;
    let openT = -Infinity;
    const events = view.events;
    let j = 0;
    const other = (ev: (typeof events)[number]) => {
      if (ev.k === 'open') openT = ev.t;
      else if (ev.k === 'fallback' && ev.what === 'local-message') {
        // A message a user's store shows that the gateway never sent (client adapters): a local echo.
        counts.phantom++;
        breach(ev.t);
        addExample(
          part,
          RECEIPTS,
          ctx.example('phantom', c, ev.detail, { ...(ev.id ? { message: ev.id } : {}), at: ctx.rel(ev.t) }),
        );
      }
    };
    for (let r = view.recvFrom; r < view.recvTo; r++) {
      for (const stop = R.before[r]; j < stop; j++) other(events[j]);
      const t = R.t[r];
      const seq = R.seq[r];
      const id = R.id[r];
      const sender = R.sender[r];
      const known = chatAcked?.get(seq);
      // sentOf[r]: the sender's client is known and sent this id.
      const sentByThatUser = !Number.isNaN(sentOf[r]) && chatOf[ctx.receiptSender[r]] === chatOf[c];
      if (!sentByThatUser || (known && (known.id !== id || known.sender !== sender))) {
        counts.phantom++;
        breach(t);
        addExample(
          part,
          RECEIPTS,
          ctx.example(
            'phantom',
            c,
            known
              ? `seq ${seq} was acked as ${known.sender}/${known.id}, received as ${sender}/${id}`
              : `nobody in ${chat} sent ${sender}/${id}`,
            { message: id, seq, at: ctx.rel(t) },
          ),
        );
        continue;
      }
      const first = got.get(seq);
      if (first !== undefined) {
        counts.duplicated++;
        breach(t);
        addExample(
          part,
          RECEIPTS,
          ctx.example('duplicated', c, `seq ${seq} received again (first at ${ctx.rel(R.t[first])} s)`, {
            message: id,
            seq,
            at: ctx.rel(t),
          }),
        );
        continue;
      }
      if (seq < maxSeq) {
        counts.outOfOrder++;
        breach(t);
        addExample(
          part,
          RECEIPTS,
          ctx.example('out-of-order', c, `seq ${seq} arrived after seq ${maxSeq}`, {
            message: id,
            seq,
            at: ctx.rel(t),
          }),
        );
      }
      maxSeq = Math.max(maxSeq, seq);
      got.set(seq, r);
      if (known) {
        // Sent by the gateway before this connection existed: replayed on resume.
        if (R.sts[r] < openT) counts.deliveredOnResume++;
        else counts.deliveredLive++;
      }
    }
    for (; j < events.length; j++) other(events[j]);
  }

  // Every acked message at every member that owes it.
  for (const [chat, msgs] of ctx.acked) {
    // Each member looked up once per chat; "opened again after t" is "its latest open is after t".
    const members = (ctx.members.get(chat) ?? []).map((c) => {
      const view = ctx.view(c)!;
      return { c, view, got: seen.get(c)!, lastOpen: Math.max(-Infinity, ...view.opens) };
    });
    for (const m of msgs.values()) {
      if (m.ackT === null || m.sendT === null) continue;
      for (const { c, view, got, lastOpen } of members) {
        if (view.firstOpen === null || view.firstOpen >= m.sendT) continue;
        const reopenedAfter = lastOpen > m.ackT;
        if (!reopenedAfter && !view.openAtEnd) continue;
        const arrived = got.has(m.seq);
        if (!arrived && (escapedSince.get(c) ?? Infinity) <= m.ackT) {
          counts.escapedUnjudged++;
          continue;
        }
        if (!arrived && m.seq > (readUpTo.get(c) ?? Infinity)) {
          counts.drainUnjudged++;
          continue;
        }
        counts.required++;
        if (arrived) continue;
        const gap = view.events.find((ev) => ev.k === 'gap' && ev.from <= m.seq && m.seq <= ev.to);
        if (gap) counts.lostInGap++;
        counts.lost++;
        breach(m.ackT);
        addExample(
          part,
          REQUIRED,
          ctx.example(
            'lost',
            c,
            gap
              ? `acked at ${ctx.rel(m.ackT)} s, announced as gap ${gap.k === 'gap' ? `${gap.from}-${gap.to}` : ''}`
              : `acked at ${ctx.rel(m.ackT)} s by ${m.sender}, never received`,
            { message: m.id, seq: m.seq, at: ctx.rel(m.ackT) },
          ),
        );
      }
    }
  }

  // seq grows by exactly 1 per accepted message: a number nobody ever saw, and no gap announced
  // it, is a hole the gateway left (chat-v1 §3).
  for (const [chat, members] of ctx.members) {
    const observed = new SeqsSeen();
    for (const seq of ctx.acked.get(chat)?.keys() ?? []) observed.add(seq);
    const announced: [number, number][] = [];
    for (const c of members) {
      const view = ctx.view(c)!;
      for (let r = view.recvFrom; r < view.recvTo; r++) observed.add(R.seq[r]);
      for (const ev of view.events) if (ev.k === 'gap') announced.push([ev.from, ev.to]);
    }
    const max = observed.max;
    for (let seq = 1; seq < max; seq++) {
      if (observed.has(seq) || announced.some(([a, b]) => a <= seq && seq <= b)) continue;
      counts.seqGaps++;
      addExample(
        part,
        HOLES,
        ctx.example(
          'seq-gap',
          null,
          `no message of ${chat} ever carried seq ${seq} (highest seen ${max}) and no gap announced it`,
          { chat, seq },
        ),
      );
    }
  }

  return part;
}

/**
 * The seq the gateway gave a message a client sent that got no ack, as a member of its chat
 * received it; Infinity when none did (nobody read it: its seq is unknown, so above anything).
 */
function seqOf(ctx: Context, sender: ClientView, id: string): number {
  const R = ctx.receipts;
  for (const c of ctx.members.get(sender.entry.chat) ?? []) {
    const view = ctx.view(c)!;
    for (let r = view.recvFrom; r < view.recvTo; r++)
      if (R.id[r] === id && R.sender[r] === sender.entry.user) return R.seq[r];
  }
  return Infinity;
}

/** Whole numbers below this are kept in an array by FirstReceipts; any other seq in a Map. */
const DENSE = 1 << 22;

/**
 * seq → the row of a client's first receipt of it: an array indexed by seq for the small whole
 * numbers seqs are (a Map lookup per receipt was the check's main cost), a Map for anything else.
 */
class FirstReceipts {
  /** row + 1 by seq; 0: none. */
  private dense = new Int32Array(16);
  private readonly other = new Map<number, number>();

  get(seq: number): number | undefined {
    if (seq >>> 0 === seq && seq < DENSE) {
      const v = seq < this.dense.length ? this.dense[seq] : 0;
      return v === 0 ? undefined : v - 1;
    }
    return this.other.get(seq);
  }

  has(seq: number): boolean {
    return this.get(seq) !== undefined;
  }

  set(seq: number, row: number): void {
    if (seq >>> 0 === seq && seq < DENSE) {
      if (seq >= this.dense.length) {
        const more = new Int32Array(Math.max(this.dense.length * 2, seq + 1));
        more.set(this.dense);
        this.dense = more;
      }
      this.dense[seq] = row + 1;
    } else this.other.set(seq, row);
  }
}

/** A chat's seqs seen (acked or received), and the largest of them and 0 (as Math.max(0, ...seqs)). */
class SeqsSeen {
  private dense = new Uint8Array(16);
  private readonly other = new Set<number>();
  max = 0;

  add(seq: number): void {
    if (seq >>> 0 === seq && seq < DENSE) {
      if (seq >= this.dense.length) {
        const more = new Uint8Array(Math.max(this.dense.length * 2, seq + 1));
        more.set(this.dense);
        this.dense = more;
      }
      this.dense[seq] = 1;
    } else this.other.add(seq);
    this.max = Math.max(this.max, seq);
  }

  has(seq: number): boolean {
    if (seq >>> 0 === seq && seq < DENSE) return seq < this.dense.length && this.dense[seq] === 1;
    return this.other.has(seq);
  }
}

export function finishDelivery(part: CheckPart<DeliveryCounts>, rel: (t: number) => number): CheckResult {
  const counts = part.counts;
  const examples = examplesOf(part);
  const firstBreach = part.firstBreach;
  const bad =
    counts.lost + counts.duplicated + counts.outOfOrder + counts.phantom + counts.unacknowledged + counts.seqGaps;
  const problems = (['lost', 'duplicated', 'outOfOrder', 'phantom', 'unacknowledged', 'seqGaps'] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}`);
  const unjudged =
    (counts.escapedUnjudged
      ? ` Not judged: ${counts.escapedUnjudged} owed deliveries and sends of clients whose connection escaped a cut, from its apply on (the instrument's failure: see generator-health).`
      : '') +
    (counts.drainUnjudged
      ? ` Not judged: ${counts.drainUnjudged} owed deliveries and sends that may have lain unread when the drain gave up, their fleet process behind (the instrument's lag: see generator-health).`
      : '');
  return {
    name: 'delivery',
    verdict: bad === 0 ? (counts.acked > 0 ? 'pass' : 'inconclusive') : 'fail',
    summary:
      bad === 0
        ? counts.acked > 0
          ? `${counts.required} required deliveries of ${counts.acked} acked messages all arrived exactly once and in order (${counts.deliveredOnResume} by resume).${unjudged}`
          : `No message was acked: nothing to judge.${unjudged}`
        : `${problems.join(', ')} (of ${counts.required} required deliveries, ${counts.acked} acked messages).${unjudged}`,
    counts,
    examples,
    firstBreachAt: firstBreach === null ? null : rel(firstBreach),
  };
}
