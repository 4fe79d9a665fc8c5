/**
 * End to end, no mocks: the real CLI starts the reference gateway and a real Toxiproxy server,
 * opens 100 authenticated sockets, cuts the network for 5 s, and judges. The clean run must pass
 * every check and write every report.
 */
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOf, runCli } from './cli.ts';

describe('network-cut, small, reference gateway', () => {
  it('passes every check, exits 0 and writes every report', async () => {
    const r = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small']);
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    expect({ verdict: s.verdict, failed: s.failedChecks, errors: s.runtimeErrors }).toEqual({
      verdict: 'pass',
      failed: [],
      errors: [],
    });
    expect(r.code).toBe(0);
    expect(s.scenario).toMatchObject({ name: 'network-cut', profile: 'small' });
    expect(s.clients).toBe(100);
    expect(s.checks.map((c) => c.name)).toEqual([
      'delivery',
      'latency',
      'reconnect',
      'no-fallback',
      'errors-surfaced',
      'generator-health',
    ]);

    // The cut really happened and really hurt: every client dropped, came back, and resumed.
    const fault = s.metrics.faults[0];
    expect(fault.id).toBe('cut#1');
    expect(fault.affected).toBe(100);
    expect(fault.notRecovered).toBe(0);
    const delivery = checkOf(s, 'delivery');
    expect(delivery.counts.acked).toBeGreaterThan(500);
    expect(delivery.counts.lost).toBe(0);
    expect(delivery.counts.deliveredOnResume).toBeGreaterThan(0);
    const errors = checkOf(s, 'errors-surfaced');
    expect(errors.counts.sendsWhileNotOpen).toBeGreaterThan(0);
    expect(checkOf(s, 'reconnect').counts.reconnects).toBeGreaterThanOrEqual(200);

    for (const f of ['summary.json', 'junit.xml', 'summary.md', 'index.html'])
      expect(existsSync(join(r.runDir, f)), f).toBe(true);
    expect(readlinkSync(join(r.reportRoot, 'latest'))).toBe('e2e');
    const junit = readFileSync(join(r.runDir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testcase classname="chatstorm.network-cut" name="delivery"');
    expect(junit).not.toContain('<failure');
    expect(readFileSync(join(r.runDir, 'summary.json'), 'utf8')).not.toContain('chatstorm-dev-secret');
  }, 120_000);
});
