/**
 * Bench helpers: find this process's fleet workers and read processes' CPU from /proc (Linux), so
 * a bench can say how much of a core each part used in a phase.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readProc } from '../harness/metrics/proc.ts';

/** CPU seconds of each named process now (NaN where it cannot be read). */
export function cpuNow(procs: { name: string; pid: number }[]): Map<string, number> {
  return new Map(procs.map((p) => [p.name, readProc(p.pid)?.cpuSeconds ?? Number.NaN]));
}

/** This process's fleet workers (forked children running worker.ts, or its JavaScript copy: fleet/compile.ts). */
export function fleetWorkers(): { name: string; pid: number }[] {
  const out: { name: string; pid: number }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && /fleet\/worker\.(js|ts)\b/.test(readFileSync(`/proc/${d}/cmdline`, 'utf8')))
        out.push({ name: `fleet-${out.length}`, pid: Number(d) });
    } catch {
      /* gone */
    }
  }
  return out;
}
