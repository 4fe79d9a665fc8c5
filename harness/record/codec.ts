/**
 * The binary event format, version 1 (docs/history.md). A file is a 17-byte header — the magic
 * "CHSTREC\n", a version byte, the base time (float64 LE, epoch ms) — then records:
 *
 *   varint length | kind byte | varint client | zigzag varint µs since base | fields of the kind
 *
 * Every record says its own length, so a reader skips a record it does not want after reading
 * two bytes, and a record torn by a crash (fewer bytes than announced) is simply not there.
 * Strings are references into a per-file table (a kind-0 record defines the next entry before
 * its first use), or, for the harness's own names, numbers: "m<c>-<k>" (client_msg_id), "u<n>"
 * (user) and "<chat>:<seq>" (message_id of chat-v1) cost a few bytes and no table entry. An event
 * the schema does not describe exactly (a field added later, a number that is not a whole one)
 * is written as JSON in a kind-255 record: nothing is ever dropped.
 *
 * Times (t, delay, sts, due) are kept to the microsecond, the precision the clock reaches anyway.
 *
 * A field added to a kind after version 1 is a trailing optional field ('tail'): written only when
 * the event has it, read only when the record has bytes left. A version-1 record without it reads
 * as before, and a reader that does not know it skips it (every record says its length).
 */
import type { ClientEvent } from './history.ts';

export const MAGIC = Buffer.from('CHSTREC\n', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = MAGIC.length + 1 + 8;

export const KIND_STRING = 0;
const KIND_JSON = 255;

/**
 * u: whole number ≥ 0; ou: optional (absent = 0); nu: nullable; b: boolean; d: ms kept to the µs
 * (may be < 0); td: a time (epoch ms) kept to the µs from the file's base; s/os: string, optional
 * string; otd: an optional time as td, a trailing field (last in its kind, present only when set).
 */
type FieldType = 'u' | 'ou' | 'nu' | 'b' | 'd' | 'td' | 's' | 'os' | 'otd';
const SCHEMA: Record<ClientEvent['k'], [number, [string, FieldType][]]> = {
  // due (issue 9): when the attempt's backoff timer was due; absent on a first attempt.
  attempt: [
    1,
    [
      ['n', 'u'],
      ['delay', 'd'],
      ['since', 'nu'],
      ['due', 'otd'],
    ],
  ],
  open: [2, [['n', 'u']]],
  fail: [
    3,
    [
      ['n', 'u'],
      ['why', 's'],
      ['code', 'ou'],
    ],
  ],
  close: [
    4,
    [
      ['code', 'u'],
      ['by', 's'],
    ],
  ],
  stopped: [
    5,
    [
      ['state', 's'],
      ['message', 's'],
    ],
  ],
  send: [
    6,
    [
      ['id', 's'],
      ['open', 'b'],
    ],
  ],
  ack: [
    7,
    [
      ['id', 's'],
      ['seq', 'u'],
      ['mid', 's'],
    ],
  ],
  'send-error': [
    8,
    [
      ['id', 's'],
      ['why', 's'],
    ],
  ],
  recv: [
    9,
    [
      ['seq', 'u'],
      ['id', 's'],
      ['sender', 's'],
      ['mid', 's'],
      ['sts', 'td'],
    ],
  ],
  gap: [
    10,
    [
      ['from', 'u'],
      ['to', 'u'],
    ],
  ],
  'error-frame': [
    11,
    [
      ['code', 's'],
      ['id', 'os'],
    ],
  ],
  fallback: [
    12,
    [
      ['what', 's'],
      ['detail', 's'],
      ['id', 'os'],
    ],
  ],
  'http-status': [13, [['status', 'u']]],
};
const BY_CODE: ([ClientEvent['k'], [string, FieldType][]] | undefined)[] = [];
for (const [k, [code, fields]] of Object.entries(SCHEMA)) BY_CODE[code] = [k as ClientEvent['k'], fields];
const REQUIRED = new Map(
  Object.entries(SCHEMA).map(([k, [, f]]) => [
    k,
    f.filter(([, t]) => t !== 'ou' && t !== 'os' && t !== 'otd').map(([n]) => n),
  ]),
);
for (const [k, [, f]] of Object.entries(SCHEMA)) {
  const firstTail = f.findIndex(([, t]) => t === 'otd');
  if (firstTail >= 0 && f.slice(firstTail).some(([, t]) => t !== 'otd'))
    throw new Error(`codec schema: ${k}: a trailing field must come last`);
}
const KNOWN = new Map(Object.entries(SCHEMA).map(([k, [, f]]) => [k, new Set(['k', 't', 'c', ...f.map(([n]) => n)])]));

const MSG_ID = /^m(0|[1-9]\d{0,14})-(0|[1-9]\d{0,14})$/;
const USER = /^u(0|[1-9]\d{0,14})$/;

export function header(base: number): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b[MAGIC.length] = FORMAT_VERSION;
  b.writeDoubleLE(base, MAGIC.length + 1);
  return b;
}

/** Reads a file's header: its version and base time, or why it is not one of ours. */
export function readHeader(b: Buffer): { version: number; base: number } | { error: string } {
  if (b.length < HEADER_BYTES) return { error: 'shorter than the header' };
  if (!b.subarray(0, MAGIC.length).equals(MAGIC)) return { error: 'not a chatstorm event file (bad magic)' };
  return { version: b[MAGIC.length], base: b.readDoubleLE(MAGIC.length + 1) };
}

/** Appends varints to a growable byte buffer. */
class Out {
  buf = Buffer.allocUnsafe(1 << 16);
  n = 0;
  private room(k: number) {
    if (this.n + k <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }
  byte(v: number) {
    this.room(1);
    this.buf[this.n++] = v;
  }
  /** v: a safe integer ≥ 0. */
  uint(v: number) {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }
  sint(v: number) {
    this.uint(v < 0 ? -2 * v - 1 : 2 * v);
  }
  bytes(s: string) {
    const len = Buffer.byteLength(s);
    this.uint(len);
    this.room(len);
    this.n += this.buf.write(s, this.n, 'utf8');
  }
  raw(b: Buffer) {
    this.room(b.length);
    b.copy(this.buf, this.n);
    this.n += b.length;
  }
  take(): Buffer {
    const b = Buffer.from(this.buf.subarray(0, this.n));
    this.n = 0;
    return b;
  }
}

const micros = (ms: number) => Math.round(ms * 1000);
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e13;

/** Encodes events for one file. Keeps the file's string table: one encoder per file. */
export class Encoder {
  private readonly strings = new Map<string, number>();
  private readonly out = new Out();
  private readonly rec = new Out();
  readonly base: number;
  constructor(base: number) {
    this.base = base;
  }

  /** Appends one event's record (and any string definition it needs) to the pending bytes. */
  add(ev: ClientEvent): void {
    if (!this.fits(ev)) return this.json(ev);
    const [code, fields] = SCHEMA[ev.k];
    const r = this.rec;
    r.n = 0;
    r.byte(code);
    r.uint(ev.c);
    r.sint(micros(ev.t - this.base));
    const e = ev as unknown as Record<string, unknown>;
    for (const [name, type] of fields) {
      const v = e[name];
      switch (type) {
        case 'u':
          r.uint(v as number);
          break;
        case 'ou':
          r.uint(v === undefined ? 0 : (v as number) + 1);
          break;
        case 'nu':
          r.uint(v === null ? 0 : (v as number) + 1);
          break;
        case 'b':
          r.byte(v ? 1 : 0);
          break;
        case 'd':
          r.sint(micros(v as number));
          break;
        case 'td':
          r.sint(micros((v as number) - this.base));
          break;
        case 's':
          this.ref(v as string, e);
          break;
        case 'os':
          if (v === undefined) r.uint(0);
          else this.ref(v as string, e);
          break;
        case 'otd':
          if (v !== undefined) r.sint(micros((v as number) - this.base));
          break;
      }
    }
    this.out.uint(r.n);
    this.out.raw(r.buf.subarray(0, r.n));
  }

  /** The bytes encoded since the last call. */
  take(): Buffer {
    return this.out.take();
  }

  /** Whether the compact record can hold the event exactly. */
  private fits(ev: ClientEvent): boolean {
    const schema = SCHEMA[ev.k as ClientEvent['k']];
    if (!schema || !isUint(ev.c) || !isMs(ev.t)) return false;
    const e = ev as unknown as Record<string, unknown>;
    const known = KNOWN.get(ev.k)!;
    for (const key in e) if (!known.has(key) && e[key] !== undefined) return false;
    for (const n of REQUIRED.get(ev.k)!) if (!(n in e)) return false;
    for (const [name, type] of schema[1]) {
      const v = e[name];
      const ok =
        type === 'u'
          ? isUint(v)
          : type === 'ou'
            ? v === undefined || isUint(v)
            : type === 'nu'
              ? v === null || isUint(v)
              : type === 'b'
                ? typeof v === 'boolean'
                : type === 'd' || type === 'td'
                  ? isMs(v)
                  : type === 'otd'
                    ? v === undefined || isMs(v)
                    : type === 's'
                      ? typeof v === 'string'
                      : v === undefined || typeof v === 'string';
      if (!ok) return false;
    }
    return true;
  }

  private json(ev: ClientEvent) {
    const r = this.rec;
    r.n = 0;
    r.byte(KIND_JSON);
    r.uint(isUint(ev.c) ? ev.c : 0);
    const s = JSON.stringify(ev);
    r.bytes(s);
    this.out.uint(r.n);
    this.out.raw(r.buf.subarray(0, r.n));
  }

  /**
   * A string reference: tag (low 2 bits) and payload. 0: table entry payload-1 (payload 0 = none);
   * 1: "m<payload>-<k>", k follows; 2: "u<payload>"; 3: "<table entry payload>:<seq>", seq follows.
   */
  private ref(s: string, e: Record<string, unknown>) {
    const r = this.rec;
    // The first character rules a pattern out before any regular expression runs.
    const first = s.charCodeAt(0);
    const m = first === 109 /* m */ ? MSG_ID.exec(s) : null;
    if (m && isUint(Number(m[1])) && isUint(Number(m[2]))) {
      r.uint(Number(m[1]) * 4 + 1);
      r.uint(Number(m[2]));
      return;
    }
    const u = first === 117 /* u */ ? USER.exec(s) : null;
    if (u && isUint(Number(u[1]))) {
      r.uint(Number(u[1]) * 4 + 2);
      return;
    }
    const colon = s.lastIndexOf(':');
    if (colon > 0 && typeof e.seq === 'number' && s.slice(colon + 1) === String(e.seq)) {
      r.uint(this.intern(s.slice(0, colon)) * 4 + 3);
      r.uint(e.seq);
      return;
    }
    r.uint((this.intern(s) + 1) * 4);
  }

  private intern(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) {
      i = this.strings.size;
      this.strings.set(s, i);
      const def = new Out();
      def.byte(KIND_STRING);
      def.uint(0);
      def.bytes(s);
      this.out.uint(def.n);
      this.out.raw(def.buf.subarray(0, def.n));
    }
    return i;
  }
}

/** Asked before a record is decoded: is client c's event of this kind at time t wanted? */
export type Want = (c: number, kind: ClientEvent['k'] | 'json', t: number) => boolean;

/** Takes a wanted receipt's fields instead of an object (record/receipts.ts); its message_id is not decoded. */
export type RecvSink = (c: number, t: number, seq: number, id: string, sender: string, sts: number) => void;

const RECV_CODE = SCHEMA.recv[0];

/**
 * Decodes one file's records from consecutive chunks. `push` returns the bytes it could not use
 * yet (a record cut by the chunk's end); the caller prepends them to the next chunk.
 */
export class Decoder {
  private readonly strings: string[] = [];
  private b: Buffer = Buffer.alloc(0);
  private p = 0;
  /** Records seen whose bytes were complete (string definitions excluded). */
  records = 0;
  readonly base: number;
  constructor(base: number) {
    this.base = base;
  }

  /**
   * Decodes every complete record in `chunk`. `want(c, kind, t)` is asked before a record is
   * decoded (kind 'json' and t NaN for an event kept as JSON, which is parsed first): `false` skips
   * it at the cost of reading three fields. Returns the offset of the first byte not consumed.
   * `onRecv`, when given, takes the wanted receipts (compact records) instead of `onEvent`.
   */
  push(chunk: Buffer, want: Want, onEvent: (ev: ClientEvent) => void, onRecv?: RecvSink): number {
    this.b = chunk;
    this.p = 0;
    let start = 0;
    while (start < chunk.length) {
      this.p = start;
      const len = this.tryUint();
      if (len === null) break;
      const body = this.p;
      const end = body + len;
      if (end > chunk.length) break;
      const kind = chunk[body];
      this.p = body + 1;
      const c = this.uint();
      if (kind === KIND_STRING) {
        const n = this.uint();
        this.strings.push(chunk.toString('utf8', this.p, this.p + n));
      } else if (kind === KIND_JSON) {
        this.records++;
        if (want(c, 'json', Number.NaN)) {
          const n = this.uint();
          onEvent(JSON.parse(chunk.toString('utf8', this.p, this.p + n)) as ClientEvent);
        }
      } else {
        this.records++;
        const spec = BY_CODE[kind];
        if (!spec) throw new Error(`unknown record kind ${kind} at byte ${body}`);
        const t = this.base + this.sint() / 1000;
        if (!want(c, spec[0], t)) {
          // skipped
        } else if (kind === RECV_CODE && onRecv) {
          // As SCHEMA.recv: seq, id, sender, mid (skipped), sts.
          const seq = this.uint();
          const id = this.ref()!;
          const sender = this.ref()!;
          this.skipRef();
          onRecv(c, t, seq, id, sender, this.base + this.sint() / 1000);
        } else onEvent(this.decode(spec, c, t, end));
      }
      start = end;
    }
    return start;
  }

  /** end: the offset just past the record, which tells whether a trailing field is there. */
  private decode(spec: [ClientEvent['k'], [string, FieldType][]], c: number, t: number, end: number): ClientEvent {
    // The kinds of nearly every record, built as literals: one object shape per kind (fast for
    // the checks to read), keys in the schema's order as below.
    // They match SCHEMA's recv, send, ack and open exactly (no trailing field): change both together.
    switch (spec[0]) {
      case 'recv': {
        const seq = this.uint();
        const id = this.ref()!;
        const sender = this.ref()!;
        const mid = this.ref()!;
        return { k: 'recv', t, c, seq, id, sender, mid, sts: this.base + this.sint() / 1000 };
      }
      case 'send': {
        const id = this.ref()!;
        return { k: 'send', t, c, id, open: this.b[this.p++] === 1 };
      }
      case 'ack': {
        const id = this.ref()!;
        const seq = this.uint();
        return { k: 'ack', t, c, id, seq, mid: this.ref()! };
      }
      case 'open':
        return { k: 'open', t, c, n: this.uint() };
    }
    const ev: Record<string, unknown> = { k: spec[0], t, c };
    for (const [name, type] of spec[1]) {
      switch (type) {
        case 'u':
          ev[name] = this.uint();
          break;
        case 'ou': {
          const v = this.uint();
          if (v) ev[name] = v - 1;
          break;
        }
        case 'nu': {
          const v = this.uint();
          ev[name] = v ? v - 1 : null;
          break;
        }
        case 'b':
          ev[name] = this.b[this.p++] === 1;
          break;
        case 'd':
          ev[name] = this.sint() / 1000;
          break;
        case 'td':
          ev[name] = this.base + this.sint() / 1000;
          break;
        case 's':
          ev[name] = this.ref();
          break;
        case 'os': {
          const v = this.ref();
          if (v !== undefined) ev[name] = v;
          break;
        }
        case 'otd':
          if (this.p < end) ev[name] = this.base + this.sint() / 1000;
          break;
      }
    }
    return ev as unknown as ClientEvent;
  }

  // One string per distinct id, shared by every event that carries it: fewer strings to collect,
  // and a string's hash is computed once for every map that looks it up.
  private readonly users: (string | undefined)[] = [];
  private readonly ids: (string | undefined)[][] = [];

  private ref(): string | undefined {
    const v = this.uint();
    const tag = v % 4;
    const payload = (v - tag) / 4;
    switch (tag) {
      case 0:
        return payload === 0 ? undefined : this.strings[payload - 1];
      case 1: {
        const k = this.uint();
        if (payload >= 2 ** 24 || k >= 2 ** 24) return `m${payload}-${k}`;
        // The common case (both cached) without a call.
        const of = payload < this.ids.length ? this.ids[payload] : undefined;
        const s = of !== undefined && k < of.length ? of[k] : undefined;
        if (s !== undefined) return s;
        const list = (grown(this.ids, payload)[payload] ??= []);
        return (grown(list, k)[k] = `m${payload}-${k}`);
      }
      case 2:
        if (payload >= 2 ** 24) return `u${payload}`;
        return (
          (payload < this.users.length ? this.users[payload] : undefined) ??
          (grown(this.users, payload)[payload] = `u${payload}`)
        );
      default: {
        const seq = this.uint();
        return `${this.strings[payload]}:${seq}`;
      }
    }
  }

  /** Past a string reference without building its string. */
  private skipRef(): void {
    const tag = this.uint() % 4;
    if (tag === 1 || tag === 3) this.uint();
  }

  private uint(): number {
    const b = this.b;
    let v = b[this.p++];
    if (v < 0x80) return v;
    v &= 0x7f;
    let mul = 0x80;
    for (;;) {
      const x = b[this.p++];
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 0x80;
    }
  }

  private sint(): number {
    const z = this.uint();
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }

  /** A varint that may be cut by the chunk's end: null then. */
  private tryUint(): number | null {
    const b = this.b;
    let v = 0;
    let mul = 1;
    for (let i = this.p; i < b.length && i < this.p + 10; i++) {
      v += (b[i] & 0x7f) * mul;
      if (b[i] < 0x80) {
        this.p = i + 1;
        return v;
      }
      mul *= 0x80;
    }
    return null;
  }
}

/**
 * `a`, long enough to hold index i: filled with holes up to it first, as an array assigned far
 * beyond its end turns into a slow dictionary.
 */
function grown<T>(a: (T | undefined)[], i: number): (T | undefined)[] {
  while (a.length <= i) a.push(undefined);
  return a;
}
