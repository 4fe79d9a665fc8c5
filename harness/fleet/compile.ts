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
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

/** The `.js` entry for `entry` (a `.ts` file under `root`), compiled if needed; the `.ts` entry itself if that fails. */
export function compiledEntry(entry: string, root: string): string {
  try {
    const files = graph(entry);
    const hash = createHash('sha256');
    for (const [f, js] of [...files].sort(([a], [b]) => a.localeCompare(b)))
      hash.update(relative(root, f)).update('\0').update(js).update('\0');
    const cache = join(root, 'node_modules', '.cache', 'chatstorm-worker');
    const dir = join(cache, hash.digest('hex').slice(0, 16));
    const target = join(dir, relative(root, entry).replace(/\.ts$/, '.js'));
    if (existsSync(target)) return target;
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
    return existsSync(target) ? target : entry;
  } catch {
    return entry;
  }
}
