/**
 * Reads a run's recorded history back from its folder (files.ts), for the judge after every run
 * and for `chatstorm report`, also of a run that was interrupted or killed: a torn last record is
 * skipped, never fatal. Events are streamed in chunks, never read as one string per file, and a
 * caller may keep only the clients it wants (`scanEvents`); `readHistory` keeps them all, for
 * small histories and tests.
 */
import { closeSync, existsSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder, FORMAT_VERSION, HEADER_BYTES, KIND_STRING, readHeader, type RecvSink, type Want } from './codec.ts';
import { readJsonFile, type JsonKind } from './json-file.ts';
import {
  eventFiles,
  FAULTS_FILE,
  PHASES_FILE,
  ROSTER_FILE,
  ROUTES_FILE,
  HOST_SAMPLES_FILE,
  SAMPLES_FILE,
  STACK_SAMPLES_FILE,
  type EventFile,
} from './files.ts';
import type {
  ClientEvent,
  ClientRoutes,
  FaultRecord,
  GeneratorSample,
  History,
  HostSample,
  Phases,
  RosterEntry,
  StackSample,
} from './history.ts';

/** A history this version cannot read (a newer format, a torn or edited JSON file, or not a history at all). The CLI exits 64. */
export class HistoryFormatError extends Error {
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.file = file;
    this.name = 'HistoryFormatError';
  }
}

const CHUNK = 4 << 20;

/**
 * Calls `fn` with consecutive chunks of a file; `fn` returns how many bytes it used, the rest is
 * offered again with the next chunk, and once more at the end of the file with `atEnd` set.
 */
function chunks(path: string, fn: (b: Buffer, atEnd: boolean) => number): void {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK);
    let have = 0;
    for (;;) {
      if (have === buf.length) {
        // One record larger than the buffer: grow it.
        const next = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(next, 0, 0, have);
        buf = next;
      }
      const n = readSync(fd, buf, have, buf.length - have, null);
      if (n === 0) {
        if (have > 0) fn(buf.subarray(0, have), true);
        return;
      }
      have += n;
      const used = fn(buf.subarray(0, have), false);
      buf.copy(buf, 0, used, have);
      have -= used;
    }
  } finally {
    closeSync(fd);
  }
}

/** Lines of a text file, streamed; a torn last line (no newline) is offered too, and may fail to parse. */
function lines(path: string, fn: (line: string) => void): void {
  chunks(path, (b, atEnd) => {
    const cut = atEnd ? b.length : b.lastIndexOf(10);
    if (cut < 0) return 0;
    for (const l of b.toString('utf8', 0, cut).split('\n')) if (l) fn(l);
    return Math.min(b.length, cut + 1);
  });
}

function ndjson<T>(file: string, fn: (v: T) => void): void {
  if (!existsSync(file)) return;
  lines(file, (l) => {
    try {
      fn(JSON.parse(l) as T);
    } catch {
      /* a line torn by a crash */
    }
  });
}

/**
 * Streams one events file. `want(c, kind, t)` decides, before a record is decoded, whether it is
 * wanted (see codec.ts). Returns how many event records the file holds (wanted or not). `onRecv`,
 * when given, takes a binary file's wanted receipts as fields, not objects (record/receipts.ts);
 * receipts of NDJSON or kept as JSON still come to `onEvent`.
 */
export function scanEvents(file: EventFile, want: Want, onEvent: (ev: ClientEvent) => void, onRecv?: RecvSink): number {
  if (file.format === 'ndjson') {
    let n = 0;
    ndjson<ClientEvent>(file.path, (ev) => {
      n++;
      if (Number.isSafeInteger(ev?.c) && ev.c >= 0 && want(ev.c, ev.k, ev.t)) onEvent(ev);
    });
    return n;
  }
  let decoder = null as Decoder | null;
  let bad = null as string | null;
  chunks(file.path, (b) => {
    if (bad) return b.length;
    let at = 0;
    if (!decoder) {
      if (b.length < HEADER_BYTES) return 0;
      const h = readHeader(b);
      if ('error' in h) bad = h.error;
      else if (h.version !== FORMAT_VERSION)
        bad = `event format version ${h.version}; this chatstorm reads version ${FORMAT_VERSION} (and NDJSON, format 0)`;
      else decoder = new Decoder(h.base);
      if (!decoder) return b.length;
      at = HEADER_BYTES;
    }
    // Bytes still left at the end of the file are a record torn by a crash: skipped.
    return at + decoder.push(b.subarray(at), want, onEvent, onRecv);
  });
  if (bad) throw new HistoryFormatError(file.path, bad);
  return decoder?.records ?? 0;
}

/**
 * Splits one binary events file (`file.format` 'rec', its header already checked) into one file
 * per group of clients, in one pass: `groupOf[c]` is client c's group (−1: dropped); `paths[g]`
 * receives the header and, in the original order, every string definition and group g's records,
 * byte for byte, undecoded. Each output is an events file in its own right, so a judge reads each
 * group's records once instead of skipping every other group's. A torn last record is dropped.
 */
export function splitEvents(file: EventFile, groupOf: Int32Array, paths: string[]): void {
  const fds = paths.map((p) => openSync(p, 'w'));
  const outs = paths.map(() => ({ buf: Buffer.allocUnsafe(1 << 20), n: 0 }));
  const put = (g: number, b: Buffer, from: number, to: number) => {
    const o = outs[g];
    if (o.n + (to - from) > o.buf.length) {
      writeSync(fds[g], o.buf, 0, o.n);
      o.n = 0;
      if (to - from > o.buf.length) o.buf = Buffer.allocUnsafe(to - from);
    }
    if (to - from > 64) {
      b.copy(o.buf, o.n, from, to);
      o.n += to - from;
      return;
    }
    // A record is mostly ~20 bytes: copied by hand, without the cost of a call to Buffer.copy.
    const out = o.buf;
    let n = o.n;
    for (let i = from; i < to; i++) out[n++] = b[i];
    o.n = n;
  };
  try {
    let headerDone = false;
    chunks(file.path, (b) => {
      let at = 0;
      if (!headerDone) {
        if (b.length < HEADER_BYTES) return 0;
        for (let g = 0; g < paths.length; g++) put(g, b, 0, HEADER_BYTES);
        headerDone = true;
        at = HEADER_BYTES;
      }
      while (at < b.length) {
        // varint length | kind | varint client
        let len = 0;
        let mul = 1;
        let p = at;
        for (;;) {
          if (p >= b.length || p >= at + 10) return at;
          const x = b[p++];
          len += (x & 0x7f) * mul;
          if (x < 0x80) break;
          mul *= 0x80;
        }
        const end = p + len;
        if (end > b.length) return at;
        const kind = b[p++];
        if (kind === KIND_STRING) {
          for (let g = 0; g < paths.length; g++) put(g, b, at, end);
        } else {
          let c = 0;
          mul = 1;
          for (;;) {
            const x = b[p++];
            c += (x & 0x7f) * mul;
            if (x < 0x80) break;
            mul *= 0x80;
          }
          const g = c < groupOf.length ? groupOf[c] : -1;
          if (g >= 0) put(g, b, at, end);
        }
        at = end;
      }
      return at;
    });
    for (let g = 0; g < paths.length; g++) if (outs[g].n) writeSync(fds[g], outs[g].buf, 0, outs[g].n);
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Everything of a history but its client events: small, read whole. */
export interface RunRecord {
  roster: RosterEntry[];
  faults: FaultRecord[];
  samples: GeneratorSample[];
  stackSamples: StackSample[];
  /** Absent (undefined) when the run has no host-samples file: not measured. */
  hostSamples?: HostSample[];
  /** Absent in run folders older than routes.json. */
  routes?: ClientRoutes;
  /** phases.json as saved (a killed run may lack some). */
  savedPhases: Partial<Phases> & { drainComplete?: boolean };
  files: EventFile[];
}

const RUN_FOLDER = 'a run folder holds plan.json and history/, e.g. reports/latest';

/**
 * A JSON file of the history, read whole; `fallback` when it is absent. One that cannot be read, is
 * not JSON (torn, edited) or is not the kind of value it should be: a HistoryFormatError naming the
 * file (the CLI exits 64; a ConfigError would be a back-import, record → config: scripts/stages.ts).
 */
function json<T>(file: string, fallback: T, kind: JsonKind): T {
  if (!existsSync(file)) return fallback;
  const r = readJsonFile(file, kind);
  if ('problem' in r) throw new HistoryFormatError(file, r.problem);
  return r.value as T;
}

export function readRunRecord(historyDir: string): RunRecord {
  if (!existsSync(join(historyDir, ROSTER_FILE)))
    throw new HistoryFormatError(
      historyDir,
      `${existsSync(historyDir) ? `no ${ROSTER_FILE} in it` : 'no such folder'}, so no recorded history (${RUN_FOLDER})`,
    );
  const roster = json<RosterEntry[]>(join(historyDir, ROSTER_FILE), [], 'array');
  const samples: GeneratorSample[] = [];
  ndjson<GeneratorSample>(join(historyDir, SAMPLES_FILE), (s) => samples.push(s));
  const stackSamples: StackSample[] = [];
  ndjson<StackSample>(join(historyDir, STACK_SAMPLES_FILE), (s) => stackSamples.push(s));
  const hostFile = join(historyDir, HOST_SAMPLES_FILE);
  const hostSamples: HostSample[] | undefined = existsSync(hostFile) ? [] : undefined;
  if (hostSamples) ndjson<HostSample>(hostFile, (s) => hostSamples.push(s));
  const routes = json<ClientRoutes | null>(join(historyDir, ROUTES_FILE), null, 'object');
  return {
    roster,
    faults: json<FaultRecord[]>(join(historyDir, FAULTS_FILE), [], 'array'),
    samples,
    stackSamples,
    ...(hostSamples ? { hostSamples } : {}),
    ...(routes ? { routes } : {}),
    savedPhases: json(join(historyDir, PHASES_FILE), {}, 'object'),
    files: eventFiles(historyDir),
  };
}

/** Phases as saved, completed from the first and last event times for a run killed before it saved them. */
export function resolvePhases(p: Partial<Phases>, first: number, last: number): Phases {
  return {
    start: p.start ?? (Number.isFinite(first) ? first : 0),
    connected: p.connected ?? p.start ?? first,
    trafficStart: p.trafficStart ?? p.connected ?? first,
    trafficEnd: p.trafficEnd ?? last,
    drained: p.drained ?? last,
    end: p.end ?? last,
  };
}

/** The whole history in memory: for small runs and tests. The judge streams instead (harness/judge.ts). */
export function readHistory(historyDir: string): History {
  const rec = readRunRecord(historyDir);
  const byClient: ClientEvent[][] = rec.roster.map(() => []);
  for (const f of rec.files)
    scanEvents(
      f,
      (c) => c < byClient.length,
      (ev) => byClient[ev.c].push(ev),
    );
  // Each client's events come from one process in order; a stable sort keeps same-time order.
  for (const list of byClient) list.sort((a, b) => a.t - b.t);
  const first = Math.min(...byClient.flatMap((l) => (l.length ? [l[0].t] : [])), Infinity);
  const last = Math.max(...byClient.flatMap((l) => (l.length ? [l[l.length - 1].t] : [])), -Infinity);
  const phases = resolvePhases(rec.savedPhases, first, last);
  return {
    roster: rec.roster,
    byClient,
    faults: rec.faults,
    samples: rec.samples,
    stackSamples: rec.stackSamples,
    ...(rec.hostSamples ? { hostSamples: rec.hostSamples } : {}),
    ...(rec.routes ? { routes: rec.routes } : {}),
    phases,
    drainComplete: rec.savedPhases.drainComplete ?? false,
  };
}
