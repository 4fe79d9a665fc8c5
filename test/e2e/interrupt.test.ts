/**
 * Ctrl-C in the middle of a run, as a person would press it: the real CLI, a real gateway and
 * Toxiproxy, SIGINT once the cut is in force. The run must exit 130 with its reports written from
 * what was recorded (interrupted: true), leave no gateway, Toxiproxy or fleet worker behind, and
 * `chatstorm report` must rebuild every output of that folder from its history alone. A second
 * SIGINT ("again to force") exits at once, and must not leave the gateway and Toxiproxy running
 * either.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../harness/report/summary.ts';
import { ROOT, runCli } from './cli.ts';
import { descendants, killAll, settle, type Proc } from './processes.ts';

const OUTPUTS = ['summary.json', 'junit.xml', 'summary.md', 'index.html'];

interface Interrupted {
  code: number | null;
  stderr: string;
  runDir: string;
  children: Proc[];
}

/**
 * Starts network-cut --profile small through the CLI, waits until the cut is in force (traffic running,
 * every client dropped), notes the run's child processes, and sends SIGINT. With `force`, it first
 * freezes Toxiproxy (SIGSTOP), so that the teardown hangs on it as on a proxy that stopped
 * answering, and sends the second SIGINT half a second later, while the harness waits.
 */
function interruptRun(runId: string, mode: 'once' | 'force' | 'kill'): Promise<Interrupted> {
  const reportRoot = mkdtempSync(join(tmpdir(), 'chatstorm-interrupt-'));
  const runDir = join(reportRoot, runId);
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'chatstorm.js'),
      'run',
      'scenarios/network-cut.ts',
      '--profile',
      'small',
      '--report-dir',
      reportRoot,
      '--run-id',
      runId,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let children: Proc[] = [];
  let sent = false;
  return new Promise((resolve, reject) => {
    const giveUp = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the cut was never applied within 90 s; stderr:\n${stderr}`));
    }, 90_000);
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
      if (sent || !stderr.includes('cut#1 applied')) return;
      sent = true;
      children = descendants(child.pid!);
      if (mode === 'kill') {
        child.kill('SIGKILL');
        return;
      }
      if (mode === 'force') {
        const proxy = children.find((p) => p.args.includes('toxiproxy-server'));
        if (proxy) process.kill(proxy.pid, 'SIGSTOP');
        setTimeout(() => child.kill('SIGINT'), 500);
      }
      child.kill('SIGINT');
    });
    child.on('exit', (code) => {
      clearTimeout(giveUp);
      resolve({ code, stderr, runDir, children });
    });
  });
}

describe('an interrupted run', () => {
  it('exits 130 with its reports, leaves no process behind, and `chatstorm report` rebuilds every output', async () => {
    const r = await interruptRun('interrupted', 'once');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT: stopping, tearing down and reporting what was recorded');

    // The run's own processes, seen while it ran: the gateway, Toxiproxy and the fleet worker.
    const kinds = r.children.map((p) => p.args);
    expect(
      kinds.some((a) => a.includes('gateway/main.ts')),
      kinds.join('\n'),
    ).toBe(true);
    expect(
      kinds.some((a) => a.includes('toxiproxy-server')),
      kinds.join('\n'),
    ).toBe(true);
    // The worker runs as the JavaScript copy of worker.ts (fleet/compile.ts), or worker.ts itself if that failed.
    expect(
      kinds.some((a) => /fleet\/worker\.(js|ts)\b/.test(a)),
      kinds.join('\n'),
    ).toBe(true);
    expect(await settle(r.children)).toEqual([]);

    for (const f of OUTPUTS) expect(existsSync(join(r.runDir, f)), f).toBe(true);
    const original = JSON.parse(readFileSync(join(r.runDir, 'summary.json'), 'utf8')) as Summary;
    expect(original.interrupted).toBe(true);
    expect(original.interruptedBy).toBe('SIGINT');
    expect(original.exitCode).toBe(130);
    // An interrupted run never passes: what held until the signal is inconclusive, with the reason.
    expect(original.verdict).not.toBe('pass');
    expect(original.checks.filter((c) => c.verdict === 'pass').map((c) => c.name)).toEqual([]);
    expect(original.checks.find((c) => c.name === 'no-fallback')!.summary).toContain(
      'Not judged: the run was interrupted (SIGINT)',
    );
    expect(original.metrics.faults.map((f) => f.id)).toEqual(['cut#1']);

    // From the recorded history alone: the same summary, and every other output again.
    for (const f of OUTPUTS) rmSync(join(r.runDir, f));
    const rebuilt = await runCli(['report', r.runDir]);
    expect(rebuilt.code, rebuilt.stderr).toBe(130);
    for (const f of OUTPUTS) expect(existsSync(join(r.runDir, f)), f).toBe(true);
    const again = JSON.parse(readFileSync(join(r.runDir, 'summary.json'), 'utf8')) as Summary;
    expect(again).toEqual(original);
    expect(readFileSync(join(r.runDir, 'index.html'), 'utf8')).toContain('<b>Interrupted.</b>');
    expect(readFileSync(join(r.runDir, 'summary.md'), 'utf8')).toContain('**The run was interrupted**');
    const junit = readFileSync(join(r.runDir, 'junit.xml'), 'utf8');
    for (const c of original.checks) expect(junit).toContain(`name="${c.name}"`);
    expect(rebuilt.stdout).toContain(
      'interrupted (SIGINT): the checks judge what was recorded until then, and none can pass',
    );
  }, 150_000);

  it('a second SIGINT, while the teardown hangs on a frozen Toxiproxy, exits at once and still stops the gateway and Toxiproxy', async () => {
    const r = await interruptRun('forced', 'force');
    try {
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain('SIGINT again, exiting without cleanup');
      expect(
        r.children.filter((p) => /toxiproxy-server|gateway\/main\.ts/.test(p.args)).length,
        r.children.map((p) => p.args).join('\n'),
      ).toBe(2);
      expect(await settle(r.children)).toEqual([]);
    } finally {
      killAll(r.children);
    }
  }, 150_000);

  it('a run killed outright (SIGKILL) is still judged by `chatstorm report`, its fault window included', async () => {
    const r = await interruptRun('killed', 'kill');
    // Nothing could stop the children: this test does, as a person would after a crash.
    killAll(r.children);
    expect(r.code).toBeNull();
    expect(existsSync(join(r.runDir, 'summary.json'))).toBe(false);
    const rebuilt = await runCli(['report', r.runDir]);
    expect(rebuilt.code, rebuilt.stderr).toBe(130);
    for (const f of OUTPUTS) expect(existsSync(join(r.runDir, f)), f).toBe(true);
    const s = JSON.parse(readFileSync(join(r.runDir, 'summary.json'), 'utf8')) as Summary;
    expect(s.interrupted).toBe(true);
    // The phases and the applied cut were on disk before the kill: the run's clock and its fault window.
    expect(s.phases.trafficStart).toBeGreaterThan(0);
    expect(s.metrics.faults.map((f) => f.id)).toEqual(['cut#1']);
    expect(s.metrics.faults[0].affected).toBe(100);
  }, 150_000);
});
