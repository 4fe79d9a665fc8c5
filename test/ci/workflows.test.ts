/**
 * examples/ci/, checked offline with the real tools: actionlint (installed by `npm run setup` with
 * go install into tools/bin) lints the GitHub Actions workflow; gitlab-ci-local (a devDependency)
 * validates the GitLab pipeline against GitLab's JSON schema and expands `parallel:` into the
 * shard jobs. Each is shown to catch a defect made for it. Beyond the tools: the matrix, the shard
 * flags and the merge's folders agree, and the merge job gates on the merged exit code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../e2e/cli.ts';

const ACTIONLINT = join(ROOT, 'tools', 'bin', 'actionlint');
const GITLAB_CI_LOCAL = join(ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
const GHA = readFileSync(join(ROOT, 'examples/ci/github-actions.yml'), 'utf8');
const GITLAB = readFileSync(join(ROOT, 'examples/ci/gitlab-ci.yml'), 'utf8');

function actionlint(text: string): { code: number | null; out: string } {
  if (!existsSync(ACTIONLINT))
    throw new Error(`${ACTIONLINT} is missing: run \`npm run setup\` (go install ${'github.com/rhysd/actionlint'})`);
  const dir = mkdtempSync(join(tmpdir(), 'chatstorm-gha-'));
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(dir, '.github', 'workflows', 'release-gate.yml'), text);
  const r = spawnSync(ACTIONLINT, ['-no-color', '.github/workflows/release-gate.yml'], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

function gitlabList(text: string): { code: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chatstorm-gitlab-'));
  writeFileSync(join(dir, '.gitlab-ci.yml'), text);
  spawnSync('git', ['init', '-q'], { cwd: dir });
  const r = spawnSync(process.execPath, [GITLAB_CI_LOCAL, '--list', '--json-schema-validation'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('examples/ci/github-actions.yml', () => {
  it('passes actionlint', () => {
    const r = actionlint(GHA);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('actionlint catches a defect made for it: an output the plan job does not have', () => {
    const r = actionlint(GHA.replace('needs.plan.outputs.start-at', 'needs.plan.outputs.startat'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/property "startat" is not defined/);
  });

  it('a shard matrix whose indices match --shard i/3 and the merge folders; the merge gates on its exit code, uploads the report', () => {
    const wf = parse(GHA);
    const shards: number[] = wf.jobs.shard.strategy.matrix.shard;
    expect(shards).toEqual([0, 1, 2]);
    expect(wf.jobs.shard.strategy['fail-fast']).toBe(false);
    const run = wf.jobs.shard.steps.find((s: { run?: string }) => s.run?.includes('chatstorm run')).run;
    expect(run).toContain(`--shard "$SHARD/${shards.length}"`);
    const merge = wf.jobs.merge;
    expect(merge.needs).toBe('shard');
    const mergeRun = merge.steps.find((s: { id?: string }) => s.id === 'merge').run;
    expect(mergeRun).toContain(`chatstorm merge ${shards.map((i) => `shards/shard-${i}`).join(' ')} --out merged`);
    const last = merge.steps[merge.steps.length - 1];
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JavaScript template.
    expect(last.env.CODE).toBe('${{ steps.merge.outputs.exit-code }}');
    expect(last.run).toContain('exit "$CODE"');
    expect(
      merge.steps.some(
        (s: { uses?: string; with?: { path?: string } }) =>
          s.uses?.startsWith('actions/upload-artifact') && s.with?.path === 'merged/',
      ),
    ).toBe(true);
  });
});

describe('examples/ci/gitlab-ci.yml', () => {
  it("is valid against GitLab's schema, and parallel: 3 expands into three shard jobs before the merge", () => {
    const r = gitlabList(GITLAB);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('json schema validated');
    expect(r.out.match(/^shard: \[\d\/3\]/gm)).toEqual(['shard: [1/3]', 'shard: [2/3]', 'shard: [3/3]']);
    expect(r.out).toMatch(/^merge\s+merge\s+always/m);
  }, 60_000);

  it('gitlab-ci-local catches a defect made for it: parallel that is not a number', () => {
    const r = gitlabList(GITLAB.replace(/^ {2}parallel: 3$/m, '  parallel: three'));
    expect(r.code).toBe(1);
    expect(r.out).toContain("'parallel' property type must be integer at shard.parallel");
  }, 60_000);

  it('shard indices are 0-based from CI_NODE_INDEX, the merge job exits with the merged code', () => {
    const p = parse(GITLAB);
    expect(p.shard.script.join('\n')).toContain('SHARD=$((CI_NODE_INDEX - 1))');
    expect(p.shard.script.join('\n')).toContain('--shard "$SHARD/$CI_NODE_TOTAL"');
    expect(p.merge.script).toEqual(['npx chatstorm merge shards/shard-* --out merged']);
    expect(p.merge.artifacts.reports.junit).toBe('merged/junit.xml');
  });
});
