/**
 * A child process owned by the run: its output goes to a log file, readiness is polled over HTTP,
 * and an exit nobody asked for is kept as a runtime failure instead of crashing the harness.
 *
 * The child writes its log file itself (its stdout and stderr are the file's descriptor, not a pipe
 * through the harness): when the harness is killed outright the child neither loses its last lines
 * nor dies of a broken pipe at its next log line (Go's Toxiproxy would, of SIGPIPE) — it is an
 * orphan `chatstorm cleanup` finds, every time.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface RuntimeFailure {
  code: string;
  message: string;
  t: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set when the process exited while it was supposed to run. */
  readonly unexpectedExit: RuntimeFailure | null;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL at once: a crash on purpose (not reported as an unexpected exit). */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Polled until it answers 2xx. */
  readyUrl: string;
  readyTimeoutMs?: number;
}

export async function spawnManaged(o: SpawnOptions): Promise<ManagedProcess> {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const logFd = openSync(o.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(o.command, o.args, {
      // Children run on the harness's own Node first (a "node" in a command means Node >= 22).
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...o.env },
      stdio: ['ignore', logFd, logFd],
      // Own process group: a Ctrl-C in the terminal reaches the harness, which then stops children in order.
      detached: true,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(logFd);
  }
  let stopping = false;
  let unexpectedExit: RuntimeFailure | null = null;
  let spawnError: Error | null = null;
  const exited = new Promise<void>((resolve) => {
    child.on('error', (e) => {
      spawnError = e;
      resolve();
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        const failure = { code: `${o.name}-exited`, t: performance.timeOrigin + performance.now() };
        // Its last words, read from its log file when the failure is reported.
        unexpectedExit = Object.defineProperty(failure, 'message', {
          enumerable: true,
          get: () =>
            `${o.name} exited unexpectedly (code ${code}, signal ${signal}); see ${o.logFile}${lastLines(o.logFile)}`,
        }) as RuntimeFailure;
      }
      resolve();
    });
  });
  const proc: ManagedProcess = {
    name: o.name,
    pid: child.pid ?? -1,
    logFile: o.logFile,
    get unexpectedExit() {
      return unexpectedExit;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
      stopping = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
      stopping = true;
      // The whole group: a command given as a shell line runs under sh, the server is its child.
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          child.kill(sig);
        }
      };
      signal('SIGTERM');
      const killer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (spawnError) throw new Error(`${o.name}: could not start ${o.command}: ${(spawnError as Error).message}`);
    if (unexpectedExit) throw new Error(`${o.name} exited during startup; see ${o.logFile}`);
    try {
      const res = await fetch(o.readyUrl, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return proc;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(
        `${o.name} did not become ready at ${o.readyUrl} within ${o.readyTimeoutMs ?? 15_000} ms; see ${o.logFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The last few lines of a log, as " — last lines: a | b | c", or "" when it is empty or unreadable. */
export function lastLines(file: string, n = 5): string {
  try {
    const size = statSync(file).size;
    const len = Math.min(size, 4_096);
    const buf = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    const lines = buf
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-n);
    return lines.length ? ` — last log lines: ${lines.join(' | ')}` : ' — its log is empty';
  } catch {
    return '';
  }
}

/**
 * The forced exit (a second Ctrl-C) skips the teardown, but must not leave the gateway and
 * Toxiproxy running: they sit in process groups of their own (so that a terminal's Ctrl-C reaches
 * only the harness, which stops them in order), so nothing else would stop them. Every child of
 * this process and its group get SIGKILL. Found with pgrep (Linux, macOS); without it, nothing is
 * killed. Returns the children's pids. Used by the CLI and by bench/.
 */
export function killChildrenNow(): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8', timeout: 2_000 })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is no child
  }
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* not a group leader, or already gone */
      }
    }
  }
  return pids;
}

/**
 * npx and npm run start chatstorm under `sh -c`; SIGTERM ends npm and the shell but never reaches
 * this process, which is then re-parented (to PID 1 or a subreaper). Nobody is left to report to:
 * onGone is called once, and the caller stops as if terminated. Returns the launcher's pid. Used by
 * the CLI and by bench/.
 */
export function watchLauncher(onGone: () => void): number {
  const launcher = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    onGone();
  }, 250);
  timer.unref();
  return launcher;
}
