/**
 * Which run folders make one sharded run. Every folder must be a shard (plan.json names it) of the
 * same plan (same plan hash, same seed, same shard count), each shard exactly once, none missing.
 * Anything else is a usage error naming the folder and the shard: nothing is merged.
 *
 * A shard whose folder exists but holds no summary.json or no judged.json (its judged parts, what
 * the merge merges) died before it could judge itself: that is not a usage error but a broken run,
 * and the merged verdict is error naming the shard.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunPlan } from '../config/plan.ts';
import { ConfigError } from '../config/errors.ts';
import type { Summary } from '../report/summary.ts';
import { readJsonFile } from '../record/json-file.ts';
import type { Judged } from '../oracle/evaluate.ts';
import { decodeJudged, JUDGED_FILE, type JudgedJson } from '../oracle/judged-json.ts';

export type PublicPlan = Omit<RunPlan, 'jwtSecret'> & { jwtSecret: string };

export interface ShardFolder {
  index: number;
  dir: string;
  plan: PublicPlan;
  /** null: the shard died before writing it. */
  summary: Summary | null;
  /** The shard's judged parts (oracle/judged-json.ts); null: the shard died before writing them. */
  judged: Judged | null;
}

/**
 * A JSON object from a run folder; undefined, and a problem naming the file and what is wrong, when
 * it cannot be read, is not JSON (torn, edited) or is not an object. `rebuild`: the shard's folder,
 * for a file `chatstorm report` can write again.
 */
function readJson(file: string, problems: string[], rebuild?: string): object | undefined {
  const r = readJsonFile(file, 'object');
  if ('value' in r) return r.value as object;
  problems.push(
    `${file}: ${r.problem}${rebuild === undefined ? '' : `; rebuild it with \`chatstorm report ${rebuild}\``}`,
  );
  return undefined;
}

export function readShards(dirs: string[]): ShardFolder[] {
  const problems: string[] = [];
  const found: ShardFolder[] = [];
  for (const dir of dirs) {
    const planFile = join(dir, 'plan.json');
    if (!existsSync(planFile)) {
      problems.push(`${dir}: not a run folder (no plan.json)`);
      continue;
    }
    const plan = readJson(planFile, problems) as PublicPlan | undefined;
    if (plan === undefined) continue;
    if (!plan.shard) {
      problems.push(
        `${dir}: not a shard's run folder (its plan.json has no shard; run each shard with --shard <i>/<n>)`,
      );
      continue;
    }
    const file = join(dir, 'summary.json');
    // One that cannot be read is a problem (nothing is merged), not a shard that died.
    const summary = existsSync(file) ? ((readJson(file, problems, dir) as Summary | undefined) ?? null) : null;
    const judgedFile = join(dir, JUDGED_FILE);
    let judged: Judged | null = null;
    if (existsSync(judgedFile)) {
      try {
        judged = decodeJudged(JSON.parse(readFileSync(judgedFile, 'utf8')) as JudgedJson, judgedFile);
      } catch (e) {
        problems.push(
          `${judgedFile}: cannot be read (${(e as Error).message}); rebuild it with \`chatstorm report ${dir}\``,
        );
      }
    }
    found.push({ index: plan.shard.index, dir, plan, summary, judged });
  }
  if (found.length) {
    const ref = found[0];
    const refShard = ref.plan.shard!;
    for (const f of found.slice(1)) {
      const s = f.plan.shard!;
      if (s.planHash !== refShard.planHash || f.plan.seed !== ref.plan.seed || s.count !== refShard.count) {
        problems.push(
          `${f.dir}: shard ${s.index}/${s.count} of plan ${s.planHash} seed ${f.plan.seed}, but ${ref.dir} is shard ${refShard.index}/${refShard.count} of plan ${refShard.planHash} seed ${ref.plan.seed}: folders of different plans or seeds do not merge`,
        );
      }
    }
    const byIndex = new Map<number, ShardFolder[]>();
    for (const f of found) byIndex.set(f.index, [...(byIndex.get(f.index) ?? []), f]);
    for (const [i, list] of byIndex)
      if (list.length > 1)
        problems.push(
          `shard ${i}/${refShard.count} given ${list.length} times: ${list.map((f) => f.dir).join(', ')} (a shard run twice)`,
        );
    for (let i = 0; i < refShard.count; i++)
      if (!byIndex.has(i)) problems.push(`shard ${i}/${refShard.count} is missing: no run folder of it was given`);
  }
  if (problems.length) throw new ConfigError('cannot merge these run folders', problems);
  return found.sort((a, b) => a.index - b.index);
}
