/** Bad input stops before anything starts, names the field and the value, and exits 64. */
import { describe, expect, it } from 'vitest';
import { runCli } from './cli.ts';

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
    const target = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--target', 'http://127.0.0.1:1']);
    expect(target.code).toBe(64);
    expect(target.stderr).toContain('--target: "http://127.0.0.1:1" must be a ws:// URL');
  });

  it('--help documents every option and the exit codes', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--clients', '--duration', '--target', '--gateway-cmd', '--jwt-secret', '--report-dir', '--seed', '--workers']) expect(r.stdout).toContain(flag);
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('130 interrupted');
  });
});
