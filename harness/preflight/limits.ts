/**
 * Open-file limits as the kernel applies them: read from /proc/<pid>/limits (Linux). Node and Go
 * both raise their soft limit to the hard limit at start, so a child's effective limit is the hard
 * one; we read the real process instead of assuming.
 */
import { readFileSync } from 'node:fs';

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

/** Descriptors a process holds now (entries of /proc/<pid>/fd), or null. */
export function openFiles(pid: number): number | null {
  try {
    return readdirCount(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
}

import { readdirSync } from 'node:fs';
function readdirCount(dir: string): number {
  return readdirSync(dir).length;
}
