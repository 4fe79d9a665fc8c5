/**
 * The run folder is claimed before anything starts: a run never writes into a folder that already
 * holds something (an appended event log or a gateway state file carried over turns a healthy
 * gateway into a FAIL), and a report root that cannot hold folders is refused with its reason
 * instead of failing after the run (or spinning inside a recursive mkdir on /proc).
 */
import { accessSync, constants, mkdirSync, rmdirSync, type Stats, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.ts';

/** The report root cannot hold run folders (exit 73). */
export class ReportDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportDirError';
  }
}

/**
 * Creates root (and its missing parents, one level at a time) and then `root/runId` itself, with a
 * non-recursive mkdir: the file system refuses a second claim of the same name atomically, so two
 * runs started together with the same id cannot share a folder. An explicit id (--run-id) that is
 * taken is a usage error; a generated one gets a suffix, and `note` says so.
 */
export function claimRunFolder(
  root: string,
  runId: string,
  explicit: boolean,
): { dir: string; runId: string; note: string | null; created: string[] } {
  const created = ensureFolder(root);
  for (let n = 1; n <= 100; n++) {
    const id = n === 1 ? runId : `${runId}-${n}`;
    const dir = join(root, id);
    try {
      mkdirSync(dir);
      return {
        dir,
        runId: id,
        note: n === 1 ? null : `run folder ${join(root, runId)} already exists; this run writes to ${dir}`,
        created,
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw new ReportDirError(`--report-dir: cannot create the run folder ${dir}: ${(e as Error).message}`);
      if (explicit) {
        removeCreated(created);
        throw new ConfigError('invalid run configuration', [
          `--run-id: the run folder "${dir}" already exists; a run never appends to an old one (its history would be mixed in): choose another --run-id or remove the folder`,
        ]);
      }
    }
  }
  throw new ReportDirError(`--report-dir: ${join(root, runId)} and 99 suffixed names are all taken`);
}

/**
 * Makes sure `root` is a writable folder, creating it and its missing parents one level at a time
 * (Node's recursive mkdir loops forever on some paths: /proc/x). `flag` names the option the path
 * came from in the error (ReportDirError, exit 73). For every folder a command writes into from the
 * command line: --report-dir of run, capacity and sweep, --out of merge and compare. Returns the
 * folders it created, outermost first (for `unlessRefused`).
 */
export function ensureFolder(root: string, flag = '--report-dir'): string[] {
  const missing: string[] = [];
  let p = resolve(root);
  for (;;) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new ReportDirError(`${flag} "${root}": cannot use ${p}: ${(e as Error).message}`);
      const up = dirname(p);
      if (up === p) throw new ReportDirError(`${flag} "${root}": no existing folder above it`);
      missing.unshift(p);
      p = up;
      continue;
    }
    if (!st.isDirectory()) throw new ReportDirError(`${flag} "${root}": ${p} is not a folder`);
    try {
      accessSync(p, constants.W_OK | constants.X_OK);
    } catch {
      throw new ReportDirError(`${flag} "${root}": ${p} is not writable`);
    }
    break;
  }
  // One level at a time: Node's recursive mkdir loops forever on some paths (/proc/x).
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new ReportDirError(`${flag} "${root}": cannot create ${dir}: ${(e as Error).message}`);
    }
  }
  return missing;
}

/**
 * Runs `read` (the command's inputs checked and read) after `ensureFolder` made its output folder;
 * when `read` throws, the folders that were created for it are removed again (only while empty),
 * so input that is refused leaves nothing behind.
 */
export function unlessRefused<T>(created: string[], read: () => T): T {
  try {
    return read();
  } catch (e) {
    removeCreated(created);
    throw e;
  }
}

/** Removes the folders `ensureFolder` created (innermost first), each only while empty. */
export function removeCreated(created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      return; // not empty, or gone: leave it and what is above it
    }
  }
}
