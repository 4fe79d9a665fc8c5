/**
 * A bench's lifecycle, as a run's (harness/run.ts): what the bench starts — reference gateways,
 * Toxiproxy servers, the fleet — goes on one teardown stack (`AsyncDisposableStack`), disposed in
 * reverse order at the bench's end, when it throws, and on the first SIGINT or SIGTERM (or when the
 * process that started it is gone, as the CLI: `watchLauncher`, exit 143). After an
 * error or a signal, whatever is still a child of the bench (a process whose start was under way, a
 * bare client) is killed with its group (`killChildrenNow`, the CLI's forced exit), one line on
 * stderr says what was stopped, and the bench exits 130 (SIGINT), 143 (SIGTERM) or 1 (an error).
 * A second signal exits at once: every child and its group get SIGKILL, and the line names
 * `npx chatstorm cleanup` for what might still be left (docs/cli.md).
 *
 * Gateways and Toxiproxy run in process groups of their own (stack/process.ts): a terminal's
 * Ctrl-C reaches the bench and its fleet workers only, and the bench stops the rest. Linux (/proc).
 */
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeForInterruption, type Interruption } from '../harness/report/exit-codes.ts';
import { killChildrenNow, type ManagedProcess, watchLauncher } from '../harness/stack/process.ts';
import { children } from './_procs.ts';

export interface BenchLifecycle {
  /** Disposed in reverse order at the end, on an error and on SIGINT or SIGTERM. */
  readonly teardown: AsyncDisposableStack;
  /** Aborted by the first SIGINT or SIGTERM, for waits that take a signal. */
  readonly signal: AbortSignal;
  /** Puts a started process on the teardown stack (the line names it) and returns it. */
  own<P extends Pick<ManagedProcess, 'name' | 'pid' | 'stop'>>(p: P): P;
  /** After a wait: once a signal or an error is being handled, never resolves (that teardown exits). */
  proceed(): Promise<void>;
  /** The bench's normal end: tears everything down. */
  end(): Promise<void>;
  /**
   * A scratch folder under the OS temp dir, removed when the bench exits however it does (its end,
   * a signal, a second signal's forced exit) — except after an error, when it is kept for its logs
   * and the line names it.
   */
  tempDir(prefix: string): string;
}

/** A child by its command line, for the line (processes on the stack go by their own names). */
const kind = (args: string) =>
  /toxiproxy/.test(args)
    ? 'Toxiproxy server'
    : /fleet\/worker\.(js|ts)\b/.test(args)
      ? 'fleet worker'
      : /_bare-client\.ts\b/.test(args)
        ? 'bare client'
        : /gateway/.test(args)
          ? 'gateway'
          : 'child process';

/** A line on stderr at once; a reader gone with the launcher (a closed pipe) must not stop the teardown. */
const say = (line: string) => {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    /* nobody reads */
  }
};

export function benchLifecycle(bench: string): BenchLifecycle {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const teardown = new AsyncDisposableStack();
  const abort = new AbortController();
  const names = new Map<number, string>();
  let stopping: Promise<never> | null = null;
  const scratch: string[] = [];
  let failed = false;
  process.on('exit', () => {
    if (failed) return;
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  const stop = (why: string, code: number): Promise<never> =>
    (stopping ??= (async () => {
      const running = children();
      try {
        await teardown.disposeAsync();
      } catch (e) {
        say(`${bench}: teardown: ${(e as Error).message}`);
      }
      killChildrenNow();
      // Until each is gone and reaped: none may outlive the bench, not even as a zombie.
      for (let i = 0; children(true).length && i < 40; i++) await new Promise((r) => setTimeout(r, 50));
      const left = children();
      const what = running.map((c) => `${names.get(c.pid) ?? kind(c.args)} (pid ${c.pid})`).join(', ');
      say(
        `${bench}: ${why}: stopped ${what || 'nothing (no child process was running)'}${left.length ? `; still running: pids ${left.map((c) => c.pid).join(', ')}, removed by npx chatstorm cleanup` : ''}${failed && scratch.length ? `; kept for its logs: ${scratch.join(', ')}` : ''}; exit ${code}`,
      );
      process.exit(code);
    })());

  const onSignal = (sig: Interruption) => {
    if (stopping) {
      const pids = killChildrenNow();
      say(
        `${bench}: ${sig} again: exiting without the teardown; SIGKILL to ${pids.length ? `pids ${pids.join(', ')} and their groups` : 'no child'}; if anything is left: npx chatstorm cleanup`,
      );
      process.exit(exitCodeForInterruption(sig));
    }
    const why = sig === 'parent-exited' ? `the process that started it (pid ${launcher}) is gone` : sig;
    say(`\n${bench}: ${why}: stopping what it started (again to force)`);
    abort.abort(sig);
    void stop(sig, exitCodeForInterruption(sig));
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => onSignal(sig));
  // Under npm run, a SIGTERM ends npm and its shell only; under bench/index.ts, the runner may be killed outright.
  const launcher = watchLauncher(() => {
    if (!stopping) onSignal('parent-exited');
  });
  // A throw anywhere in the bench, a top-level await's rejection too; once stopping, the flow's errors are the teardown's echo.
  process.on('uncaughtException', (e) => {
    if (stopping) return;
    say(`${bench}: ${e.stack ?? e}`);
    failed = true;
    void stop('failed', 1);
  });

  return {
    teardown,
    signal: abort.signal,
    own(p) {
      names.set(p.pid, p.name);
      teardown.defer(() => p.stop());
      return p;
    },
    proceed: () => (stopping ? stopping.then(() => {}) : Promise.resolve()),
    end: () => (stopping ? stopping.then(() => {}) : teardown.disposeAsync()),
    tempDir(prefix) {
      const d = mkdtempSync(join(tmpdir(), prefix));
      scratch.push(d);
      return d;
    },
  };
}
