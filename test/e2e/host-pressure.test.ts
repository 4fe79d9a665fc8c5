/**
 * The instrument knows when the HOST's CPU is oversubscribed (docs/scale.md): a small real run
 * (smoke, 20 clients, 4 s) while this test keeps three CPU burners (`node -e 'for(;;);'`) on the
 * 2-core machine, killed afterwards by their PIDs. The host's PSI cpu pressure is recorded in the
 * history (history/host-samples.ndjson) and judged by generator-health; no timed check may be
 * reported `fail` without the host (or the instrument) named — the burners are not the gateway's
 * fault. No timing is asserted: what the pressure was is the machine's, only that it was recorded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCpuPressureUs } from '../../harness/metrics/host.ts';
import type { HostSample } from '../../harness/record/history.ts';
import { checkOf, runCli, whyNotPass } from './cli.ts';

const burners: ChildProcess[] = [];
afterAll(() => {
  for (const b of burners) if (b.exitCode === null && b.signalCode === null) process.kill(b.pid!, 'SIGKILL');
});

describe('host CPU pressure', () => {
  it('three CPU burners next to a small run: the pressure is recorded, and no timed check fails without the host named', async () => {
    for (let i = 0; i < 3; i++) burners.push(spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(['run', 'scenarios/smoke.ts', '--profile', 'small']);
    } finally {
      for (const b of burners) if (b.exitCode === null && b.signalCode === null) process.kill(b.pid!, 'SIGKILL');
    }
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    const why = whyNotPass(s);
    expect(s.runtimeErrors, why).toEqual([]);
    const health = checkOf(s, 'generator-health');
    const file = join(r.runDir, 'history', 'host-samples.ndjson');
    if (readCpuPressureUs() === null) {
      // No PSI on this host: said, never a silent pass.
      expect(existsSync(file)).toBe(false);
      expect(health.summary).toContain("The host's CPU pressure was not measured");
      return;
    }
    const host = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HostSample);
    expect(host.length).toBeGreaterThan(0);
    for (const h of host)
      expect(h).toMatchObject({
        t: expect.any(Number),
        cpuSome: expect.any(Number),
        cores: expect.any(Number),
        running: expect.any(Number),
      });
    expect(health.counts.hostMeasured).toBe(1);
    expect(health.counts.hostSamples).toBeGreaterThan(0);
    // A timed check that did not pass is discounted for the instrument or the host, never failed.
    for (const c of s.checks.filter((x) => x.name === 'latency' || x.name === 'reconnect'))
      expect(c.verdict, why).not.toBe('fail');
    if (health.counts.hostOversubscribed) expect(health.summary, why).toMatch(/host's CPU was oversubscribed/);
    // What no CPU wait can cause still holds with the burners running.
    for (const name of ['delivery', 'no-fallback', 'errors-surfaced'])
      expect({ name, verdict: checkOf(s, name).verdict }, why).toEqual({ name, verdict: 'pass' });
  }, 120_000);
});
