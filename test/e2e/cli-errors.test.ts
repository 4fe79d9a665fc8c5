/** Bad input stops before anything starts, names the field and the value, and exits 64. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './cli.ts';
import { spawnSync } from 'node:child_process';

/** The CLI with exactly these arguments (runCli adds its own --report-dir and --run-id to a run). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'chatstorm.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI input errors', () => {
  it('an invalid scenario names each field and value and exits 64', async () => {
    const r = await runCli(['run', 'test/fixtures/invalid-scenario.ts']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('faults[0].at: not a duration: "15x"');
    expect(r.stderr).toContain('Unrecognized key: "polcy"');
    expect(r.summary).toBeNull();
  });

  it('a missing scenario file is a usage error', async () => {
    const r = await runCli(['run', 'scenarios/nope.ts']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('no such file: "scenarios/nope.ts"');
  });

  it('bad flags name the flag and the value', async () => {
    const clients = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--clients', 'many']);
    expect(clients.code).toBe(64);
    expect(clients.stderr).toContain('--clients must be a non-negative integer (got "many")');
    const duration = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--duration', 'soon']);
    expect(duration.code).toBe(64);
    expect(duration.stderr).toContain('--duration: not a duration: "soon"');
    const target = await runCli([
      'run',
      'scenarios/network-cut.ts',
      '--profile',
      'small',
      '--target',
      'http://127.0.0.1:1',
    ]);
    expect(target.code).toBe(64);
    expect(target.stderr).toContain('--target: "http://127.0.0.1:1" must be a ws:// URL');
  });

  it('a flood and an oversized fleet are refused with the numbers', async () => {
    const flood = await runCli(['run', 'test/fixtures/flood-scenario.ts']);
    expect(flood.code).toBe(64);
    expect(flood.stderr).toContain('sendInterval: "0s" is 0 ms, below the floor of 100 ms per client');
    const huge = await runCli(['run', 'scenarios/smoke.ts', '--clients', '1000000']);
    expect(huge.code).toBe(64);
    // The cap is per host: the remedy is shards, with the number needed.
    expect(huge.stderr).toContain(
      '--clients: 1,000,000 clients, and one host would hold them all: above the cap of 200,000 clients per host; split the run over shards: --shards 5 or more',
    );
  });

  it('a gateway on another machine needs --allow-remote', async () => {
    const r = await runCli(['run', 'scenarios/smoke.ts', '--target', 'ws://10.20.30.40:8083']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(
      '--target: "ws://10.20.30.40:8083" is not on this machine (10.20.30.40 is not loopback); chatstorm would open 50 sockets to it: pass --allow-remote',
    );
    const alone = await runCli(['run', 'scenarios/smoke.ts', '--allow-remote']);
    expect(alone.code).toBe(64);
    expect(alone.stderr).toContain('--allow-remote only applies with --target');
  });

  it('a report folder that cannot be created stops before anything starts (exit 73, the reason named)', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    writeFileSync(join(root, 'a-file'), 'x');
    const onFile = cli(['run', 'scenarios/smoke.ts', '--report-dir', join(root, 'a-file')]);
    expect(onFile.code, onFile.stderr).toBe(73);
    expect(onFile.stderr).toContain(`${join(root, 'a-file')} is not a folder`);
    expect(onFile.stderr).not.toContain('    at ');
    // Node's own recursive mkdir never returns on this one (and ignores SIGTERM while it spins).
    const proc = cli(['run', 'scenarios/smoke.ts', '--report-dir', '/proc/chatstorm-x/y']);
    expect(proc.code, proc.stderr).toBe(73);
    expect(proc.stderr).toContain('cannot create /proc/chatstorm-x');
  });

  it('every command that writes a folder from the command line refuses one it cannot create (exit 73), never spins', () => {
    // Each of these once spun for good in Node's recursive mkdir (capacity for 56 minutes, seen).
    // The input folders need not exist: each command checks its output folder before reading them.
    const shards = ['/nonexistent/shard-0', '/nonexistent/shard-1'];
    const at = new Date(Date.now() + 600_000).toISOString();
    for (const [args, flag] of [
      [['capacity', 'scenarios/smoke.ts', '--profile', 'small', '--report-dir', '/proc/chatstorm-x'], '--report-dir'],
      [
        [
          'sweep',
          'scenarios/smoke.ts',
          '--profile',
          'small',
          '--report-dir',
          '/proc/chatstorm-x',
          '--set',
          'policy.backoff.jitter=none,full',
        ],
        '--report-dir',
      ],
      [
        [
          'run',
          'scenarios/smoke.ts',
          '--profile',
          'small',
          '--report-dir',
          '/proc/chatstorm-x',
          '--shards',
          '2',
          '--claim-shard',
          '--start-at',
          at,
        ],
        '--report-dir',
      ],
      [['compare', ...shards, '--out', '/proc/chatstorm-x/compare.html'], '--out'],
      [['merge', ...shards, '--out', '/proc/chatstorm-x/merged'], '--out'],
    ] as const) {
      const r = cli([...args]);
      expect({ code: r.code, args }, r.stderr).toEqual({ code: 73, args });
      expect(r.stderr).toContain(`${flag} "/proc/chatstorm-x`);
      expect(r.stderr).toContain('cannot create /proc/chatstorm-x');
    }
  });

  it('merge and compare refuse input folders that are not runs (exit 64) and leave no empty output folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const notRun = join(root, 'not-a-run');
    mkdirSync(notRun);
    for (const args of [
      ['merge', notRun, join(root, 'other'), '--out', join(root, 'new', 'merged')],
      ['compare', notRun, join(root, 'other'), '--out', join(root, 'new', 'compare.html')],
    ]) {
      const r = cli(args);
      expect({ code: r.code, args }, r.stderr).toEqual({ code: 64, args });
      expect(r.stderr).toContain(notRun);
      expect(r.stderr).not.toContain('    at ');
      // Both new folders (new/ and new/merged) were made for the output and removed again.
      expect(readdirSync(root).sort()).toEqual(['not-a-run']);
    }
  });

  it('`chatstorm report` on a folder that is not a run says so (exit 64, no stack trace)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    mkdirSync(join(dir, 'something'));
    const r = cli(['report', dir]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(`<run-dir>: "${dir}" is not a run folder (a run folder holds plan.json and history/`);
    expect(r.stderr).not.toContain('    at ');
    expect(readdirSync(dir)).toEqual(['something']);
  });

  it('--jwt-secret-file: unreadable, empty, or given with --jwt-secret is a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    writeFileSync(join(dir, 'empty'), '\n');
    const missing = cli(['run', 'scenarios/smoke.ts', '--jwt-secret-file', join(dir, 'nope'), '--report-dir', dir]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain(`--jwt-secret-file: cannot read "${join(dir, 'nope')}" (ENOENT)`);
    const empty = cli(['run', 'scenarios/smoke.ts', '--jwt-secret-file', join(dir, 'empty'), '--report-dir', dir]);
    expect(empty.code).toBe(64);
    expect(empty.stderr).toContain('is empty');
    const both = cli([
      'run',
      'scenarios/smoke.ts',
      '--jwt-secret-file',
      join(dir, 'empty'),
      '--jwt-secret',
      's',
      '--report-dir',
      dir,
    ]);
    expect(both.code).toBe(64);
    expect(both.stderr).toContain('--jwt-secret and --jwt-secret-file exclude each other');
    expect(readdirSync(dir)).toEqual(['empty']);
  });

  it('shard flags: a bad --shard, --shards outside an Indexed Job, a bad --start-at: exit 64 naming each', async () => {
    const env = { JOB_COMPLETION_INDEX: '' };
    const shard = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--shard', '3/3'], { env });
    expect(shard.code).toBe(64);
    expect(shard.stderr).toContain('--shard: expected <index>/<count> with 0 <= index < count, e.g. 0/3 (got "3/3")');
    const shards = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--shards', '3'], { env });
    expect(shards.code).toBe(64);
    expect(shards.stderr).toContain(
      '--shards 3: the shard index comes from JOB_COMPLETION_INDEX, which must be an integer 0..2 (got "")',
    );
    const start = await runCli([
      'run',
      'scenarios/network-cut.ts',
      '--profile',
      'small',
      '--shard',
      '0/3',
      '--start-at',
      'noon',
    ]);
    expect(start.code).toBe(64);
    expect(start.stderr).toContain('--start-at: expected an ISO 8601 time with a zone');
    const merge = await runCli(['merge', 'reports/no-such-run', '--out', 'reports/never']);
    expect(merge.code).toBe(64);
    expect(merge.stderr).toContain('reports/no-such-run: not a run folder (no plan.json)');
  });

  it('--help documents every option and the exit codes', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--clients',
      '--duration',
      '--target',
      '--gateway-cmd',
      '--jwt-secret',
      '--jwt-secret-file',
      '--allow-remote',
      '--skip-healthz',
      '--report-dir',
      '--seed',
      '--workers',
    ])
      expect(r.stdout).toContain(flag);
    const top = await runCli(['--help']);
    for (const code of ['73  cannot create', '130 interrupted', '143 terminated']) expect(top.stdout).toContain(code);
  });
});

describe('input that would lose or misplace data, or silently mean something else (exit 64, nothing left behind)', () => {
  const soon = () => new Date(Date.now() + 600_000).toISOString();
  /** Fails the test with the command's output unless it exited 64 without a stack trace. */
  const refused = (r: ReturnType<typeof cli>, args: readonly string[]) => {
    expect({ code: r.code, args }, r.stderr).toEqual({ code: 64, args });
    expect(r.stderr).not.toContain('    at ');
    return r.stderr;
  };

  it('no command at all is a usage error; help asked for is not', () => {
    const none = cli([]);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('Usage: chatstorm');
    expect(cli(['--help']).code).toBe(0);
  });

  it('an empty value names its flag or variable instead of meaning the default', () => {
    const run = ['run', 'scenarios/smoke.ts', '--profile', 'small'];
    for (const flag of ['--jwt-secret', '--report-dir', '--gateway-cmd'])
      expect(refused(cli([...run, flag, '']), [flag])).toContain(`${flag}: an empty value (got "")`);
    expect(refused(cli(run, { CHATSTORM_JWT_SECRET: '' }), ['$CHATSTORM_JWT_SECRET'])).toContain(
      '$CHATSTORM_JWT_SECRET (for --jwt-secret): an empty value',
    );
    // Without the guard an empty id dropped the filter: every dead run's containers would go.
    expect(refused(cli(['cleanup', '--run-id', '', '--dry-run']), ['cleanup'])).toContain('--run-id: an empty id');
  });

  it('numbers beyond what they can mean name the flag that asked', () => {
    expect(refused(cli(['run', 'scenarios/smoke.ts', '--clients', '99999999999999999999']), ['--clients'])).toContain(
      '--clients: 99999999999999999999 is too large',
    );
    const cap = [
      'capacity',
      'scenarios/smoke.ts',
      '--profile',
      'small',
      '--report-dir',
      mkdtempSync(join(tmpdir(), 'cs-')),
    ];
    expect(refused(cli([...cap, '--to', '300000']), ['--to'])).toContain(
      '--to: at most 200,000 clients on one host (shards spread more) (got 300000)',
    );
    expect(refused(cli([...cap, '--vary', 'rate', '--to', '99999999']), ['--vary rate'])).toContain(
      "--to: at most 200 msg/s with the scenario's 20 clients (each sends at most one message every 100 ms) (got 99999999)",
    );
  });

  it('capacity and sweep: a --run-id that is a path, or a folder that exists, is refused and nothing is written', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const reports = join(root, 'reports');
    mkdirSync(join(reports, 'taken'), { recursive: true });
    writeFileSync(join(reports, 'taken', 'capacity.json'), 'an earlier search');
    const commands = [
      ['capacity', 'scenarios/smoke.ts', '--profile', 'small', '--to', '40'],
      ['sweep', 'scenarios/smoke.ts', '--profile', 'small', '--set', 'policy.backoff.jitter=none,full'],
    ];
    for (const command of commands) {
      for (const id of ['../escaped', 'latest'])
        expect(refused(cli([...command, '--report-dir', reports, '--run-id', id]), [command[0], id])).toContain(
          `--run-id: expected a folder name (no "/" or "\\", not ".", ".." or "latest") (got "${id}")`,
        );
      // Written into once (capacity appended to its old steps' history and failed a healthy gateway).
      expect(refused(cli([...command, '--report-dir', reports, '--run-id', 'taken']), [command[0], 'taken'])).toContain(
        `--run-id: the run folder "${join(reports, 'taken')}" already exists`,
      );
    }
    expect(readdirSync(root)).toEqual(['reports']);
    expect(readdirSync(reports)).toEqual(['taken']);
    expect(readdirSync(join(reports, 'taken'))).toEqual(['capacity.json']);
  });

  it('merge and compare never write over a run: not a shard folder, not a run, not a file that is no compare page', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const [s0, s1, run] = ['s0', 's1', 'run'].map((d) => join(root, d));
    for (const d of [s0, s1, run]) mkdirSync(join(d, 'history'), { recursive: true });
    writeFileSync(join(s0, 'summary.json'), '{"the":"shard"}');
    expect(refused(cli(['merge', s0, s1, '--out', s0]), ['merge', 's0'])).toContain(
      `--out "${s0}" is the shard folder "${s0}"`,
    );
    expect(refused(cli(['merge', s0, s1, '--out', join(s1, 'merged')]), ['merge', 's1/merged'])).toContain(
      `is inside the shard folder "${s1}"`,
    );
    expect(refused(cli(['merge', s0, s1, '--out', run]), ['merge', 'run'])).toContain(
      `--out "${run}" holds a recorded run (${join(run, 'history')})`,
    );
    expect(refused(cli(['compare', s0, s1, '--out', join(s0, 'summary.json')]), ['compare', 'summary'])).toContain(
      'exists and is not a compare page chatstorm wrote; it is never written over',
    );
    expect(refused(cli(['compare', s0, s1, '--out', root]), ['compare', 'folder'])).toContain(
      `${root} is a folder; give a file name, e.g. ${join(root, 'compare.html')}`,
    );
    expect(readFileSync(join(s0, 'summary.json'), 'utf8')).toBe('{"the":"shard"}');
    expect(readdirSync(root).sort()).toEqual(['run', 's0', 's1']);
  });

  it('a run refused by the preflight leaves no folder it made and releases its --claim-shard claim', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-cli-'));
    const reports = join(root, 'deep', 'reports');
    // 30,000 sockets a shard in one fleet worker: more than one process's descriptors (exit 64).
    const args = ['run', 'scenarios/smoke.ts', '--clients', '60000', '--workers', '1', '--report-dir', reports];
    expect(refused(cli(args), ['run'])).toContain('the run cannot fit this host');
    expect(readdirSync(root)).toEqual([]);
    const at = soon();
    const claim = [...args, '--shards', '2', '--claim-shard', '--start-at', at];
    for (let i = 0; i < 3; i++)
      expect(refused(cli(claim), ['claim', String(i)])).toContain('the run cannot fit this host');
    // Three refusals of a 2-shard run: each claim was given back (else the third says "all 2 shards … are taken").
    const claims = join(reports, '.shard-claims');
    const [plan] = readdirSync(claims);
    expect(readdirSync(join(claims, plan))).toEqual([]);
    expect(readdirSync(reports)).toEqual(['.shard-claims']);
  });
});
