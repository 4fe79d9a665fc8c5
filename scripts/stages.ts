/**
 * The import direction between the pipeline's stages, read from the code: for every stage (a
 * folder under harness/, or a file at its top), the stages it imports; then every import that runs
 * from a stage to a LATER one (a back-import), with file and line. docs/architecture.md quotes it.
 *
 *   npx node scripts/stages.ts          # the table and the back-imports; exit 0
 *   npx node scripts/stages.ts --check  # exit 1 when there is a back-import or a stage not in ORDER (npm test runs it)
 *   npx node scripts/stages.ts --root <dir>  # another tree (the test of this check uses a made-up one)
 *
 * Reads `from '…'` (static imports and re-exports, over several lines too) and `import('…')` with a
 * literal path, not in comments; tests (*.test.ts) and test helpers (testing/) are left out, as they may reach anywhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** The pipeline, earliest stage first. A stage may import only stages before it. */
export const ORDER = [
  'record',
  'units',
  'policy',
  'protocol',
  'faults',
  'config',
  'metrics',
  'preflight',
  'stack',
  'auth',
  'client',
  'fleet',
  'oracle',
  'judge.ts',
  'judge-worker.ts',
  'report',
  'merge',
  'run.ts',
  'api.ts',
  'tuning',
  'cli',
];

const rootArg = process.argv.indexOf('--root');
const ROOT = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : resolve(import.meta.dirname, '..');
const HARNESS = join(ROOT, 'harness');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' || e.name === 'node_modules' ? [] : files(p);
    return /\.(ts|js)$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [p] : [];
  });
}

function stageOf(abs: string): string | null {
  const rel = relative(HARNESS, abs);
  if (rel.startsWith('..')) return null;
  return rel.split('/')[0];
}

interface Edge {
  from: string;
  to: string;
  file: string;
  line: number;
  spec: string;
}

const edges: Edge[] = [];
for (const file of files(HARNESS)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (/^\s*(\*|\/\/|\/\*)/.test(text.slice(lineStart, m.index))) continue; // an example in a comment
    const target = resolve(dirname(file), m[1]);
    const from = stageOf(file);
    const to = stageOf(target);
    if (!from || !to || from === to) continue;
    edges.push({ from, to, file: relative(ROOT, file), line: text.slice(0, m.index).split('\n').length, spec: m[1] });
  }
}

const stages = [...new Set(readdirSync(HARNESS).filter((n) => !/\.test\.ts$/.test(n)))];
const unplaced = stages.filter((s) => !ORDER.includes(s));
const rank = (s: string) => ORDER.indexOf(s);
const back = edges.filter((e) => rank(e.to) > rank(e.from));

console.log('stage        imports (stage ← files importing it)');
for (const s of ORDER.filter((x) => stages.includes(x))) {
  const targets = new Map<string, number>();
  for (const e of edges.filter((x) => x.from === s)) targets.set(e.to, (targets.get(e.to) ?? 0) + 1);
  const list = [...targets]
    .sort((a, b) => rank(a[0]) - rank(b[0]))
    .map(([t, n]) => `${t}${rank(t) > rank(s) ? ' (BACK)' : ''} ×${n}`);
  console.log(`${s.padEnd(12)} ${list.join(', ') || '—'}`);
}
console.log(`\n${back.length} back-import(s) (from a stage to a later one):`);
for (const e of back) console.log(`  ${e.from} → ${e.to}: ${e.file}:${e.line} imports '${e.spec}'`);
if (unplaced.length) console.log(`\nnot in ORDER (place them in scripts/stages.ts): ${unplaced.join(', ')}`);
if (process.argv.includes('--check') && (back.length || unplaced.length)) process.exit(1);
