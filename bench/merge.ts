/**
 * What `chatstorm merge` costs as the number of shards grows: one real shard's summary.json
 * replicated n times (as shards 0…n-1), merged, and timed against a baseline measured in the same
 * invocation — parsing the same n summaries from JSON, the least any merge must do. Prints the
 * summary's size and, per n, the merge's time as a ratio to that baseline (on a shared, noisy
 * machine the ratio is what to compare, not the milliseconds).
 *
 *   npx node bench/merge.ts --from <a shard's run folder> [--shards 3,10,100] [--repeat 3]
 *
 * Without --from it says so and exits 0 (a bench runner that runs every bench/*.ts goes on).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeSummaries } from '../harness/merge/summaries.ts';
import type { Summary } from '../harness/report/summary.ts';

const { values } = parseArgs({ options: { from: { type: 'string' }, shards: { type: 'string', default: '3,10,100' }, repeat: { type: 'string', default: '3' } } });
if (!values.from) {
  console.log('bench/merge.ts: skipped: give --from <run-dir>, a shard\'s run folder (chatstorm run … --shard i/n)');
  process.exit(0);
}
const text = readFileSync(join(values.from, 'summary.json'), 'utf8');
const one = JSON.parse(text) as Summary;
if (!one.metrics.mergeable) {
  console.error(`bench/merge.ts: ${values.from}/summary.json carries no mergeable histograms`);
  process.exit(64);
}
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
const m = one.metrics.mergeable;
console.log(`one shard: ${one.clients} clients in the plan, ${one.metrics.series.length} s of series; summary.json ${(text.length / 1024).toFixed(0)} KB, of which the encoded histograms ${(JSON.stringify(m).length / 1024).toFixed(0)} KB`);
console.log('shards  parse (baseline) ms  merge ms  merge / parse');
for (const n of values.shards!.split(',').map(Number)) {
  const texts = Array.from({ length: n }, () => text);
  const parse = best(() => texts.map((t) => JSON.parse(t)));
  const merge = best(() => {
    const parts = texts.map((t, index) => ({ index, dir: `shard-${index}`, clients: one.clients, summary: JSON.parse(t) as Summary }));
    mergeSummaries(parts, { runId: 'bench', clients: one.clients * n, chats: one.chats * n });
  });
  console.log(`${String(n).padStart(6)}  ${parse.toFixed(1).padStart(19)}  ${merge.toFixed(1).padStart(8)}  ${(merge / parse).toFixed(2).padStart(13)}`);
}
