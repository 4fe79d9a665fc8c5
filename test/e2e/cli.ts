/** Runs the real CLI in a child process, as a user would, and reads what it wrote. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Summary } from '../../harness/report/summary.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface CliResult { code: number | null; stdout: string; stderr: string; reportRoot: string; summary: Summary | null; runDir: string }

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; runId?: string; onSpawn?: (pid: number) => void; reportRoot?: string } = {}): Promise<CliResult> {
  const reportRoot = opts.reportRoot ?? mkdtempSync(join(tmpdir(), 'chatstorm-e2e-'));
  const runId = opts.runId ?? 'e2e';
  const full = args[0] === 'run' ? [...args, '--report-dir', reportRoot, '--run-id', runId] : args;
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'chatstorm.js'), ...full], { cwd: ROOT, env: { ...process.env, CI: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    opts.onSpawn?.(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const runDir = join(reportRoot, runId);
      const file = join(runDir, 'summary.json');
      const summary = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Summary) : null;
      done({ code, stdout, stderr, reportRoot, summary, runDir });
    });
  });
}

export function checkOf(s: Summary, name: string) {
  const c = s.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in summary (checks: ${s.checks.map((x) => x.name).join(', ')})`);
  return c;
}
