/** Writes every output of a run into its folder and points reports/latest at it. */
import { appendFileSync, mkdirSync, realpathSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
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
  // reports/latest → the newest run, relative so the folder can be moved or archived whole. The
  // real folder: `chatstorm report reports/latest` must not turn latest into a link to itself.
  try {
    const real = realpathSync(dir);
    const latest = join(dirname(real), 'latest');
    // unlink, not rm: rm follows a symlink to a folder and refuses (EISDIR), which left latest stale.
    try {
      unlinkSync(latest);
    } catch {
      /* not there yet, or a run folder named "latest" (then symlinkSync fails too, and it stays) */
    }
    symlinkSync(basename(real), latest);
  } catch {
    /* a filesystem without symlinks: latest is a convenience */
  }
  return Object.keys(files).map((f) => join(dir, f));
}
