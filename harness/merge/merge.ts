/**
 * `chatstorm merge <run-dir>... --out <dir>`: the shards' run folders in, one run folder out with
 * every report (summary.json, junit.xml, summary.md, index.html) and the merged verdict.
 *
 * The verdict comes from the one merge there is: every shard's judged parts (judged.json) merged
 * with mergeEvaluations and finished with finishEvaluation, as the streaming judge does with its
 * parts (merge/judged.ts says what is aligned first). What is added on top: the shards' own runtime
 * errors (each named with its shard), a shard that died (verdict error naming it), the clock offsets,
 * and the reconnect storm computed once per planned fault on the summed series.
 */
import { ensureFolder, unlessRefused } from '../report/run-folder.ts';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { ConfigError } from '../config/errors.ts';
import { writeReports } from '../report/write.ts';
import { buildSummary, type MergedShard, type Summary } from '../report/summary.ts';
import { finishEvaluation } from '../oracle/evaluate.ts';
import { judgeUnfinished } from '../oracle/unfinished.ts';
import { reconnectStorms, type RestoredFault } from '../metrics/reconnect-storm.ts';
import type { RunPlan } from '../config/plan.ts';
import { readShards, type ShardFolder } from './shards.ts';
import { mergeShards } from './judged.ts';
import { buildRoster } from '../auth/roster.ts';

/**
 * --out is a new folder, or an earlier merge's (which holds no history/): never a shard's folder, one
 * inside a shard's or holding one, nor any other recorded run — its reports would be replaced by
 * the merge's, and a shard written over is lost (exit 64, nothing written).
 */
function checkOut(dirs: string[], out: string): void {
  if (out === '') throw new ConfigError('merge', ['--out: expected a folder for the merged run (got "")']);
  const o = resolve(out);
  for (const dir of dirs) {
    const d = resolve(dir);
    const how = o === d ? 'is' : o.startsWith(d + sep) ? 'is inside' : d.startsWith(o + sep) ? 'holds' : null;
    if (how)
      throw new ConfigError('merge', [
        `--out "${out}" ${how} the shard folder "${dir}": merge writes the merged run to a folder of its own, never over a shard's`,
      ]);
  }
  if (existsSync(join(o, 'history')))
    throw new ConfigError('merge', [
      `--out "${out}" holds a recorded run (${join(o, 'history')}): merge never writes over a run; give a new folder (an earlier merge's output, which has no history/, is rewritten)`,
    ]);
}

export function mergeRuns(dirs: string[], out: string): { summary: Summary; reportDir: string; files: string[] } {
  checkOut(dirs, out);
  // The folder it writes first: one that cannot be created stops it before any shard is read (exit 73);
  // shards that are refused leave no empty --out behind.
  const created = ensureFolder(out, '--out');
  const { shards, live } = unlessRefused(created, () => {
    const shards = readShards(dirs);
    const live = shards.filter(
      (s): s is ShardFolder & { summary: Summary; judged: NonNullable<ShardFolder['judged']> } =>
        s.summary !== null && s.judged !== null,
    );
    if (!live.length)
      throw new Error(
        `no shard has a summary.json and a judged.json: nothing to merge (${shards.map((s) => s.dir).join(', ')})`,
      );
    return { shards, live };
  });
  const plan = shards[0].plan;
  const runId = basename(resolve(out));
  const runtimeErrors = [
    ...shards
      .filter((s) => !live.includes(s as never))
      .map((s) => ({
        code: 'shard-died',
        message: `shard ${s.index} (${s.dir}) wrote no ${s.summary ? 'judged.json' : 'summary.json'}: it died before judging its part of the run`,
      })),
    ...live.flatMap((s) =>
      s.summary.runtimeErrors.map((e) => ({ code: e.code, message: `shard ${s.index}: ${e.message}` })),
    ),
  ];

  const merged = mergeShards(live.map((s) => ({ index: s.index, judged: s.judged })));
  const oraclePlan = { ...plan, jwtSecret: undefined } as unknown as RunPlan;
  const stopped = live.find((s) => s.summary.interrupted);
  const interrupted = stopped !== undefined;
  const interruptedBy = stopped?.summary.interruptedBy ?? null;
  const finished = finishEvaluation(merged.part, merged.frame, oraclePlan, merged.auth, runtimeErrors);
  const evaluation = judgeUnfinished(finished, { interruptedBy: interrupted ? (interruptedBy ?? 'killed') : null });
  const origin = merged.frame.history.phases.start;

  // One storm per planned fault over the summed series: the attempts the gateway saw from every
  // shard; the fault spans its earliest apply and latest removal over the shards.
  const planned = new Map<string, RestoredFault>();
  for (const s of live) {
    for (const f of s.judged.frame.history.faults) {
      const cur = planned.get(f.id);
      planned.set(
        f.id,
        cur
          ? {
              id: f.id,
              applyStart: Math.min(cur.applyStart, f.applyStart),
              removeEnd: cur.removeEnd === null || f.removeEnd === null ? null : Math.max(cur.removeEnd, f.removeEnd),
            }
          : { id: f.id, applyStart: f.applyStart, removeEnd: f.removeEnd },
      );
    }
  }
  const m = evaluation.metrics;
  m.reconnectStorm = reconnectStorms(m.series, [...planned.values()], plan.policy, origin);
  // Fault records per shard (generator samples carry theirs from the merged history).
  const faultShard = new Map(merged.frame.windows.map((w) => [w.id, Number(/\(shard (\d+)\)$/.exec(w.id)![1])]));
  m.faults = m.faults.map((f) => ({ ...f, shard: faultShard.get(f.id) }));

  const summary = buildSummary({
    plan: { ...oraclePlan, runId, shard: null },
    evaluation,
    phases: merged.frame.history.phases,
    drainComplete: merged.frame.history.drainComplete && live.length === shards.length,
    interrupted,
    interruptedBy,
    target: {
      ...live[0].summary.target,
      provider: `${live.length} of ${shards.length} shards, ${live[0].summary.target.provider}`,
      gatewayUrl: live.map((s) => s.summary.target.gatewayUrl).join(' '),
    },
  });
  const offsets = shards.map((s) => s.summary?.shard?.clock.offsetMs ?? null);
  const ref = offsets.find((o) => o !== null) ?? null;
  summary.shards = shards.map(
    (s, i): MergedShard => ({
      index: s.index,
      runId: s.summary?.runId ?? '',
      dir: s.dir,
      verdict: s.summary?.verdict ?? 'missing-summary',
      // A dead shard's share of the clients, from the plan it shared: the merged report still counts them.
      clients: buildRoster({ ...plan, shard: s.plan.shard }).filter((r) => !r.probe).length,
      startedAt: s.summary?.startedAt ?? null,
      clock: s.summary?.shard?.clock ?? null,
      offsetToFirstMs: offsets[i] === null || ref === null ? null : Math.round((offsets[i]! - ref) * 1000) / 1000,
    }),
  );
  writeFileSync(
    join(out, 'plan.json'),
    JSON.stringify(
      {
        ...plan,
        runId: summary.runId,
        reportDir: out,
        shard: null,
        mergedFrom: shards.map((s) => ({ index: s.index, dir: resolve(s.dir) })),
      },
      null,
      2,
    ),
  );
  const files = writeReports(summary, out);
  return { summary, reportDir: out, files };
}
