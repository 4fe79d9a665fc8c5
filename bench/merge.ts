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
 * Without --from it says so and exits 0 (a bench runner that runs every bench/*.ts goes on).
 */
import { existsSync, readFileSync } from 'node:fs';
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
if (!values.from) {
  console.log("bench/merge.ts: skipped: give --from <run-dir>, a shard's run folder (chatstorm run … --shard i/n)");
  process.exit(0);
}
const file = join(values.from, JUDGED_FILE);
if (!existsSync(file)) {
  console.error(`bench/merge.ts: ${file} does not exist: give a shard's run folder (chatstorm run … --shard i/n)`);
  process.exit(64);
}
const text = readFileSync(file, 'utf8');
const plan = JSON.parse(readFileSync(join(values.from, 'plan.json'), 'utf8')) as RunPlan;
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
