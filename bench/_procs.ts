/**
 * Bench helpers: find this process's children and fleet workers and read processes' CPU from /proc
 * (Linux), so a bench can say how much of a core each part used in a phase, and what it stopped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readProc } from '../harness/metrics/proc.ts';

/** CPU seconds of each named process now (NaN where it cannot be read). */
export function cpuNow(procs: { name: string; pid: number }[]): Map<string, number> {
  return new Map(procs.map((p) => [p.name, readProc(p.pid)?.cpuSeconds ?? Number.NaN]));
}

/** This process's children that still run (with `zombies`, also those exited but not yet reaped): pid and command line. */
export function children(zombies = false): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && (zombies || state !== 'Z'))
        out.push({ pid: Number(d), args: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** This process's fleet workers (forked children running worker.ts, or its JavaScript copy: fleet/compile.ts). */
export function fleetWorkers(): { name: string; pid: number }[] {
  return children()
    .filter((c) => /fleet\/worker\.(js|ts)\b/.test(c.args))
    .map((c, i) => ({ name: `fleet-${i}`, pid: c.pid }));
}
