/**
 * The fleet worker as plain JavaScript, for memory. Node runs a `.ts` module by stripping its types
 * with amaro (swc compiled to WebAssembly), loaded into the process on the first `.ts` import: its
 * compiled WebAssembly and linear memory stay for the life of the process. In a fleet worker that
 * is ~30 MB of RSS per process (docs/scale.md, "Where a worker's memory goes"), 3 KB of every
 * socket's share at 10,000 sockets a worker.
 *
 * The coordinator has amaro loaded anyway: it strips the worker's module graph once
 * (`module.stripTypeScriptTypes`, which keeps every line and column, so stack traces keep their
 * positions), rewrites relative `.ts` specifiers to `.js`, and writes the copies under
 * `node_modules/.cache/chatstorm-worker/<hash of the sources>/`, mirroring the project's layout
 * (bare imports such as `ws` resolve from the project's node_modules). A directory, once complete,
 * is never rewritten: it is named by its sources' hash and renamed into place atomically, so
 * concurrent runs share it. Anything that fails here returns the `.ts` entry: the worker then runs
 * as before, with amaro.
 *
 * Pruning: every change to the worker's sources adds a directory. Whoever writes a new one removes
 * the others that nobody used for a day (PRUNE_AFTER_MS), judged by the directory's mtime, which
 * every use sets to now (`markUsed`: each compiledEntry call, and each fork of the fleet). A run of
 * another checkout, or of this one before a `git checkout`, may share this node_modules and fork
 * from a directory that is not the current hash — between runs of a sweep too, hours after it
 * compiled: neither hash nor creation time says whether a directory is in use, its last use does.
 * A lock or a marker per run would say it exactly, but a run killed outright would leave it behind
 * for good; a day of disuse is far beyond the seconds between marking a directory and forking from
 * it. What is left is a directory unused for a day that a run takes up in the instant between the
 * pruner's stat and its remove: that run's workers fail to start, and the run ends in error, never
 * in a verdict. Half-written `.tmp-` directories of a writer that died go by the same rule.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;

/** stripTypeScriptTypes without its ExperimentalWarning on the coordinator's stderr (the feature is the one every `.ts` import already uses). */
function strip(ts: string): string {
  const emit = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return stripTypeScriptTypes(ts, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
}

/** The module graph reachable from `entry` through relative `.ts` imports (static and dynamic), each file stripped and rewritten. */
function graph(entry: string): Map<string, string> {
  const out = new Map<string, string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (out.has(file)) continue;
    const js = strip(readFileSync(file, 'utf8'));
    out.set(
      file,
      js.replace(SPECIFIER, (m: string, lead: string, q: string, spec: string) => {
        // A specifier in a comment may name no file: left as it is.
        const target = resolve(dirname(file), `${spec}.ts`);
        if (!existsSync(target)) return m;
        todo.push(target);
        return `${lead}${q}${spec}.js${q}`;
      }),
    );
  }
  return out;
}

/** A directory of the cache unused for this long is removed when a new one is written. */
export const PRUNE_AFTER_MS = 24 * 3_600_000;

/** Marks the cache directory a compiled entry lies in as used now (its mtime); nothing for a `.ts` entry. */
export function markUsed(compiled: string): void {
  const m = /^(.*[\\/]chatstorm-worker[\\/][0-9a-f]{16})[\\/]/.exec(compiled);
  if (!m) return;
  try {
    const now = new Date();
    utimesSync(m[1], now, now);
  } catch {
    /* a read-only cache: it is not pruned by us either */
  }
}

/** Removes every directory of `cache` but `keep` whose mtime is older than maxAgeMs; returns their names. */
export function pruneCache(cache: string, keep: string, now = Date.now(), maxAgeMs = PRUNE_AFTER_MS): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(cache);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (name === keep) continue;
    try {
      if (now - statSync(join(cache, name)).mtimeMs <= maxAgeMs) continue;
      rmSync(join(cache, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

/** The `.js` entry for `entry` (a `.ts` file under `root`), compiled if needed; the `.ts` entry itself if that fails. */
export function compiledEntry(entry: string, root: string): string {
  try {
    const files = graph(entry);
    const hash = createHash('sha256');
    for (const [f, js] of [...files].sort(([a], [b]) => a.localeCompare(b)))
      hash.update(relative(root, f)).update('\0').update(js).update('\0');
    const cache = join(root, 'node_modules', '.cache', 'chatstorm-worker');
    const name = hash.digest('hex').slice(0, 16);
    const dir = join(cache, name);
    const target = join(dir, relative(root, entry).replace(/\.ts$/, '.js'));
    if (existsSync(target)) {
      markUsed(target);
      return target;
    }
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    for (const [f, js] of files) {
      const to = join(tmp, relative(root, f).replace(/\.ts$/, '.js'));
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, js);
    }
    // ESM: the copies are modules whatever the nearest package.json says.
    writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
    try {
      renameSync(tmp, dir);
    } catch {
      // Another run completed the same directory first: use it.
      rmSync(tmp, { recursive: true, force: true });
    }
    // A new directory: the time to clear out what no run used for a day.
    pruneCache(cache, name);
    return existsSync(target) ? target : entry;
  } catch {
    return entry;
  }
}
