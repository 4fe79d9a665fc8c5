/** Writes every output of a run into its folder and points reports/latest at it. */
import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import type { Summary } from './summary.ts';

export function writeReports(s: Summary, dir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  mkdirSync(dir, { recursive: true });
  const files = {
    'summary.json': JSON.stringify(s, null, 2),
    'junit.xml': renderJunit(s),
    'summary.md': renderMarkdown(s),
    'index.html': renderHtml(s),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${files['summary.md']}\n`);
  // reports/latest → the newest run, relative so the folder can be moved or archived whole.
  const latest = join(dirname(dir), 'latest');
  try {
    rmSync(latest, { force: true });
    symlinkSync(basename(dir), latest);
  } catch {
    /* a filesystem without symlinks: latest is a convenience */
  }
  return Object.keys(files).map((f) => join(dir, f));
}
