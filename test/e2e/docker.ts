/**
 * What the Docker end-to-end tests share: whether an engine answers (they are skipped, with a
 * visible message, where none does; in CI a missing engine is a failure), seeding the images so
 * nothing is pulled, and the containers a run left.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dockerClient,
  imageExists,
  listContainers,
  NODE_BASE_IMAGE,
  TOXIPROXY_IMAGE,
} from '../../harness/stack/testcontainers.ts';
import { ROOT } from './cli.ts';

async function probe(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const client = await dockerClient();
    await client.container.dockerode.ping();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message.split('\n')[0] };
  }
}

export const engine = await probe();
export const inCI = Boolean(process.env.CI);
/** Skip the Docker tests here: no engine, and not in CI (where that is a failure instead). */
export const skipDocker = !engine.ok && !inCI;
if (skipDocker) {
  console.warn(
    `\n  ⚠ Docker end-to-end tests SKIPPED: ${(engine as { reason: string }).reason}\n    (start dockerd to run them; in CI, with CI set, a missing engine fails them)\n`,
  );
}

/** Throws in CI when there is no engine: called first by every Docker test. */
export function requireEngine(): void {
  if (!engine.ok) throw new Error(`CI is set, but no Docker engine answers: ${engine.reason}`);
}

/** Builds the Toxiproxy and Node base images locally when missing (air-gapped: nothing may be pulled). */
export async function ensureSeeded(): Promise<void> {
  const client = await dockerClient();
  if ((await imageExists(client, TOXIPROXY_IMAGE)) && (await imageExists(client, NODE_BASE_IMAGE))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'seed-images.ts')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`seed-images failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** Names of the containers (any state) labelled with this run id. */
export async function containersOfRun(runId: string): Promise<string[]> {
  const client = await dockerClient();
  return (await listContainers(client, [`chatstorm.run-id=${runId}`])).map((c) => `${c.Names[0]} (${c.State})`);
}

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/** The CLI as a child whose stderr can be awaited line by line: for killing a run midway. */
export interface LiveCli {
  child: ChildProcess;
  /** The run folder (reports are there once the CLI has exited). */
  runDir: string;
  stderr(): string;
  /** Resolves when stderr matches, rejects after timeoutMs or if the CLI exits first. */
  waitFor(re: RegExp, timeoutMs: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[], runId: string): LiveCli {
  const reportRoot = mkdtempSync(join(tmpdir(), 'chatstorm-e2e-'));
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'chatstorm.js'), ...args, '--report-dir', reportRoot, '--run-id', runId],
    { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (d) => {
    err += d;
    for (const w of waiters) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    runDir: join(reportRoot, runId),
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!re.test(err)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${re} on stderr within ${timeoutMs} ms:\n${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(() => {
          if (!waiters.has(check)) return;
          done();
          reject(new Error(`the CLI exited before ${re} appeared on stderr:\n${err}`));
        });
        check();
      });
    },
  };
}

/** Pids of the live children of a process (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

/** Running, not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** docker compose v2 (plugin) or docker-compose v1, whichever is installed. */
export function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return null;
}
