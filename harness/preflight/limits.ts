/**
 * Open-file limits as the kernel applies them: read from /proc/<pid>/limits (Linux). Node and Go
 * both raise their soft limit to the hard limit at start, so a child's effective limit is the hard
 * one; we read the real process instead of assuming.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';

/** The soft "Max open files" of a process, or null where /proc is not there. */
export function openFileLimit(pid: number | 'self' = 'self'): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    if (!line) return null;
    const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
    // Node raised its own soft limit to the hard one; a child we spawn does the same.
    const n = Number(pid === 'self' ? hard : soft);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/**
 * Descriptors a process holds now, or null. Linux 6.2 and later report the count as the size of
 * /proc/<pid>/fd: one stat, where listing the directory costs a fleet worker of 5,000 sockets ~9 ms
 * each second (docs/scale.md). Older kernels report 0 there: the entries are counted.
 */
export function openFiles(pid: number): number | null {
  try {
    const size = statSync(`/proc/${pid}/fd`).size;
    return size > 0 ? size : readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}
