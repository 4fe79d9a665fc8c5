/**
 * `chatstorm merge <run-dir>... --out <dir>`: the shards' run folders in, one run folder out with
 * every report (summary.json, junit.xml, summary.md, index.html) and the merged verdict.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { writeReports } from '../report/write.ts';
import type { Summary } from '../report/summary.ts';
import { readShards } from './shards.ts';
import { mergeSummaries } from './summaries.ts';
import { buildRoster } from '../auth/roster.ts';

export function mergeRuns(dirs: string[], out: string): { summary: Summary; reportDir: string; files: string[] } {
  const shards = readShards(dirs);
  const plan = shards[0].plan;
  const parts = shards.map((s) => ({
    index: s.index,
    dir: s.dir,
    // A dead shard's share of the clients, from the plan it shared: the merged report still counts them.
    clients: buildRoster({ ...plan, shard: s.plan.shard }).filter((r) => !r.probe).length,
    summary: s.summary,
  }));
  const summary = mergeSummaries(parts, { runId: basename(resolve(out)), clients: plan.clients, chats: plan.chats });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'plan.json'), JSON.stringify({ ...plan, runId: summary.runId, reportDir: out, shard: null, mergedFrom: shards.map((s) => ({ index: s.index, dir: resolve(s.dir) })) }, null, 2));
  const files = writeReports(summary, out);
  return { summary, reportDir: out, files };
}
