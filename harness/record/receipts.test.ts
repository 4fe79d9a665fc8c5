/**
 * Receipts in columns (receipts.ts): what the streaming judge decodes must be exactly what a
 * history in memory gives once cut into the same shape — the same events, each receipt in the
 * same place among its client's other events, ties in the order recorded.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsFile } from './files.ts';
import type { ClientEvent } from './history.ts';
import { readHistory, readRunRecord, scanEvents } from './reader.ts';
import { TimelineBuilder, timelinesOf, type Timelines } from './receipts.ts';
import { EventLog } from './writer.ts';

const T0 = 1_700_000_000_000;

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Events of four clients in no time order, many at the same time, receipts compact and kept as JSON. */
function shuffled(seed: number, count: number): ClientEvent[] {
  const rnd = random(seed);
  const out: ClientEvent[] = [];
  for (let i = 0; i < count; i++) {
    const c = Math.floor(rnd() * 4);
    const t = T0 + Math.floor(rnd() * 40) * 0.5;
    const x = rnd();
    const seq = 1 + Math.floor(rnd() * 30);
    if (x < 0.5)
      out.push({ k: 'recv', t, c, seq, id: `m${c}-${i}`, sender: `u${(c + 1) % 4}`, mid: `chat-0:${seq}`, sts: t - 3 });
    else if (x < 0.55)
      // Not in the schema exactly (a seq that is not whole): kept as JSON, still a receipt.
      out.push({ k: 'recv', t, c, seq: seq + 0.5, id: 'odd', sender: 'someone', mid: 'x', sts: t });
    else if (x < 0.65) out.push({ k: 'open', t, c, n: i });
    else if (x < 0.72) out.push({ k: 'close', t, c, code: 1006, by: 'network' });
    else if (x < 0.82) out.push({ k: 'send', t, c, id: `m${c}-${i}`, open: true });
    else if (x < 0.9) out.push({ k: 'ack', t, c, id: `m${c}-${i}`, seq, mid: `chat-0:${seq}` });
    else if (x < 0.95) out.push({ k: 'gap', t, c, from: seq, to: seq + 2 });
    else out.push({ k: 'fallback', t, c, what: 'local-message', detail: 'echo', id: `l${i}` });
  }
  return out;
}

async function folder(events: ClientEvent[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'chatstorm-receipts-'));
  writeFileSync(
    join(dir, 'roster.json'),
    JSON.stringify([0, 1, 2, 3].map((c) => ({ c, user: `u${c}`, chat: 'chat-0', worker: 0 }))),
  );
  writeFileSync(join(dir, 'phases.json'), JSON.stringify({ start: T0, end: T0 + 30 }));
  const log = new EventLog(eventsFile(dir, 0), T0);
  for (const ev of events) log.record(ev);
  await log.close();
  return dir;
}

/** Timelines as plain data, for toEqual: each client's events and its receipts' columns. */
function plain(t: Timelines, clients: number) {
  const r = t.receipts;
  return Array.from({ length: clients }, (_, c) => {
    const rows = <T>(col: ArrayLike<T>) => Array.from({ length: r.to[c] - r.from[c] }, (_, i) => col[r.from[c] + i]);
    return {
      events: t.events[c],
      t: rows(r.t),
      sts: rows(r.sts),
      seq: rows(r.seq),
      id: rows(r.id),
      sender: rows(r.sender),
      before: rows(r.before),
    };
  });
}

/** Each client's whole list back from timelines: receipts put back where `before` says. */
function whole(t: Timelines, c: number): unknown[] {
  const r = t.receipts;
  const out: unknown[] = [];
  const events = t.events[c] ?? [];
  let j = 0;
  for (let row = r.from[c]; row < r.to[c]; row++) {
    for (; j < r.before[row]; j++) out.push(events[j]);
    out.push({ k: 'recv', t: r.t[row], seq: r.seq[row], id: r.id[row], sender: r.sender[row], sts: r.sts[row] });
  }
  for (; j < events.length; j++) out.push(events[j]);
  return out;
}

describe('receipts in columns', () => {
  it('decoded straight from a file (TimelineBuilder), they are exactly the history read whole and cut (timelinesOf)', async () => {
    for (const seed of [1, 2, 3]) {
      const dir = await folder(shuffled(seed, 800));
      const byClient = readHistory(dir).byClient;
      // Room for each client's receipts: its records, with some to spare (rows left empty).
      const into = new TimelineBuilder(
        4,
        [0, 1, 2, 3],
        byClient.map((l) => l.length + 2),
      );
      for (const f of readRunRecord(dir).files) scanEvents(f, () => true, into.event, into.recv);
      const built = into.finish();
      expect(plain(built, 4)).toEqual(plain(timelinesOf(byClient), 4));
      // Nothing lost, every receipt in its place: the stable sort by time of what was read.
      for (let c = 0; c < 4; c++)
        expect(whole(built, c)).toEqual(
          byClient[c].map((ev) =>
            ev.k === 'recv' ? { k: 'recv', t: ev.t, seq: ev.seq, id: ev.id, sender: ev.sender, sts: ev.sts } : ev,
          ),
        );
      expect(built.receipts.n).toBeGreaterThan(300);
    }
  });

  it('places a receipt at the same time as an open by the order they were recorded', () => {
    const open: ClientEvent = { k: 'open', t: T0 + 5, c: 0, n: 1 };
    const recv = (seq: number, t: number): ClientEvent => ({
      k: 'recv',
      t,
      c: 0,
      seq,
      id: `m1-${seq}`,
      sender: 'u1',
      mid: `x:${seq}`,
      sts: t - 1,
    });
    const into = new TimelineBuilder(2, [0], [3, 0]);
    // Read order: a receipt at 5, the open at 5, a receipt at 5, then one earlier than all of them.
    into.event(recv(1, T0 + 5));
    into.event(open);
    into.recv(0, T0 + 5, 2, 'm1-2', 'u1', T0 + 4);
    into.event(recv(3, T0 + 4));
    const r = into.finish().receipts;
    expect([...r.seq]).toEqual([3, 1, 2]);
    expect([...r.before]).toEqual([0, 0, 1]);
    expect([r.from[0], r.to[0], r.from[1], r.to[1]]).toEqual([0, 3, 0, 0]);
    // More receipts than the room made for the client: an error, never a receipt written over another.
    expect(() => into.recv(0, T0 + 6, 4, 'm1-4', 'u1', T0 + 5)).toThrow(/client 0 has more events than the room/);
  });
});
