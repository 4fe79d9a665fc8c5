/**
 * Nothing outlives a run. A run killed midway with SIGTERM tears its own stack down (containers,
 * Toxiproxy and gateway processes, fleet workers); a run killed with SIGKILL cannot, and then
 * `chatstorm cleanup` removes what it left. Real CLI processes, real containers, real signals.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { projectStackProcesses } from '../../harness/stack/cleanup.ts';
import { dockerClient, listContainers } from '../../harness/stack/testcontainers.ts';
import { runCli } from './cli.ts';
import {
  alive,
  childrenOf,
  containersOfRun,
  ensureSeeded,
  requireEngine,
  skipDocker,
  startCli,
  uniqueRunId,
} from './docker.ts';

const SCENARIO = ['scenarios/network-cut.ts', '--profile', 'small'];
/** Midway: the cut is in force (4 s into the 12 s of traffic), so teardown has a fault to take back too. */
const MIDWAY = /cut#1 applied/;

/** A failed test must not leave its run's processes behind for the next one: kill by PID what is still alive. */
function reap(pids: number[]): void {
  for (const pid of pids) {
    try {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe.skipIf(process.platform !== 'linux')('local stack: nothing is left behind', () => {
  it('SIGTERM midway: the run tears down its gateway, Toxiproxy and workers, reports and exits 143', async () => {
    const cli = startCli(['run', ...SCENARIO], uniqueRunId('local-term'));
    await cli.waitFor(MIDWAY, 60_000);
    const pid = cli.child.pid!;
    const stack = projectStackProcesses().filter((p) => p.ppid === pid);
    expect(stack.some((p) => /toxiproxy-server/.test(p.command))).toBe(true);
    expect(stack.some((p) => /gateway\/main\.ts/.test(p.command))).toBe(true);
    const children = childrenOf(pid);
    try {
      expect(children.length).toBeGreaterThanOrEqual(3); // gateway, Toxiproxy, at least one fleet worker
      cli.child.kill('SIGTERM');
      const { code } = await cli.exited;
      expect(code, cli.stderr()).toBe(143);
      expect(cli.stderr()).toContain('SIGTERM: stopping, tearing down');
      for (const child of children)
        expect(await eventually(() => !alive(child), 5_000), `process ${child} still alive`).toBe(true);
    } finally {
      reap([pid, ...children]);
    }
  }, 120_000);

  it('SIGKILL midway leaves orphaned processes; chatstorm cleanup stops exactly those', async () => {
    const cli = startCli(['run', ...SCENARIO], uniqueRunId('local-kill'));
    await cli.waitFor(MIDWAY, 60_000);
    const stack = projectStackProcesses().filter((p) => p.ppid === cli.child.pid);
    const children = childrenOf(cli.child.pid!);
    try {
      await killedThenCleanedUp(cli, stack);
    } finally {
      reap([cli.child.pid!, ...stack.map((p) => p.pid), ...children]);
    }
  }, 120_000);
});

/** The SIGKILL test's body: its caller reaps what a failure here would leave running. */
async function killedThenCleanedUp(
  cli: ReturnType<typeof startCli>,
  stack: ReturnType<typeof projectStackProcesses>,
): Promise<void> {
  expect(stack.length).toBe(2);
  cli.child.kill('SIGKILL');
  await cli.exited;
  // Their harness is gone: they now hang off pid 1, still running.
  expect(
    await eventually(
      () =>
        stack.every((p) => alive(p.pid)) &&
        projectStackProcesses()
          .filter((p) => stack.some((s) => s.pid === p.pid))
          .every((p) => p.ppid === 1),
      2_000,
    ),
  ).toBe(true);
  const r = await runCli(['cleanup']);
  expect(r.code, r.stderr).toBe(0);
  for (const p of stack) {
    expect(r.stdout).toContain(`stopped process ${p.pid}:`);
    expect(await eventually(() => !alive(p.pid), 5_000), `process ${p.pid} (${p.command}) still alive`).toBe(true);
  }
}

describe.skipIf(skipDocker)('testcontainers stack: no container is left behind', () => {
  it('SIGTERM midway: every container of the run is removed and the CLI exits 143', async () => {
    requireEngine();
    await ensureSeeded();
    const runId = uniqueRunId('tc-term');
    // Whatever the test's outcome, none of the run's containers outlives it.
    onTestFinished(async () => void (await runCli(['cleanup', '--run-id', runId])));
    const cli = startCli(['run', ...SCENARIO, '--stack', 'testcontainers'], runId);
    await cli.waitFor(MIDWAY, 120_000);
    expect((await containersOfRun(runId)).length).toBe(2);
    const children = childrenOf(cli.child.pid!);
    cli.child.kill('SIGTERM');
    const { code } = await cli.exited;
    expect(code, cli.stderr()).toBe(143);
    expect(await containersOfRun(runId)).toEqual([]);
    for (const child of children)
      expect(await eventually(() => !alive(child), 5_000), `process ${child} still alive`).toBe(true);
  }, 180_000);

  it('a second SIGINT, while the teardown hangs on a paused Toxiproxy container, exits at once and still removes the containers', async () => {
    requireEngine();
    await ensureSeeded();
    const runId = uniqueRunId('tc-force');
    // Whatever the test's outcome, none of the run's containers outlives it.
    onTestFinished(async () => void (await runCli(['cleanup', '--run-id', runId])));
    const cli = startCli(['run', ...SCENARIO, '--stack', 'testcontainers'], runId);
    await cli.waitFor(MIDWAY, 120_000);
    // A frozen proxy: taking the cut back never returns, so the teardown waits for ever.
    const client = await dockerClient();
    const [toxiproxy] = await listContainers(client, [`chatstorm.run-id=${runId}`, 'chatstorm.role=toxiproxy']);
    await client.container.dockerode.getContainer(toxiproxy.Id).pause();
    cli.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 700));
    expect((await containersOfRun(runId)).length).toBe(2);
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;
    expect(code, cli.stderr()).toBe(130);
    expect(cli.stderr()).toContain('SIGINT again, exiting without cleanup');
    expect(await containersOfRun(runId)).toEqual([]);
  }, 180_000);

  it('SIGKILL midway leaves the containers running; chatstorm cleanup removes them', async () => {
    requireEngine();
    await ensureSeeded();
    const runId = uniqueRunId('tc-kill');
    // Whatever the test's outcome, none of the run's containers outlives it.
    onTestFinished(async () => void (await runCli(['cleanup', '--run-id', runId])));
    const cli = startCli(['run', ...SCENARIO, '--stack', 'testcontainers'], runId);
    await cli.waitFor(MIDWAY, 120_000);
    cli.child.kill('SIGKILL');
    await cli.exited;
    const left = await containersOfRun(runId);
    expect(left).toHaveLength(2);
    expect(left.every((c) => c.endsWith('(running)'))).toBe(true);
    const r = await runCli(['cleanup', '--run-id', runId]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/removed container chatstorm-/g)).toHaveLength(2);
    expect(await containersOfRun(runId)).toEqual([]);
  }, 180_000);
});
