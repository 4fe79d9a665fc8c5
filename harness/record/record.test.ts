import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION, MAGIC } from './codec.ts';
import { eventsFile } from './files.ts';
import type { ClientEvent } from './history.ts';
import { HistoryFormatError, readHistory, scanEvents, splitEvents } from './reader.ts';
import { EventLog } from './writer.ts';

const T0 = 1_700_000_000_000.25;

/** One event of every kind, with the awkward cases: optional fields, strings that look like ours but are not, a field the schema does not know. */
const EVENTS: ClientEvent[] = [
  { k: 'attempt', t: T0 + 1.125, c: 0, n: 1, delay: 0, since: null },
  { k: 'attempt', t: T0 + 2, c: 1, n: 2, delay: 1234.567, since: 17 },
  { k: 'attempt', t: T0 + 2.5, c: 1, n: 3, delay: 2000, since: 17, due: T0 + 1.75 },
  { k: 'open', t: T0 + 3, c: 0, n: 1 },
  { k: 'fail', t: T0 + 4, c: 1, n: 2, why: 'closed', code: 4401 },
  { k: 'fail', t: T0 + 5, c: 1, n: 3, why: 'timeout' },
  { k: 'send', t: T0 + 6, c: 0, id: 'm0-0', open: true },
  { k: 'send', t: T0 + 6.5, c: 0, id: 'm00-1', open: false },
  { k: 'send', t: T0 + 6.6, c: 0, id: 'custom id ✓', open: true },
  { k: 'ack', t: T0 + 7, c: 0, id: 'm0-0', seq: 1, mid: 'chat-0:1' },
  { k: 'ack', t: T0 + 7.5, c: 0, id: 'custom id ✓', seq: 2, mid: 'uuid-abc' },
  { k: 'recv', t: T0 + 8, c: 1, seq: 1, id: 'm0-0', sender: 'u0', mid: 'chat-0:1', sts: T0 + 6.9 },
  { k: 'recv', t: T0 + 9, c: 1, seq: 2, id: 'custom id ✓', sender: 'alice', mid: 'chat-0:3', sts: 1_699_999_999_000 },
  { k: 'send-error', t: T0 + 10, c: 0, id: 'm0-1', why: 'not-open' },
  { k: 'close', t: T0 + 11, c: 0, code: 1006, by: 'network' },
  { k: 'gap', t: T0 + 12, c: 1, from: 3, to: 9 },
  { k: 'error-frame', t: T0 + 13, c: 1, code: 'rate_limited' },
  { k: 'error-frame', t: T0 + 14, c: 1, code: 'bad', id: 'm1-4' },
  { k: 'fallback', t: T0 + 15, c: 1, what: 'system', detail: 'offline mode' },
  { k: 'fallback', t: T0 + 16, c: 1, what: 'local-message', detail: 'x', id: 'local-1' },
  { k: 'http-status', t: T0 + 17, c: 1, status: 401 },
  { k: 'stopped', t: T0 + 18, c: 1, state: 'failed', message: 'gave up' },
  // Not in the schema exactly: kept whole as JSON.
  { k: 'recv', t: T0 + 19, c: 1, seq: 2.5, id: 'm0-9', sender: 'u0', mid: 'chat-0:2.5', sts: T0 } as ClientEvent,
  { k: 'open', t: T0 + 20, c: 1, n: 4, proto: 'chat-v2' } as unknown as ClientEvent,
];

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chatstorm-record-'));
  writeFileSync(
    join(dir, 'roster.json'),
    JSON.stringify([
      { c: 0, user: 'u0', chat: 'chat-0', worker: 0 },
      { c: 1, user: 'u1', chat: 'chat-0', worker: 0 },
    ]),
  );
  writeFileSync(join(dir, 'phases.json'), JSON.stringify({ start: T0, end: T0 + 30, drainComplete: true }));
  return dir;
}

async function write(dir: string, events: ClientEvent[]): Promise<string> {
  const file = eventsFile(dir, 0);
  const log = new EventLog(file, T0);
  for (const ev of events) log.record(ev);
  await log.close();
  return file;
}

/** What the reader is expected to give back: times to the microsecond, per client in time order. */
function expected(events: ClientEvent[]): ClientEvent[][] {
  const out: ClientEvent[][] = [[], []];
  for (const ev of events) out[ev.c].push(JSON.parse(JSON.stringify(ev)));
  return out;
}

function roundTimes(lists: ClientEvent[][]): ClientEvent[][] {
  return lists.map((l) =>
    l.map((ev) =>
      JSON.parse(
        JSON.stringify(ev, (k, v) =>
          typeof v === 'number' && (k === 't' || k === 'sts' || k === 'delay' || k === 'due')
            ? Math.round(v * 1000) / 1000
            : v,
        ),
      ),
    ),
  );
}

describe('record: the binary event format', () => {
  it('gives back every event exactly (times to the µs), one of every kind and the awkward ones', async () => {
    const dir = folder();
    await write(dir, EVENTS);
    const h = readHistory(dir);
    expect(roundTimes(h.byClient)).toEqual(roundTimes(expected(EVENTS)));
    expect(h.phases.start).toBe(T0);
    expect(h.drainComplete).toBe(true);
  });

  it("keeps an attempt's due time in the compact record (no JSON fallback), and reads an attempt without one as before", async () => {
    const dir = folder();
    const events: ClientEvent[] = [
      { k: 'attempt', t: T0 + 5000.125, c: 0, n: 2, delay: 1000, since: null, due: T0 + 4800.5 },
      { k: 'attempt', t: T0 + 6000, c: 0, n: 3, delay: 2000, since: 4 },
      { k: 'attempt', t: T0 + 7000, c: 1, n: 4, delay: 4000, since: null, due: T0 + 7000.001 },
      { k: 'open', t: T0 + 7001, c: 1, n: 4 },
    ];
    const file = await write(dir, events);
    const bytes = readFileSync(file);
    expect(bytes.includes(Buffer.from('due'))).toBe(false);
    expect(bytes.length).toBeLessThan(17 + 4 * 20);
    const h = readHistory(dir);
    expect(roundTimes(h.byClient)).toEqual(roundTimes(expected(events)));
    expect('due' in h.byClient[0][1]).toBe(false);
  });

  it('is compact: a chat-v1 delivery of the harness costs under 25 bytes', async () => {
    const dir = folder();
    const recv = (i: number): ClientEvent => ({
      k: 'recv',
      t: T0 + 1000 + i * 3.7,
      c: 1,
      seq: i + 1,
      id: `m0-${i}`,
      sender: 'u0',
      mid: `chat-0:${i + 1}`,
      sts: T0 + 999 + i * 3.7,
    });
    const file = await write(
      dir,
      Array.from({ length: 1000 }, (_, i) => recv(i)),
    );
    expect(statSync(file).size / 1000).toBeLessThan(25);
  });

  it('skips a record torn by a crash, and keeps every one before it', async () => {
    const dir = folder();
    const file = await write(dir, EVENTS.slice(0, 10));
    truncateSync(file, statSync(file).size - 2);
    const h = readHistory(dir);
    expect(roundTimes(h.byClient)).toEqual(roundTimes(expected(EVENTS.slice(0, 9))));
  });

  it('reads a run folder of the previous format (NDJSON), a torn last line skipped', () => {
    const dir = folder();
    const lines = EVENTS.slice(0, 6)
      .map((e) => JSON.stringify(e))
      .join('\n');
    writeFileSync(join(dir, 'events-0.ndjson'), `${lines}\n{"k":"open","t":`);
    const h = readHistory(dir);
    expect(h.byClient).toEqual(expected(EVENTS.slice(0, 6)));
  });

  it('refuses a newer format version by name, and a file that is not ours', async () => {
    const dir = folder();
    const file = await write(dir, EVENTS.slice(0, 3));
    const bytes = readFileSync(file);
    bytes[MAGIC.length] = FORMAT_VERSION + 1;
    writeFileSync(file, bytes);
    expect(() => readHistory(dir)).toThrow(HistoryFormatError);
    expect(() => readHistory(dir)).toThrow(/version 2; this chatstorm reads version 1/);
    writeFileSync(file, 'hello, this is not an event file at all');
    expect(() => readHistory(dir)).toThrow(/bad magic/);
  });

  it("splitEvents: one file per group, each giving back exactly its clients' events (string table kept), a torn record dropped", async () => {
    const dir = folder();
    const file = await write(dir, EVENTS);
    // A record torn by a crash at the end: announced longer than what is there.
    appendFileSync(file, Buffer.from([40, 9, 1]));
    const paths = [join(dir, 'g0.rec'), join(dir, 'g1.rec')];
    splitEvents({ worker: 0, path: file, format: 'rec' }, Int32Array.from([1, 0]), paths);
    const read = (path: string) => {
      const out: ClientEvent[] = [];
      scanEvents(
        { worker: 0, path, format: 'rec' },
        () => true,
        (ev) => out.push(ev),
      );
      return out;
    };
    const whole = read(file);
    expect(whole.length).toBe(EVENTS.length);
    expect(read(paths[0])).toEqual(whole.filter((ev) => ev.c === 1));
    expect(read(paths[1])).toEqual(whole.filter((ev) => ev.c === 0));
    // A client in no group (−1) is dropped.
    splitEvents({ worker: 0, path: file, format: 'rec' }, Int32Array.from([0, -1]), paths.slice(0, 1));
    expect(read(paths[0])).toEqual(whole.filter((ev) => ev.c === 0));
  });

  it('an empty or header-only file is an empty history, not an error', () => {
    const dir = folder();
    writeFileSync(eventsFile(dir, 0), '');
    mkdirSync(join(dir, 'x'));
    appendFileSync(eventsFile(dir, 1), MAGIC.subarray(0, 3));
    expect(readHistory(dir).byClient).toEqual([[], []]);
  });
});
