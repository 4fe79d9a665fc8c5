/**
 * What `chatstorm merge` costs as the number of shards grows: one real shard's judged.json (its
 * judged parts) replicated n times (as shards 0…n-1), decoded, merged (mergeEvaluations) and
 * finished, timed against a baseline measured in the same invocation — parsing the same n files
 * from JSON, the least any merge must do. Prints the
 * summary's size and, per n, the merge's time as a ratio to that baseline (on a shared, noisy
 * machine the ratio is what to compare, not the milliseconds).
 *
 *   npx node bench/merge.ts --from <a shard's run folder> [--shards 3,10,100] [--repeat 3]
 *
 * Without --from it first makes one: shard 0 of 3 of `scenarios/network-cut.ts --profile small`, run
 * by the real CLI into a temporary folder (~20 s; removed at the end). A run that does not end with
 * a judged.json stops the bench (exit 1), naming the command and its exit code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { finishEvaluation } from '../harness/oracle/evaluate.ts';
import { decodeJudged, JUDGED_FILE, type JudgedJson } from '../harness/oracle/judged-json.ts';
import { mergeShards } from '../harness/merge/judged.ts';
import type { RunPlan } from '../harness/config/plan.ts';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    shards: { type: 'string', default: '3,10,100' },
    repeat: { type: 'string', default: '3' },
  },
});
let from = values.from;
let made: string | null = null;
if (!from) {
  made = mkdtempSync(join(tmpdir(), 'chatstorm-bench-merge-'));
  const args = ['run', 'scenarios/network-cut.ts', '--profile', 'small', '--shard', '0/3'];
  console.log(`bench/merge.ts: no --from: making a shard's run folder: chatstorm ${args.join(' ')}`);
  const cli = join(import.meta.dirname, '..', 'bin', 'chatstorm.js');
  const r = spawnSync(process.execPath, [cli, ...args, '--report-dir', made, '--run-id', 'shard-0'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  from = join(made, 'shard-0');
  if (!existsSync(join(from, JUDGED_FILE))) {
    console.error(`bench/merge.ts: chatstorm ${args.join(' ')} exited ${r.status ?? r.signal} without ${JUDGED_FILE}`);
    rmSync(made, { recursive: true, force: true });
    process.exit(1);
  }
  process.on('exit', () => rmSync(made!, { recursive: true, force: true }));
}
const file = join(from, JUDGED_FILE);
if (!existsSync(file)) {
  console.error(`bench/merge.ts: ${file} does not exist: give a shard's run folder (chatstorm run … --shard i/n)`);
  process.exit(64);
}
const text = readFileSync(file, 'utf8');
const plan = JSON.parse(readFileSync(join(from, 'plan.json'), 'utf8')) as RunPlan;
const repeat = Number(values.repeat);
const best = (fn: () => void) => {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
};
const one = JSON.parse(text) as JudgedJson;
console.log(
  `one shard: ${one.frame.history.roster.length} clients, ${one.frame.seconds} s of series; judged.json ${(text.length / 1024).toFixed(0)} KB`,
);
console.log('shards  parse (baseline) ms  merge ms  merge / parse');
for (const n of values.shards!.split(',').map(Number)) {
  const texts = Array.from({ length: n }, () => text);
  const parse = best(() => texts.map((t) => JSON.parse(t)));
  const merge = best(() => {
    const merged = mergeShards(texts.map((t, index) => ({ index, judged: decodeJudged(JSON.parse(t) as JudgedJson) })));
    finishEvaluation(merged.part, merged.frame, plan, merged.auth, []);
  });
  console.log(
    `${String(n).padStart(6)}  ${parse.toFixed(1).padStart(19)}  ${merge.toFixed(1).padStart(8)}  ${(merge / parse).toFixed(2).padStart(13)}`,
  );
}
