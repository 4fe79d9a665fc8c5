/**
 * A gate that its own operator cannot fool (issue 15), with the real CLI, real processes and real
 * signals: a reused run id, a launcher (npx, npm run) terminated under the run, a gateway killed
 * mid-run, a target that is not a gateway. Each run is small (smoke: 20 clients, seconds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../harness/report/summary.ts';
import { checkOf, ROOT, runCli } from './cli.ts';
import { descendants, killAll, settle, type Proc } from './processes.ts';

const BIN = join(ROOT, 'bin', 'chatstorm.js');

interface Started {
  child: ChildProcess;
  /** Resolves once stderr contains the text (rejects after 60 s). */
  stderrHas(text: string): Promise<void>;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Started {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, CI: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiters.splice(0)) stderr.includes(w.text) ? w.resolve() : waiters.push(w);
  });
  return {
    child,
    stderrHas: (text) =>
      new Promise((resolve, reject) => {
        if (stderr.includes(text)) return resolve();
        waiters.push({ text, resolve });
        setTimeout(() => reject(new Error(`no "${text}" on stderr within 60 s:\n${stderr}`)), 60_000).unref();
      }),
    exited: new Promise((resolve) => child.on('exit', (code) => setImmediate(() => resolve({ code, stdout, stderr })))),
  };
}

const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;

async function waitForFile(file: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!existsSync(file) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  return existsSync(file);
}

describe('run folders', () => {
  it('two runs started together with the same --run-id: one runs, the other is refused (exit 64, the folder named); the folder is never appended to', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-reuse-'));
    const args = [BIN, 'run', 'scenarios/smoke.ts', '--profile', 'small', '--report-dir', root, '--run-id', 'same'];
    const [a, b] = await Promise.all([start(process.execPath, args).exited, start(process.execPath, args).exited]);
    expect(
      [a.code, b.code].filter((c) => c === 64),
      `${a.stderr}\n---\n${b.stderr}`,
    ).toHaveLength(1);
    const [refused, ran] = a.code === 64 ? [a, b] : [b, a];
    expect(refused.stderr).toContain(`--run-id: the run folder "${join(root, 'same')}" already exists`);
    const s = summaryOf(join(root, 'same'));
    expect(ran.code).toBe(s.exitCode);
    // One history in the folder: every message exactly once, no seq hole (latency is the machine's business).
    const delivery = checkOf(s, 'delivery');
    expect({
      verdict: delivery.verdict,
      duplicated: delivery.counts.duplicated,
      seqGaps: delivery.counts.seqGaps,
    }).toEqual({ verdict: 'pass', duplicated: 0, seqGaps: 0 });

    // Again, later: still refused, and the run that is there is left as it was.
    const again = await start(process.execPath, args).exited;
    expect(again.code).toBe(64);
    expect(summaryOf(join(root, 'same'))).toEqual(s);
  }, 120_000);
});

describe('a terminated launcher ends the run', () => {
  /**
   * Starts a 30 s smoke run through the launcher, waits until its stack is up and the fleet runs,
   * and sends SIGTERM to the launcher alone (as a CI runner cancelling a job does to its step).
   */
  async function terminate(
    command: string,
    args: string[],
    runId: string,
  ): Promise<{ s: Summary; children: Proc[]; stderr: string; code: number | null }> {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-term-'));
    const run = start(command, [
      ...args,
      'run',
      'scenarios/smoke.ts',
      '--duration',
      '30s',
      '--clients',
      '5',
      '--report-dir',
      root,
      '--run-id',
      runId,
    ]);
    await run.stderrHas('behind Toxiproxy');
    await new Promise((r) => setTimeout(r, 1_500));
    const children = descendants(run.child.pid!);
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.exited;
    try {
      // The launcher is gone at once; the run must notice, tear down and report (not run 30 s on).
      expect(await waitForFile(join(root, runId, 'summary.json'), 25_000), stderr).toBe(true);
      expect(await settle(children, 10_000)).toEqual([]);
    } finally {
      killAll(children);
    }
    return { s: summaryOf(join(root, runId)), children, stderr, code };
  }

  const expectTerminated = (s: Summary, by: string) => {
    expect({ interrupted: s.interrupted, interruptedBy: s.interruptedBy, exitCode: s.exitCode }).toEqual({
      interrupted: true,
      interruptedBy: by,
      exitCode: 143,
    });
    expect(s.verdict).not.toBe('pass');
    // Stopped at the signal: the planned 30 s traffic phase was cut short. A run that went on to
    // its planned end would record 30 s (±10 ms of the summary's rounding), so the bound sits a
    // second below it, not at it.
    expect(s.phases.trafficEnd - s.phases.trafficStart).toBeLessThan(29);
  };

  it('npx chatstorm', async () => {
    const r = await terminate('npx', ['chatstorm'], 'npx');
    expect(
      r.children.some((p) => p.args.includes('gateway/main.ts')),
      r.children.map((p) => p.args).join('\n'),
    ).toBe(true);
    expectTerminated(r.s, 'parent-exited');
  }, 90_000);

  it('npm run chatstorm --', async () => {
    const r = await terminate('npm', ['run', '--silent', 'chatstorm', '--'], 'npm-run');
    expectTerminated(r.s, 'parent-exited');
  }, 90_000);

  it('the bin itself: exit 143, and a chatSize above the clients is said', async () => {
    const r = await terminate(process.execPath, [BIN], 'bin');
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('chatstorm: note: chatSize 10 is more than the 5 clients: one chat of 5');
    expectTerminated(r.s, 'SIGTERM');
  }, 90_000);
});

describe('a stack process that dies mid-run', () => {
  it.each([
    { name: 'gateway', match: 'gateway/main.ts', lastWords: 'last log lines: chatstorm-gateway listening on' },
    // Toxiproxy runs with LOG_LEVEL=warn: its log is usually empty, and the message says that too.
    { name: 'toxiproxy', match: 'toxiproxy-server', lastWords: '' },
  ])(
    '$name killed (SIGKILL): the run stops as error naming it with its last log lines, and no check passes',
    async ({ name, match, lastWords }) => {
      const root = mkdtempSync(join(tmpdir(), 'chatstorm-dead-'));
      const run = start(process.execPath, [
        BIN,
        'run',
        'scenarios/smoke.ts',
        '--duration',
        '30s',
        '--clients',
        '20',
        '--report-dir',
        root,
        '--run-id',
        'dead',
      ]);
      // Traffic running for a while: messages acked and delivered, which must not make delivery pass.
      await run.stderrHas('[traffic');
      await new Promise((r) => setTimeout(r, 1_500));
      const children = descendants(run.child.pid!);
      const victim = children.find((p) => p.args.includes(match));
      try {
        expect(victim, children.map((p) => p.args).join('\n')).toBeDefined();
        process.kill(victim!.pid, 'SIGKILL');
        const { code, stderr } = await run.exited;
        expect(code, stderr).toBe(3);
        expect(stderr).toContain(`${name}-exited: stopping the run`);
        const s = summaryOf(join(root, 'dead'));
        expect(s.verdict).toBe('error');
        expect(s.runtimeErrors[0].code).toBe(`${name}-exited`);
        expect(s.runtimeErrors[0].message).toContain(`${name} exited unexpectedly (code null, signal SIGKILL)`);
        expect(s.runtimeErrors[0].message).toContain(lastWords);
        // Stopped at the death, not at the end of the planned 30 s traffic phase (a second below
        // it: the summary rounds each phase to 10 ms) and the drain timeout.
        expect(s.phases.trafficEnd - s.phases.trafficStart).toBeLessThan(29);
        expect(s.checks.filter((c) => c.verdict === 'pass').map((c) => c.name)).toEqual([]);
        expect(checkOf(s, 'delivery').counts.acked).toBeGreaterThan(0);
        expect(checkOf(s, 'delivery').verdict).toBe('inconclusive');
        expect(checkOf(s, 'delivery').summary).toContain(`Not judged: the run broke (${name}-exited)`);
        expect(await settle(children, 10_000)).toEqual([]);
      } finally {
        killAll(children);
      }
    },
    90_000,
  );
});

describe('a --target that is not a chat gateway', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // A plain file server's answer to everything, the WebSocket upgrade included.
    server = createServer((_req, res) => res.writeHead(404).end('not found'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a 404 from /healthz is not ready: the run stops with the status', async () => {
    const r = await runCli(['run', 'test/fixtures/one-attempt.ts', '--target', `ws://127.0.0.1:${port}`]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.summary!.runtimeErrors[0]).toMatchObject({ code: 'target-not-ready' });
    expect(r.summary!.runtimeErrors[0].message).toContain(
      `http://127.0.0.1:${port}/healthz answered HTTP 404, not 2xx`,
    );
  }, 60_000);

  it('with --skip-healthz, the refused upgrades are named by their HTTP status', async () => {
    const r = await runCli([
      'run',
      'test/fixtures/one-attempt.ts',
      '--target',
      `ws://127.0.0.1:${port}`,
      '--skip-healthz',
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.summary!.httpRefusals).toEqual({ '404': 5 });
    expect(r.summary!.runtimeErrors[0].code).toBe('no-client-connected');
    expect(r.summary!.runtimeErrors[0].message).toContain(
      'the gateway refused the WebSocket upgrade with HTTP 404 (5×)',
    );
    expect(r.stdout).toContain('upgrades refused: HTTP 404 ×5');
  }, 60_000);
});

describe('npx chatstorm never asks the registry', () => {
  it('offline (a registry that does not answer, an empty npm cache): at the project root, twice at once, and below a folder with a package.json of its own', async () => {
    const env = {
      npm_config_cache: mkdtempSync(join(tmpdir(), 'chatstorm-npm-cache-')),
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_update_notifier: 'false',
      npm_config_fetch_retries: '0',
    };
    // npm takes the nearest package.json as the project: here not chatstorm's, so it looks for a
    // `chatstorm` bin in node_modules/.bin up the tree, and failing that on the registry (404).
    const sub = mkdtempSync(join(ROOT, 'reports', 'npx-elsewhere-'));
    writeFileSync(join(sub, 'package.json'), JSON.stringify({ name: 'elsewhere', version: '1.0.0' }));
    try {
      const runs = await Promise.all([
        start('npx', ['chatstorm', '--help'], env).exited,
        start('npx', ['chatstorm', '--help'], env).exited,
        start('npx', ['chatstorm', '--help'], env, sub).exited,
      ]);
      for (const r of runs) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('Usage: chatstorm');
      }
    } finally {
      rmSync(sub, { recursive: true, force: true });
    }
  }, 60_000);
});
