/**
 * The instrument at scale, through the real CLI: the preflight refuses a plan that cannot fit the
 * host (exit 64, naming the limit and the numbers, nothing started); the scale scenario's small
 * profile runs over two loopback source addresses; and an instrument that saturates for real — a
 * fleet worker whose event loop is blocked, a Toxiproxy server stopped with SIGSTOP — makes the run
 * `inconclusive` naming the instrument, never a `fail` of the gateway.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOf, runCli } from './cli.ts';
import { openFileLimit } from '../../harness/preflight/limits.ts';

describe('preflight', () => {
  it('refuses 20,000 clients in one fleet worker with exit 64, naming the open-file limit and the numbers', async () => {
    const r = await runCli(['run', 'scenarios/scale.ts', '--workers', '1']);
    expect(r.code, r.stderr).toBe(64);
    const limit = openFileLimit('self');
    expect(r.stderr).toContain(`the run cannot fit this host (nothing was started)`);
    expect(r.stderr).toContain(`open files per process (${limit}`);
    expect(r.stderr).toMatch(/each of 1 fleet worker\(s\) would hold 20000 sockets; one process can hold \d+/);
    expect(r.stderr).toMatch(/Remedy: --workers \d+ or more/);
    expect(existsSync(r.runDir)).toBe(false);
  });

  it("--cpu-fit refuse: a plan over the host's cores is refused with exit 64 and the CPU numbers, nothing started", async () => {
    // 12,000 clients a core, one message per 20 s in chats of 10: 6,000 deliveries/s a core, over
    // the 80 % the estimate allows on any host (harness/preflight/cpu.ts), and within its other limits.
    const clients = String(12_000 * availableParallelism());
    const r = await runCli(['run', 'scenarios/scale.ts', '--clients', clients, '--cpu-fit', 'refuse']);
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain(`the run cannot fit this host (nothing was started)`);
    expect(r.stderr).toMatch(
      new RegExp(
        `CPU \\(${availableParallelism()} cores; --cpu-fit refuse\\): the traffic phase asks \\d+ deliveries/s`,
      ),
    );
    expect(r.stderr).toMatch(/Remedy: at most \d+ deliveries\/s fit/);
    expect(existsSync(r.runDir)).toBe(false);
  });

  it("--cpu-costs: this host's measured costs decide the estimate; a bad costs file is refused naming the field (exit 64)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpu-costs-e2e-'));
    const cores = availableParallelism();
    // The small profile asks 2,000 deliveries/s: at the built-in costs ~0.4 of a core. Costs measured
    // on a host 10 × cores slower put it far over any host's cores, so refuse must now refuse it.
    const unit = (k: number) => ({ connect: 500 * k, delivery: 70 * k, reconnect: 1335 * k });
    const costs = {
      format: 'chatstorm-cpu-costs/1',
      measured: {
        at: '2026-12-01T11:09:51Z',
        command: 'npx node bench/stack.ts --write-costs slow.json',
        host: 'slow-host',
        cores: 1,
      },
      costs: { fleet: unit(10 * cores), toxiproxy: unit(10 * cores), gateway: unit(10 * cores) },
      restUs: 10,
    };
    writeFileSync(join(dir, 'slow.json'), JSON.stringify(costs));
    const slow = await runCli(['run', 'scenarios/scale.ts', '--profile', 'small', '--cpu-fit', 'refuse'], {
      env: { CHATSTORM_CPU_COSTS: join(dir, 'slow.json') },
    });
    expect(slow.code, slow.stderr).toBe(64);
    expect(slow.stderr).toContain('the traffic phase asks 2000 deliveries/s');
    expect(slow.stderr).toContain(`from --cpu-costs ${join(dir, 'slow.json')}: measured on slow-host (1 core) at`);
    expect(existsSync(slow.runDir)).toBe(false);

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...costs, restUs: -5 }));
    const bad = await runCli(['run', 'scenarios/scale.ts', '--profile', 'small', '--cpu-costs', join(dir, 'bad.json')]);
    expect(bad.code, bad.stderr).toBe(64);
    expect(bad.stderr).toMatch(new RegExp(`--cpu-costs ${join(dir, 'bad.json')}: restUs: .*-5`));
    expect(existsSync(bad.runDir)).toBe(false);
  });

  it('refuses a source-address range that is not loopback, naming the flag and the value', async () => {
    const r = await runCli(['run', 'scenarios/scale.ts', '--profile', 'small', '--source-ips', '10.0.0.1-10.0.0.3']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--source-ips: "10.0.0.1-10.0.0.3" is not a loopback address or range');
  });
});

describe('scale --profile small', () => {
  it('runs over two source addresses; no check fails, and only the instrument may make it inconclusive', async () => {
    const r = await runCli(['run', 'scenarios/scale.ts', '--profile', 'small', '--source-ips', '127.0.0.2-127.0.0.3']);
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    expect(s.runtimeErrors).toEqual([]);
    expect(s.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    const health = checkOf(s, 'generator-health');
    // On a contended host the instrument may say it fell behind; then and only then not a pass.
    expect(s.verdict).toBe(health.verdict === 'pass' ? 'pass' : 'inconclusive');
    expect(checkOf(s, 'delivery').counts.acked).toBeGreaterThan(500);
    expect(checkOf(s, 'reconnect').counts.reconnects).toBeGreaterThanOrEqual(400);
  }, 120_000);
});

describe('an overloaded instrument', () => {
  it('a fleet whose event loop is blocked makes the run inconclusive, not fail: the failed latency is not blamed on the gateway', async () => {
    // Each fleet worker blocks its event loop 1.5 s in every second: deliveries are read late.
    const r = await runCli(['run', 'scenarios/scale.ts', '--profile', 'small', '--clients', '100'], {
      env: { CHATSTORM_TEST_BLOCK_MS: '1500' },
    });
    const s = r.summary!;
    expect(s, r.stderr).not.toBeNull();
    const health = checkOf(s, 'generator-health');
    expect(health.verdict).toBe('inconclusive');
    expect(health.summary).toMatch(/The instrument saturated — the fleet \(/);
    // Without the discount this check fails (p99 over 1 s): it is inconclusive and says what it saw.
    const latency = checkOf(s, 'latency');
    expect(latency.verdict).toBe('inconclusive');
    expect(latency.summary).toMatch(/^Not judged against the gateway: the instrument saturated/);
    expect(s.verdict).toBe('inconclusive');
    expect(r.code).toBe(2);
  }, 120_000);

  it('a Toxiproxy server stopped (SIGSTOP) for 3 s during traffic makes the run inconclusive, naming the Toxiproxy', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-e2e-'));
    let cli = 0;
    const running = runCli(['run', 'scenarios/scale.ts', '--profile', 'small', '--clients', '100'], {
      reportRoot: root,
      onSpawn: (pid) => (cli = pid),
    });
    const phases = join(root, 'e2e', 'history', 'phases.json');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(phases) && JSON.parse(readFileSync(phases, 'utf8')).trafficStart) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 100));
    await new Promise((res) => setTimeout(res, 1_500));
    const children = execFileSync('pgrep', ['-P', String(cli)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    const toxi = children.find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('toxiproxy'));
    expect(toxi, "the run's Toxiproxy process").toBeDefined();
    process.kill(toxi!, 'SIGSTOP');
    await new Promise((res) => setTimeout(res, 3_000));
    process.kill(toxi!, 'SIGCONT');
    const r = await running;
    const s = r.summary!;
    expect(s, r.stderr).not.toBeNull();
    const health = checkOf(s, 'generator-health');
    expect(health.verdict).toBe('inconclusive');
    expect(health.summary).toMatch(/the Toxiproxy pool \(toxiproxy: [^)]*stopped \(not running\) for \d+ s/);
    expect(s.checks.filter((c) => c.verdict === 'fail')).toEqual([]);
    expect(s.verdict).toBe('inconclusive');
  }, 120_000);
});
