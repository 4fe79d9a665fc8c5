/**
 * Judges a run folder's recorded history in bounded memory: the history is streamed, never held
 * whole. Memory grows with the chats judged at once and the number of clients, not with the
 * length of the run.
 *
 *   pass 1  every events file, decoding only opens and closes (and the auth probes' events):
 *           records per client, each client's connections → the frame (fault windows, steady
 *           state: they need every client), the auth check
 *   pass 2  per part — whole chats of one fleet process, at most `partRecords` records — that
 *           part's events only, judged, merged into the result so far (oracle/merge.ts), then
 *           dropped. A fleet process whose file holds several parts has it split first, in one
 *           pass, into a temporary file per part (record/reader.ts splitEvents): each record is
 *           read twice in all, not once per part.
 *
 * The merge is exact: the result is the one `evaluate` gives on the whole history in memory.
 */
import type { OraclePlan } from './oracle/context.ts';
import { buildContext } from './oracle/context.ts';
import { checkAuth, withoutProbes } from './oracle/auth.ts';
import { protocolOf } from './protocol/index.ts';
import { buildFrame, finishEvaluation, judgePart, type Judged, type PartEvaluation } from './oracle/evaluate.ts';
import { emptyLike, mergeInto } from './oracle/merge.ts';
import type { Evaluation } from './oracle/types.ts';
import type { Connections } from './oracle/windows.ts';
import { addClockLegs, newClockLegs, type ClockLegs } from './metrics/clock.ts';
import type { ClientEvent, History, Phases } from './record/history.ts';
import { readRunRecord, resolvePhases, scanEvents, splitEvents } from './record/reader.ts';
import type { EventFile } from './record/files.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Records judged at once by default: a part's memory grows with it (docs/history.md has the bench's peak RSS). */
export const PART_RECORDS = 500_000;

export interface JudgedRun {
  evaluation: Evaluation;
  phases: Phases;
  drainComplete: boolean;
  /** Event records in the history. */
  records: number;
  /** Parts judged one after the other. */
  parts: number;
  /** Upgrades the gateway (or whatever answered) refused with an HTTP status, counted by status (every client, probes included). */
  httpRefusals: Record<string, number>;
  /** The fastest own-message legs, for this host's clock offset against the gateway's (metrics/clock.ts). */
  clock: ClockLegs;
  /** The same, before its verdict: what a shard keeps for `chatstorm merge` (oracle/judged-json.ts). */
  judged: Judged;
}

export function judgeRun(historyDir: string, plan: OraclePlan, runtimeErrors: { code: string; message: string }[] = [], opts: { partRecords?: number } = {}): JudgedRun {
  const partRecords = opts.partRecords ?? PART_RECORDS;
  const rec = readRunRecord(historyDir);
  const { roster } = rec;
  const n = roster.length;
  const probeFrom = roster.some((r) => r.probe) ? roster.findIndex((r) => r.probe) : n;

  // Pass 1.
  const perClient = new Float64Array(n);
  const conns: Connections[] = roster.slice(0, probeFrom).map((r) => ({ c: r.c, opens: [], closes: [] }));
  const probeEvents: ClientEvent[][] = [];
  for (let c = probeFrom; c < n; c++) probeEvents[c] = [];
  let first = Infinity;
  let last = -Infinity;
  let lastJudged = -Infinity;
  let records = 0;
  const httpRefusals: Record<string, number> = {};
  const seen = (c: number, t: number) => {
    if (t < first) first = t;
    if (t > last) last = t;
    if (c < probeFrom && t > lastJudged) lastJudged = t;
  };
  for (const f of rec.files) {
    scanEvents(
      f,
      (c, kind, t) => {
        if (c >= n) return false;
        records++;
        perClient[c]++;
        if (kind === 'json') return true;
        seen(c, t);
        return c >= probeFrom || kind === 'open' || kind === 'close' || kind === 'http-status';
      },
      (ev) => {
        if (ev.k === 'http-status') httpRefusals[ev.status] = (httpRefusals[ev.status] ?? 0) + 1;
        if (ev.c >= probeFrom) {
          probeEvents[ev.c].push(ev);
        } else if (ev.k === 'open') conns[ev.c].opens.push(ev.t);
        else if (ev.k === 'close') conns[ev.c].closes.push({ t: ev.t, by: ev.by, code: ev.code });
        // An event kept as JSON was not seen before it was parsed.
        if (!Number.isNaN(ev.t) && typeof ev.t === 'number') seen(ev.c, ev.t);
      },
    );
  }
  for (const cn of conns) {
    cn.opens.sort((a, b) => a - b);
    cn.closes.sort((a, b) => a.t - b.t);
  }
  const phases = resolvePhases(rec.savedPhases, first, last);
  const whole: History = { roster, byClient: [], faults: rec.faults, samples: rec.samples, stackSamples: rec.stackSamples, phases, drainComplete: rec.savedPhases.drainComplete ?? false };
  let auth = null;
  if (probeFrom < n) {
    for (const list of probeEvents) list?.sort((a, b) => a.t - b.t);
    auth = checkAuth({ ...whole, byClient: probeEvents }, protocolOf(plan.protocol).refusals);
  }
  const history = withoutProbes(whole);
  const frame = buildFrame(history, plan, conns, Math.max(phases.start, lastJudged));

  // Pass 2.
  let merged: PartEvaluation | null = null;
  let parts = 0;
  const clock = newClockLegs();
  const judgeOne = (clients: number[], files: EventFile[]) => {
    const want = new Uint8Array(n);
    for (const c of clients) want[c] = 1;
    // Preallocated: indices far from 0 in an empty array make a slow, dictionary-backed array.
    const byClient: ClientEvent[][] = new Array(n);
    for (const c of clients) byClient[c] = [];
    for (const f of files) scanEvents(f, (c) => want[c] === 1, (ev) => byClient[ev.c].push(ev));
    // Each client's events come from one process in order; a stable sort keeps same-time order.
    for (const c of clients) byClient[c].sort((a, b) => a.t - b.t);
    addClockLegs(clock, { ...history, byClient });
    const part = judgePart(buildContext({ ...history, byClient }, plan, clients), frame);
    merged = mergeInto(merged ?? emptyLike(part), part);
    parts++;
  };
  let spillDir: string | null = null;
  try {
    for (const run of byWorker(partition(history, perClient, partRecords), roster)) {
      const files = rec.files.filter((f) => f.worker === run.worker);
      const own = files.length ? files : rec.files;
      if (run.parts.length === 1 || own.length !== 1 || own[0].format !== 'rec') {
        for (const clients of run.parts) judgeOne(clients, own);
        continue;
      }
      // Several parts in one worker's file: split it once, each part's records to a file of its
      // own, rather than reading the whole file again for every part.
      spillDir ??= mkdtempSync(join(tmpdir(), 'chatstorm-judge-spill-'));
      const groupOf = new Int32Array(n).fill(-1);
      run.parts.forEach((clients, g) => {
        for (const c of clients) groupOf[c] = g;
      });
      const paths = run.parts.map((_, g) => join(spillDir!, `part-${g}.rec`));
      splitEvents(own[0], groupOf, paths);
      run.parts.forEach((clients, g) => {
        judgeOne(clients, [{ worker: run.worker, path: paths[g], format: 'rec' }]);
        rmSync(paths[g], { force: true });
      });
    }
  } finally {
    if (spillDir) rmSync(spillDir, { recursive: true, force: true });
  }
  if (!merged) merged = judgePart(buildContext(history, plan, []), frame);
  // Copied before finishing: the judged parts stay as they were, for a shard's judged.json.
  const judged: Judged = { part: mergeInto(emptyLike(merged), merged), frame, auth };
  return { evaluation: finishEvaluation(merged, frame, plan, auth, runtimeErrors), phases, drainComplete: whole.drainComplete, records, parts, httpRefusals, clock, judged };
}

/** Consecutive parts of one fleet process (parts stay in roster order: the merge needs it). */
function byWorker(parts: number[][], roster: History['roster']): { worker: number; parts: number[][] }[] {
  const out: { worker: number; parts: number[][] }[] = [];
  for (const clients of parts) {
    const w = roster[clients[0]].worker;
    const last = out[out.length - 1];
    if (last && last.worker === w) last.parts.push(clients);
    else out.push({ worker: w, parts: [clients] });
  }
  return out;
}

/**
 * Whole chats, in roster order, grouped while they stay within one fleet process and under
 * `budget` records (a chat larger than the budget is a part of its own).
 */
export function partition(history: History, perClient: ArrayLike<number>, budget: number): number[][] {
  const members = new Map<string, number[]>();
  for (const r of history.roster) {
    const list = members.get(r.chat);
    if (list) list.push(r.c);
    else members.set(r.chat, [r.c]);
  }
  const out: number[][] = [];
  let cur: number[] = [];
  let size = 0;
  let worker: number | null = null;
  for (const cs of members.values()) {
    const w = history.roster[cs[0]].worker;
    const records = cs.reduce((s, c) => s + perClient[c], 0);
    if (cur.length && (size + records > budget || w !== worker)) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(...cs);
    size += records;
    worker = w;
  }
  if (cur.length) out.push(cur);
  return out.map((cs) => cs.sort((a, b) => a - b));
}
