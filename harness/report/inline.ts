/**
 * The pages' browser code and CSS are real files in page/ (type-checked with `// @ts-check`,
 * linted by Biome in `npm test`); this inlines them into a page when it is written, as html.ts
 * inlines chart.js, so a report stays one self-contained file.
 *
 * A page script is an entry module and the modules it imports, in import order, copied into one
 * function body: `import { … } from './x.js';` lines are dropped and `export ` is stripped from
 * declarations, so every module's top-level names are locals of that function. That is all the
 * bundling the pages need (whole-line doc comments are left out too: they carry the types); anything else a bundler would handle (default exports, re-exports,
 * imports of packages) is refused with the file named, rather than half-supported.
 */
import { readFileSync } from 'node:fs';

const PAGE_DIR = new URL('./page/', import.meta.url);
const cache = new Map<string, string>();

function read(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(name, PAGE_DIR), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Inline text must not close its element ("</script", "</style") or open a comment that would. */
function safeInline(text: string): string {
  return text.replace(/<\/(script|style)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Whole-line doc comments: types for the checker and notes for the reader, not for the browser. */
// The body may not run past its own "*/": a comment followed by code on its line is left alone.
const DOC_COMMENT = /^[ \t]*\/\*\*(?:(?!\*\/)[\s\S])*\*\/[ \t]*\n/gm;
const IMPORT = /^import\s*\{[^}]*\}\s*from\s*'\.\/([\w-]+\.js)';[ \t]*\n/gm;
const EXPORT_DECL = /^export (?=(?:async )?function |var |let |const )/gm;

/** One module's source as script text, and the page modules it imports; `name` is for messages. */
export function unmodule(name: string, src: string): { body: string; imports: string[] } {
  const imports = [...src.matchAll(IMPORT)].map((m) => m[1]);
  const body = src.replace(DOC_COMMENT, '').replace(IMPORT, '').replace(EXPORT_DECL, '');
  const left = /^(?:import|export)\b.*$/m.exec(body);
  if (left)
    throw new Error(
      `harness/report/page/${name}: the page inliner copies only "import { … } from './x.js';" and "export function|var|let|const"; found: ${left[0]}`,
    );
  return { body, imports };
}

/** The page script for an entry module (e.g. "index.js"): its imports first, each module once. */
export function pageScript(entry: string): string {
  const order: string[] = [];
  const parts = new Map<string, string>();
  const visit = (name: string, path: string[]) => {
    if (parts.has(name)) return;
    if (path.includes(name)) throw new Error(`harness/report/page: import cycle ${[...path, name].join(' → ')}`);
    const { body, imports } = unmodule(name, read(name));
    for (const i of imports) visit(i, [...path, name]);
    parts.set(name, body);
    order.push(name);
  };
  visit(entry, []);
  const modules = order.map((n) => `// --- page/${n}\n${parts.get(n)}`).join('\n');
  return safeInline(`\n(function () {\n'use strict';\n${modules}\n})();\n`);
}

/** The CSS files, in order, as one stylesheet. */
export function pageCss(...names: string[]): string {
  return safeInline(`\n${names.map(read).join('\n')}`);
}
