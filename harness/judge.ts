/**
 * Judges a run folder's recorded history in bounded memory: the history is streamed, never held
 * whole. Memory grows with the chats judged at once and the number of clients, not with the
 * length of the run.
 *
 *   pass 1  every events file, decoding only opens and closes (and the auth probes' events):
 *           records per client, each client's connections → the frame (fault windows, steady
 *           state: they need every client), the auth check
 *   pass 2  per part — whole chats of one fleet process, at most `partRecords` records — that
 *           part's events only (receipts decoded straight into columns, every other event an
 *           object: record/receipts.ts), judged, merged into the result so far (oracle/merge.ts), then
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
import {
  buildFrame,
  finishEvaluation,
  judgePart,
  type Frame,
  type Judged,
  type PartEvaluation,
} from './oracle/evaluate.ts';
import { emptyLike, mergeInto } from './oracle/merge.ts';
import type { Evaluation } from './oracle/types.ts';
import type { Connections } from './oracle/windows.ts';
import { addClockLegs, newClockLegs, type ClockLegs } from './metrics/clock.ts';
import type { ClientEvent, History, Phases } from './record/history.ts';
import { readRunRecord, resolvePhases, scanEvents, splitEvents, type RunRecord } from './record/reader.ts';
import type { EventFile } from './record/files.ts';
import { TimelineBuilder } from './record/receipts.ts';
import { decodeHistogram, encodeHistogram, type EncodedHistogram } from './metrics/histogram.ts';
import type { SeriesPart } from './metrics/series.ts';
import type { LatencyData } from './oracle/latency.ts';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { join } from 'node:path';

/** Records judged at once by default (shared by the judging threads): a part's memory grows with it (docs/history.md has the bench's peak RSS). */
export const PART_RECORDS = 1_500_000;
/** Below this many bytes of events (about a million records), starting judging threads would cost more than they save. */
export const THREADS_FROM_BYTES = 24_000_000;

export interface JudgedRun {
  evaluation: Evaluation;
  phases: Phases;
  drainComplete: boolean;
  /** Event records in the history. */
  records: number;
  /** Parts judged (one after the other in each thread). */
  parts: number;
  /** Judging threads that judged them (0: this thread alone). */
  threads: number;
  /** Upgrades the gateway (or whatever answered) refused with an HTTP status, counted by status (every client, probes included). */
  httpRefusals: Record<string, number>;
  /** The fastest own-message legs, for this host's clock offset against the gateway's (metrics/clock.ts). */
  clock: ClockLegs;
  /** The same, before its verdict: what a shard keeps for `chatstorm merge` (oracle/judged-json.ts). */
  judged: Judged;
}

/**
 * `partRecords`: records judged at once; `threads`: judging threads (default: two on a host with
 * two cores or more for a history of THREADS_FROM_BYTES or more, else none: every file is scanned
 * and every part judged in this thread).
 */
export async function judgeRun(
  historyDir: string,
  plan: OraclePlan,
  runtimeErrors: { code: string; message: string }[] = [],
  opts: { partRecords?: number; threads?: number } = {},
): Promise<JudgedRun> {
  const rec = readRunRecord(historyDir);
  const { roster } = rec;
  const n = roster.length;
  const probeFrom = roster.some((r) => r.probe) ? roster.findIndex((r) => r.probe) : n;

  // Judging threads, when the history is large enough to repay starting them.
  let bytes = 0;
  for (const f of rec.files) bytes += statSync(f.path).size;
  const wanted = opts.threads ?? (bytes >= THREADS_FROM_BYTES ? Math.min(2, availableParallelism()) : 0);
  const pool = wanted > 1 ? new Threads(wanted) : null;
  // Each thread holds a part at once: together they hold what one thread alone would.
  const partRecords = opts.partRecords ?? (pool ? Math.round(PART_RECORDS / wanted) : PART_RECORDS);
  let local: Setup | null = null;
  const run = async (steps: Step[], take: (r: StepResult) => void) => {
    if (pool && steps.length > 1) await pool.run(steps, take);
    else for (const step of steps) take(runStep(local, step));
  };
  const share = (s: Setup) => {
    local = s;
    pool?.setup(s);
  };
  try {
    return await judgeWith(rec, n, probeFrom, plan, runtimeErrors, partRecords, run, pool ? wanted : 0, share);
  } finally {
    pool?.close();
  }
}

async function judgeWith(
  rec: RunRecord,
  n: number,
  probeFrom: number,
  plan: OraclePlan,
  runtimeErrors: { code: string; message: string }[],
  partRecords: number,
  run: (steps: Step[], take: (r: StepResult) => void) => Promise<void>,
  threads: number,
  share: (s: Setup) => void,
): Promise<JudgedRun> {
  const { roster } = rec;
  // Pass 1: each file scanned on its own, the scans combined in file order (each client's
  // opens and closes in the order read, as one scan of every file would give them).
  const perClient = new Float64Array(n);
  const conns: Connections[] = roster.slice(0, probeFrom).map((r) => ({ c: r.c, opens: [], closes: [] }));
  const probeEvents: ClientEvent[][] = [];
  for (let c = probeFrom; c < n; c++) probeEvents[c] = [];
  let first = Infinity;
  let last = -Infinity;
  let lastJudged = -Infinity;
  let records = 0;
  const httpRefusals: Record<string, number> = {};
  await run(
    rec.files.map((file) => ({ kind: 'scan', file, n, probeFrom })),
    (r) => {
      const s = r as ScanResult;
      records += s.records;
      for (let c = 0; c < n; c++) perClient[c] += s.perClient[c];
      for (let i = 0; i < s.opens.length; i += 2) conns[s.opens[i]].opens.push(s.opens[i + 1]);
      for (let i = 0; i < s.closes.length; i += 3)
        conns[s.closes[i]].closes.push({ t: s.closes[i + 1], by: s.closeBy[i / 3], code: s.closes[i + 2] });
      for (const ev of s.probeEvents) probeEvents[ev.c].push(ev);
      for (const [status, k] of Object.entries(s.httpRefusals)) httpRefusals[status] = (httpRefusals[status] ?? 0) + k;
      first = Math.min(first, s.first);
      last = Math.max(last, s.last);
      lastJudged = Math.max(lastJudged, s.lastJudged);
    },
  );
  for (const cn of conns) {
    cn.opens.sort((a, b) => a - b);
    cn.closes.sort((a, b) => a.t - b.t);
  }
  const phases = resolvePhases(rec.savedPhases, first, last);
  const whole: History = {
    roster,
    byClient: [],
    faults: rec.faults,
    samples: rec.samples,
    stackSamples: rec.stackSamples,
    ...(rec.hostSamples ? { hostSamples: rec.hostSamples } : {}),
    ...(rec.routes ? { routes: rec.routes } : {}),
    phases,
    drainComplete: rec.savedPhases.drainComplete ?? false,
  };
  let auth = null;
  if (probeFrom < n) {
    for (const list of probeEvents) list?.sort((a, b) => a.t - b.t);
    auth = checkAuth({ ...whole, byClient: probeEvents }, protocolOf(plan.protocol).refusals);
  }
  const history = withoutProbes(whole);
  const frame = buildFrame(history, plan, conns, Math.max(phases.start, lastJudged));

  // Pass 2: a list of steps (splits and parts), run here or by judging threads; the parts'
  // results are merged here, in part order, whoever judged them.
  const setup: Setup = { frame, plan: oraclePlanOf(plan), n, perClient };
  share(setup);
  const steps: Step[] = [];
  let parts = 0;
  let spillDir: string | null = null;
  for (const fleet of byWorker(partition(history, perClient, partRecords), roster)) {
    const files = rec.files.filter((f) => f.worker === fleet.worker);
    const own = files.length ? files : rec.files;
    if (fleet.parts.length === 1 || own.length !== 1 || own[0].format !== 'rec') {
      for (const clients of fleet.parts)
        steps.push({ kind: 'judge', part: parts++, clients, files: own, after: null, remove: null });
      continue;
    }
    // Several parts in one worker's file: split it once, each part's records to a file of its
    // own, rather than reading the whole file again for every part.
    spillDir ??= mkdtempSync(join(tmpdir(), 'chatstorm-judge-spill-'));
    const groupOf = new Int32Array(n).fill(-1);
    fleet.parts.forEach((clients, g) => {
      for (const c of clients) groupOf[c] = g;
    });
    const split = steps.length;
    const paths = fleet.parts.map((_, g) => join(spillDir!, `split-${split}-part-${g}.rec`));
    steps.push({ kind: 'split', file: own[0], groupOf, paths });
    fleet.parts.forEach((clients, g) => {
      steps.push({
        kind: 'judge',
        part: parts++,
        clients,
        files: [{ worker: fleet.worker, path: paths[g], format: 'rec' }],
        after: split,
        remove: paths[g],
      });
    });
  }
  let merged: PartEvaluation | null = null;
  const clock = newClockLegs();
  const take = (r: PartResult) => {
    merged = mergeInto(merged ?? emptyLike(r.evaluation), r.evaluation);
    addLegs(clock, r.clock);
  };
  try {
    await run(steps, (r) => {
      if (r) take(r as PartResult);
    });
  } finally {
    if (spillDir) rmSync(spillDir, { recursive: true, force: true });
  }
  if (!merged) merged = judgePart(buildContext(history, plan, []), frame);
  // Copied before finishing: the judged parts stay as they were, for a shard's judged.json.
  const judged: Judged = { part: mergeInto(emptyLike(merged), merged), frame, auth };
  return {
    evaluation: finishEvaluation(merged, frame, plan, auth, runtimeErrors),
    phases,
    drainComplete: whole.drainComplete,
    records,
    parts,
    threads,
    httpRefusals,
    clock,
    judged,
  };
}

/** What a judging thread is given once pass 1 is done: the frame every part is judged against, the plan, the roster's length. */
export interface Setup {
  frame: Frame;
  plan: OraclePlan;
  n: number;
  /** Records per client (pass 1): room for each client's receipts (record/receipts.ts). */
  perClient: Float64Array;
}

/**
 * One step of the judge. scan: pass 1 over one events file; split: one worker's events file into
 * a file per part (record/reader.ts splitEvents); judge: one part (whole chats) from its files,
 * after the split it reads from.
 */
export type Step =
  | { kind: 'scan'; file: EventFile; n: number; probeFrom: number }
  | { kind: 'split'; file: EventFile; groupOf: Int32Array; paths: string[] }
  | { kind: 'judge'; part: number; clients: number[]; files: EventFile[]; after: number | null; remove: string | null };

/** What pass 1 takes from one file. opens: client, time pairs; closes: client, time, code triples (closeBy: their `by`). */
export interface ScanResult {
  records: number;
  perClient: Float64Array;
  opens: number[];
  closes: number[];
  closeBy: string[];
  probeEvents: ClientEvent[];
  first: number;
  last: number;
  lastJudged: number;
  httpRefusals: Record<string, number>;
}

export interface PartResult {
  part: number;
  evaluation: PartEvaluation;
  clock: ClockLegs;
}

export type StepResult = ScanResult | PartResult | null;

/** The plan's fields the oracle reads (plain data: it is copied to the judging threads). */
function oraclePlanOf(p: OraclePlan): OraclePlan {
  const { policy, thresholds, settleMs, reconnectToleranceMs, faults, connectAllowanceMs, protocol, cpuEstimate } = p;
  return {
    policy,
    thresholds,
    settleMs,
    reconnectToleranceMs,
    faults,
    ...(connectAllowanceMs !== undefined ? { connectAllowanceMs } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(cpuEstimate !== undefined ? { cpuEstimate } : {}),
  };
}

function addLegs(into: ClockLegs, legs: ClockLegs): void {
  into.minUp = Math.min(into.minUp, legs.minUp);
  into.minDown = Math.min(into.minDown, legs.minDown);
  into.samples += legs.samples;
}

/** Runs one step. The same here and in a judging thread (judge-worker.ts). `setup`: needed by judge steps only. */
export function runStep(setup: Setup | null, step: Step): StepResult {
  if (step.kind === 'scan') return scan(step.file, step.n, step.probeFrom);
  if (step.kind === 'split') {
    splitEvents(step.file, step.groupOf, step.paths);
    return null;
  }
  if (!setup) throw new Error('runStep: a part is judged only once pass 1 has given the frame');
  const { frame, plan, n } = setup;
  const want = new Uint8Array(n);
  for (const c of step.clients) want[c] = 1;
  // Receipts straight into columns, every other event an object (record/receipts.ts).
  const into = new TimelineBuilder(n, step.clients, setup.perClient);
  for (const f of step.files) scanEvents(f, (c) => want[c] === 1, into.event, into.recv);
  if (step.remove) rmSync(step.remove, { force: true });
  const timelines = into.finish();
  const history = { ...frame.history, byClient: [] };
  const clock = addClockLegs(newClockLegs(), history.roster, timelines, step.clients);
  return {
    part: step.part,
    evaluation: judgePart(buildContext(history, plan, step.clients, timelines), frame),
    clock,
  };
}

/** Pass 1 over one file: records per client, opens and closes, the probes' events, the time span. */
function scan(file: EventFile, n: number, probeFrom: number): ScanResult {
  const r: ScanResult = {
    records: 0,
    perClient: new Float64Array(n),
    opens: [],
    closes: [],
    closeBy: [],
    probeEvents: [],
    first: Infinity,
    last: -Infinity,
    lastJudged: -Infinity,
    httpRefusals: {},
  };
  const seen = (c: number, t: number) => {
    if (t < r.first) r.first = t;
    if (t > r.last) r.last = t;
    if (c < probeFrom && t > r.lastJudged) r.lastJudged = t;
  };
  scanEvents(
    file,
    (c, kind, t) => {
      if (c >= n) return false;
      r.records++;
      r.perClient[c]++;
      if (kind === 'json') return true;
      seen(c, t);
      return c >= probeFrom || kind === 'open' || kind === 'close' || kind === 'http-status';
    },
    (ev) => {
      if (ev.k === 'http-status') r.httpRefusals[ev.status] = (r.httpRefusals[ev.status] ?? 0) + 1;
      if (ev.c >= probeFrom) r.probeEvents.push(ev);
      else if (ev.k === 'open') r.opens.push(ev.c, ev.t);
      else if (ev.k === 'close') {
        r.closes.push(ev.c, ev.t, ev.code);
        r.closeBy.push(ev.by);
      }
      // An event kept as JSON was not seen before it was parsed.
      if (!Number.isNaN(ev.t) && typeof ev.t === 'number') seen(ev.c, ev.t);
    },
  );
  return r;
}

/**
 * A part's result as it crosses between threads (structured clone): the HDR histograms encoded
 * (metrics/histogram.ts, exact min and max), the per-second latencies as the runs they were filled
 * from (series.ts `latencyRuns`, which is what the merge reads).
 */
export interface PackedResult {
  part: number;
  clock: ClockLegs;
  evaluation: Omit<PartEvaluation, 'latency' | 'series'> & {
    latency: Omit<LatencyData, 'steady' | 'all'> & { steady: EncodedHistogram; all: EncodedHistogram };
    series: Omit<SeriesPart, 'latency'>;
  };
}

/** A step's result as a judging thread sends it. */
export function packResult(r: StepResult): StepResult | PackedResult {
  if (!r || !('evaluation' in r)) return r;
  const e = r.evaluation;
  if (!e.series.latencyRuns) throw new Error('packResult: a judged part has its series latency runs');
  const { latency: _, ...series } = e.series;
  return {
    ...r,
    evaluation: {
      ...e,
      latency: { ...e.latency, steady: encodeHistogram(e.latency.steady), all: encodeHistogram(e.latency.all) },
      series,
    },
  };
}

function unpackResult(r: StepResult | PackedResult): StepResult {
  if (!r || !('evaluation' in r)) return r;
  const e = (r as PackedResult).evaluation;
  return {
    ...r,
    evaluation: {
      ...e,
      latency: {
        ...e.latency,
        steady: decodeHistogram(e.latency.steady, false),
        all: decodeHistogram(e.latency.all, false),
      },
      series: { ...e.series, latency: new Array(e.series.seconds).fill(null) },
    },
  };
}

/**
 * A judging thread starts with none of this process's command-line options (an `--input-type` or
 * `-e` of the parent would stop it from loading its module, and a heap flag is refused there), but
 * with the heap limit of `--max-old-space-size` when it was given: a judge told to stay small does,
 * in every thread. Its young generation is capped at JUDGING_YOUNG_MB: left to grow as V8 sizes it
 * for a large heap, it added about 130 MB of peak RSS on two threads at 3.6 M deliveries, for no
 * CPU time saved (docs/history.md).
 */
function workerOptions(): WorkerOptions {
  let heapMb: number | null = null;
  for (const a of process.execArgv) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(a);
    if (m) heapMb = Number(m[1]);
  }
  return {
    execArgv: [],
    resourceLimits: {
      maxYoungGenerationSizeMb: JUDGING_YOUNG_MB,
      ...(heapMb !== null ? { maxOldGenerationSizeMb: heapMb } : {}),
    },
  };
}

/** The young generation of a judging thread, MB. */
const JUDGING_YOUNG_MB = 64;

/**
 * Judging threads (judge-worker.ts). `run` gives each idle thread the first step that is ready (a
 * part after its split) and hands the results to `take` in step order, whichever thread finished
 * first. Each thread holds one part at a time: memory is bounded by the threads times the part size.
 */
class Threads {
  private readonly workers: Worker[] = [];
  private failure: Error | null = null;
  private onFailure: ((err: Error) => void) | null = null;
  private onMessage: ((w: Worker, m: { result: StepResult | PackedResult } | { error: string }) => void) | null = null;
  private closed = false;

  constructor(count: number) {
    for (let t = 0; t < count; t++) {
      const w = new Worker(new URL('./judge-worker.ts', import.meta.url), workerOptions());
      this.workers.push(w);
      w.on('message', (m) => this.onMessage?.(w, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`a judging thread exited (code ${code}) before the judge was done`));
      });
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.onFailure?.(this.failure);
  }

  setup(s: Setup): void {
    for (const w of this.workers) w.postMessage({ setup: s });
  }

  run(steps: Step[], take: (r: StepResult) => void): Promise<void> {
    // 0: to do, 1: running, 2: done.
    const state = new Uint8Array(steps.length);
    const ready = (i: number) => {
      const s = steps[i];
      return state[i] === 0 && (s.kind !== 'judge' || s.after === null || state[s.after] === 2);
    };
    const results = new Map<number, StepResult>();
    const running = new Map<Worker, number>();
    const idle = new Set<Worker>();
    let next = 0;
    return new Promise<void>((resolve, reject) => {
      let over = false;
      const finish = (err?: unknown) => {
        if (over) return;
        over = true;
        this.onMessage = null;
        this.onFailure = null;
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      if (this.failure) return finish(this.failure);
      this.onFailure = finish;
      const dispatch = (w: Worker) => {
        let i = 0;
        while (i < steps.length && !ready(i)) i++;
        if (i === steps.length) {
          idle.add(w);
          return;
        }
        state[i] = 1;
        running.set(w, i);
        w.postMessage({ step: steps[i] });
      };
      this.onMessage = (w, m) => {
        if ('error' in m) return finish(new Error(`a judging thread failed: ${m.error}`));
        try {
          const i = running.get(w)!;
          running.delete(w);
          state[i] = 2;
          results.set(i, unpackResult(m.result));
          while (results.has(next)) {
            const r = results.get(next)!;
            results.delete(next++);
            take(r);
          }
          if (next === steps.length) return finish();
          dispatch(w);
          // A split just done may have made parts ready for threads that found none.
          for (const x of [...idle]) {
            idle.delete(x);
            dispatch(x);
          }
        } catch (err) {
          finish(err);
        }
      };
      for (const w of this.workers) dispatch(w);
    });
  }

  close(): void {
    this.closed = true;
    for (const w of this.workers) void w.terminate();
  }
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
