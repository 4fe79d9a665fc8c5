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
import { buildFrame, finishEvaluation, judgePart, type Frame, type Judged, type PartEvaluation } from './oracle/evaluate.ts';
import { emptyLike, mergeInto } from './oracle/merge.ts';
import type { Evaluation } from './oracle/types.ts';
import type { Connections } from './oracle/windows.ts';
import { addClockLegs, newClockLegs, type ClockLegs } from './metrics/clock.ts';
import type { ClientEvent, History, Phases } from './record/history.ts';
import { readRunRecord, resolvePhases, scanEvents, splitEvents } from './record/reader.ts';
import type { EventFile } from './record/files.ts';
import { decodeHistogram, encodeHistogram, type EncodedHistogram } from './metrics/histogram.ts';
import type { SeriesPart } from './metrics/series.ts';
import type { LatencyData } from './oracle/latency.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

/** Records judged at once by default: a part's memory grows with it (docs/history.md has the bench's peak RSS). */
export const PART_RECORDS = 500_000;
/** Below this many records, starting judging threads would cost more than they save. */
export const THREADS_FROM_RECORDS = 1_000_000;

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

/**
 * `partRecords`: records judged at once; `threads`: judging threads (default: two on a host with
 * two cores or more for a history of THREADS_FROM_RECORDS records or more, else none: every part
 * is judged in this thread).
 */
export async function judgeRun(historyDir: string, plan: OraclePlan, runtimeErrors: { code: string; message: string }[] = [], opts: { partRecords?: number; threads?: number } = {}): Promise<JudgedRun> {
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

  // Pass 2: a list of steps (splits and parts), run here or by judging threads; the parts'
  // results are merged here, in part order, whoever judged them.
  const setup: Setup = { frame, plan: oraclePlanOf(plan), n };
  const steps: Step[] = [];
  let parts = 0;
  let spillDir: string | null = null;
  for (const run of byWorker(partition(history, perClient, partRecords), roster)) {
    const files = rec.files.filter((f) => f.worker === run.worker);
    const own = files.length ? files : rec.files;
    if (run.parts.length === 1 || own.length !== 1 || own[0].format !== 'rec') {
      for (const clients of run.parts) steps.push({ kind: 'judge', part: parts++, clients, files: own, after: null, remove: null });
      continue;
    }
    // Several parts in one worker's file: split it once, each part's records to a file of its
    // own, rather than reading the whole file again for every part.
    spillDir ??= mkdtempSync(join(tmpdir(), 'chatstorm-judge-spill-'));
    const groupOf = new Int32Array(n).fill(-1);
    run.parts.forEach((clients, g) => {
      for (const c of clients) groupOf[c] = g;
    });
    const split = steps.length;
    const paths = run.parts.map((_, g) => join(spillDir!, `split-${split}-part-${g}.rec`));
    steps.push({ kind: 'split', file: own[0], groupOf, paths });
    run.parts.forEach((clients, g) => steps.push({ kind: 'judge', part: parts++, clients, files: [{ worker: run.worker, path: paths[g], format: 'rec' }], after: split, remove: paths[g] }));
  }
  let merged: PartEvaluation | null = null;
  const clock = newClockLegs();
  const take = (r: PartResult) => {
    merged = mergeInto(merged ?? emptyLike(r.evaluation), r.evaluation);
    addLegs(clock, r.clock);
  };
  const threads = Math.min(parts, opts.threads ?? (records >= THREADS_FROM_RECORDS ? Math.min(2, availableParallelism()) : 0));
  try {
    if (threads > 1) await runInThreads(setup, steps, threads, take);
    else for (const step of steps) {
      const r = runStep(setup, step);
      if (r) take(r);
    }
  } finally {
    if (spillDir) rmSync(spillDir, { recursive: true, force: true });
  }
  if (!merged) merged = judgePart(buildContext(history, plan, []), frame);
  // Copied before finishing: the judged parts stay as they were, for a shard's judged.json.
  const judged: Judged = { part: mergeInto(emptyLike(merged), merged), frame, auth };
  return { evaluation: finishEvaluation(merged, frame, plan, auth, runtimeErrors), phases, drainComplete: whole.drainComplete, records, parts, httpRefusals, clock, judged };
}

/** What a judging thread is given once: the frame every part is judged against, the plan, the roster's length. */
export interface Setup { frame: Frame; plan: OraclePlan; n: number }

/**
 * One step of pass 2. split: one worker's events file into a file per part (record/reader.ts
 * splitEvents); judge: one part (whole chats) from its files, after the split it reads from.
 */
export type Step =
  | { kind: 'split'; file: EventFile; groupOf: Int32Array; paths: string[] }
  | { kind: 'judge'; part: number; clients: number[]; files: EventFile[]; after: number | null; remove: string | null };

export interface PartResult { part: number; evaluation: PartEvaluation; clock: ClockLegs }

/** The plan's fields the oracle reads (plain data: it is copied to the judging threads). */
function oraclePlanOf(p: OraclePlan): OraclePlan {
  const { policy, thresholds, settleMs, reconnectToleranceMs, faults, connectAllowanceMs, protocol } = p;
  return { policy, thresholds, settleMs, reconnectToleranceMs, faults, ...(connectAllowanceMs !== undefined ? { connectAllowanceMs } : {}), ...(protocol !== undefined ? { protocol } : {}) };
}

function addLegs(into: ClockLegs, legs: ClockLegs): void {
  into.minUp = Math.min(into.minUp, legs.minUp);
  into.minDown = Math.min(into.minDown, legs.minDown);
  into.samples += legs.samples;
}

/** Runs one step: a split (no result), or one part read and judged. The same here and in a judging thread (judge-worker.ts). */
export function runStep(setup: Setup, step: Step): PartResult | null {
  if (step.kind === 'split') {
    splitEvents(step.file, step.groupOf, step.paths);
    return null;
  }
  const { frame, plan, n } = setup;
  const want = new Uint8Array(n);
  for (const c of step.clients) want[c] = 1;
  // Preallocated: indices far from 0 in an empty array make a slow, dictionary-backed array.
  const byClient: ClientEvent[][] = new Array(n);
  for (const c of step.clients) byClient[c] = [];
  for (const f of step.files) scanEvents(f, (c) => want[c] === 1, (ev) => byClient[ev.c].push(ev));
  if (step.remove) rmSync(step.remove, { force: true });
  // Each client's events come from one process in order; a stable sort keeps same-time order.
  for (const c of step.clients) byClient[c].sort((a, b) => a.t - b.t);
  const history = { ...frame.history, byClient };
  const clock = addClockLegs(newClockLegs(), history);
  return { part: step.part, evaluation: judgePart(buildContext(history, plan, step.clients), frame), clock };
}

/**
 * A part's result as it crosses between threads (structured clone): the HDR histograms encoded
 * (metrics/histogram.ts, exact min and max), the per-second latencies as the runs they were filled
 * from (series.ts `latencyRuns`, which is what the merge reads).
 */
export interface PackedResult { part: number; clock: ClockLegs; evaluation: Omit<PartEvaluation, 'latency' | 'series'> & { latency: Omit<LatencyData, 'steady' | 'all'> & { steady: EncodedHistogram; all: EncodedHistogram }; series: Omit<SeriesPart, 'latency'> } }

export function packResult(r: PartResult): PackedResult {
  const e = r.evaluation;
  if (!e.series.latencyRuns) throw new Error('packResult: a judged part has its series latency runs');
  const { latency: _, ...series } = e.series;
  return { ...r, evaluation: { ...e, latency: { ...e.latency, steady: encodeHistogram(e.latency.steady), all: encodeHistogram(e.latency.all) }, series } };
}

function unpackResult(p: PackedResult): PartResult {
  const e = p.evaluation;
  return { ...p, evaluation: { ...e, latency: { ...e.latency, steady: decodeHistogram(e.latency.steady, false), all: decodeHistogram(e.latency.all, false) }, series: { ...e.series, latency: new Array(e.series.seconds).fill(null) } } };
}

/**
 * Runs the steps on `threads` judging threads (judge-worker.ts), each given the next step that is
 * ready (a part after its split), and hands the parts' results to `take` in part order. Each
 * thread holds one part at a time, so memory is bounded by the threads times the part size.
 */
function runInThreads(setup: Setup, steps: Step[], threads: number, take: (r: PartResult) => void): Promise<void> {
  const total = steps.filter((s) => s.kind === 'judge').length;
  // 0: to do, 1: running, 2: done.
  const state = new Uint8Array(steps.length);
  const ready = (i: number) => {
    const s = steps[i];
    return state[i] === 0 && (s.kind === 'split' || s.after === null || state[s.after] === 2);
  };
  const results = new Map<number, PartResult>();
  let next = 0;
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const running = new Map<Worker, number>();
    const idle = new Set<Worker>();
    let over = false;
    const finish = (err?: unknown) => {
      if (over) return;
      over = true;
      for (const w of workers) void w.terminate();
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const dispatch = (w: Worker) => {
      let i = 0;
      while (i < steps.length && !ready(i)) i++;
      if (i === steps.length) {
        idle.add(w);
        return;
      }
      state[i] = 1;
      running.set(w, i);
      w.postMessage(steps[i]);
    };
    for (let t = 0; t < threads; t++) {
      const w = new Worker(new URL('./judge-worker.ts', import.meta.url), { workerData: setup });
      workers.push(w);
      w.on('message', (m: { result: PackedResult | null } | { error: string }) => {
        if (over) return;
        if ('error' in m) return finish(new Error(`a judging thread failed: ${m.error}`));
        try {
          state[running.get(w)!] = 2;
          running.delete(w);
          if (m.result) results.set(m.result.part, unpackResult(m.result));
          while (results.has(next)) {
            const r = results.get(next)!;
            results.delete(next++);
            take(r);
          }
          if (next === total) return finish();
          dispatch(w);
          // A split just done may have made parts ready for threads that found none.
          for (const x of [...idle]) {
            idle.delete(x);
            dispatch(x);
          }
        } catch (err) {
          finish(err);
        }
      });
      w.on('error', (err) => finish(err));
      w.on('exit', (code) => {
        if (!over) finish(new Error(`a judging thread exited (code ${code}) before every part was judged`));
      });
      dispatch(w);
    }
  });
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
