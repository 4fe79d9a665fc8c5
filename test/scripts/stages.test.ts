/**
 * The stage check (scripts/stages.ts --check, run by npm test) passes on this tree and catches a
 * back-import and a folder left out of ORDER in a made-up one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../scripts/stages.ts');
const check = (...args: string[]) => spawnSync(process.execPath, [script, '--check', ...args], { encoding: 'utf8' });

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'stages-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, 'harness', path, '..'), { recursive: true });
    writeFileSync(join(root, 'harness', path), text);
  }
  return root;
}

describe('stage check', () => {
  it('passes on this repository: no back-import', () => {
    const r = check();
    expect(r.stdout).toContain('0 back-import(s)');
    expect(r.status).toBe(0);
  });

  it('fails on an import from a later stage, naming file and line', () => {
    const root = tree({
      'config/plan.ts':
        "// import { x } from '../fleet/fleet.ts' is only a comment\nimport { x } from '../fleet/fleet.ts';\n",
      'fleet/fleet.ts': "import { y } from '../config/plan.ts';\n",
    });
    const r = check('--root', root);
    expect(r.stdout).toContain('1 back-import(s)');
    expect(r.stdout).toContain("config → fleet: harness/config/plan.ts:2 imports '../fleet/fleet.ts'");
    expect(r.status).toBe(1);
  });

  it('fails on a stage not placed in ORDER', () => {
    const r = check('--root', tree({ 'misc/x.ts': 'export const x = 1;\n' }));
    expect(r.stdout).toContain('not in ORDER (place them in scripts/stages.ts): misc');
    expect(r.status).toBe(1);
  });
});
