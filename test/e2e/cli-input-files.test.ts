/**
 * Run folders given to `report`, `history` and `merge` that are not runs, or whose JSON files are
 * torn or edited: a usage error (exit 64) naming the folder or file and what is wrong, no stack
 * trace, and nothing written into the folders given.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.ts';

/** The CLI with exactly these arguments. */
function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'chatstorm.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: '1' },
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 64, every `names` in stderr, no stack trace. */
function refused(args: string[], ...names: string[]): string {
  const r = cli(args);
  expect({ code: r.code, args }, r.stderr).toEqual({ code: 64, args });
  for (const name of names) expect(r.stderr).toContain(name);
  expect(r.stderr).not.toContain('    at ');
  return r.stderr;
}

/** A folder of files (path → content; a path ending in "/" is a folder). */
function folder(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    if (path.endsWith('/')) mkdirSync(join(dir, path), { recursive: true });
    else writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A plan.json `chatstorm report` reads past, up to the history (no run.json: a killed run). */
const PLAN = JSON.stringify({ target: { kind: 'local' }, policy: {}, thresholds: {}, faults: [] });

describe('run folders that are not runs, or whose files are torn', () => {
  it('`history` on an empty folder, /dev/null or a regular file: exit 64 naming it', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const empty = folder(root, 'empty', {});
    writeFileSync(join(root, 'a-file'), 'x');
    expect(refused(['history', empty], `${join(empty, 'history')}: no such folder`)).toContain('no recorded history');
    refused(['history', '/dev/null'], '/dev/null/history: no such folder');
    refused(['history', join(root, 'a-file')], `${join(root, 'a-file', 'history')}: no such folder`);
    expect(readdirSync(empty)).toEqual([]);
  });

  it('`report` on a folder whose plan.json or run.json is not JSON: exit 64 naming the file, nothing written', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const badPlan = folder(root, 'bad-plan', { 'plan.json': '{', 'history/': '' });
    expect(refused(['report', badPlan], `"${join(badPlan, 'plan.json')}"`)).toContain('not valid JSON');
    expect(readdirSync(badPlan).sort()).toEqual(['history', 'plan.json']);
    const badRun = folder(root, 'bad-run', { 'plan.json': PLAN, 'run.json': 'nope', 'history/': '' });
    expect(refused(['report', badRun], `"${join(badRun, 'run.json')}"`)).toContain('not valid JSON');
    const arrayPlan = folder(root, 'array-plan', { 'plan.json': '[]', 'history/': '' });
    expect(refused(['report', arrayPlan], `"${join(arrayPlan, 'plan.json')}"`)).toContain(
      'expected a JSON object, got an array',
    );
    expect(readdirSync(badRun).sort()).toEqual(['history', 'plan.json', 'run.json']);
    // Valid JSON, but not a plan: each missing field named (it was a TypeError, exit 3).
    const notPlan = folder(root, 'not-a-plan', { 'plan.json': '{"policy":"none"}', 'history/': '' });
    expect(refused(['report', notPlan], `"${join(notPlan, 'plan.json')}"`)).toContain(
      'is not a chatstorm plan: target, policy, thresholds, faults missing or of the wrong kind',
    );
  });

  it('`report` and `history` on a run whose history/roster.json (or phases.json) is torn: exit 64 naming the file', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const run = folder(root, 'torn-roster', { 'plan.json': PLAN, 'history/roster.json': '[{"c":0,' });
    const roster = `${join(run, 'history', 'roster.json')}: not valid JSON`;
    refused(['report', run], roster);
    refused(['history', run], roster);
    refused(['history', join(run, 'history')], roster);
    expect(readdirSync(run).sort()).toEqual(['history', 'plan.json']);
    const noRoster = folder(root, 'no-roster', { 'plan.json': PLAN, 'history/': '' });
    refused(['report', noRoster], `${join(noRoster, 'history')}: no roster.json in it`);
    const phases = folder(root, 'torn-phases', { 'history/roster.json': '[]', 'history/phases.json': '{"start":' });
    refused(['history', phases], `${join(phases, 'history', 'phases.json')}: not valid JSON`);
  });

  it('`merge` of a folder whose plan.json or summary.json is not JSON: exit 64 naming the file, no --out left', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const badPlan = folder(root, 'bad-plan', { 'plan.json': '{', 'history/': '' });
    const other = folder(root, 'other', {});
    refused(['merge', badPlan, other, '--out', join(root, 'merged')], `${join(badPlan, 'plan.json')}: not valid JSON`);
    const shard = JSON.stringify({ seed: 1, shard: { index: 0, count: 1, planHash: 'h' } });
    const badSummary = folder(root, 'bad-summary', { 'plan.json': shard, 'summary.json': '{"verdict":' });
    refused(
      ['merge', badSummary, '--out', join(root, 'merged')],
      `${join(badSummary, 'summary.json')}: not valid JSON`,
    );
    expect(readdirSync(root).sort()).toEqual(['bad-plan', 'bad-summary', 'other']);
  });
});
