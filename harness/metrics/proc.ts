/**
 * CPU and memory of a process from /proc (Linux), so a run can show what the load did to the
 * gateway and to Toxiproxy. Elsewhere it returns null and the report simply has no such series.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface ProcReading {
  cpuSeconds: number;
  rssBytes: number /** Process state letter: R, S, T (stopped)… */;
  state: string;
}

export function readProc(pid: number): ProcReading | null {
  try {
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssBytes: rssPages * PAGE_BYTES, state };
  } catch {
    return null;
  }
}

/** Samples named processes once a second; each sample is CPU over the last second (fraction of one core) and RSS. */
export function sampleProcesses<E extends object = object>(
  list: () => { name: string; pid: number }[],
  onSample: (s: { t: number; name: string; cpu: number; rssMb: number } & E) => void,
  extra: (name: string, pid: number, r: ProcReading) => E = () => ({}) as E,
): () => void {
  const last = new Map<string, { t: number; cpu: number; pid: number }>();
  const timer = setInterval(() => {
    const t = performance.timeOrigin + performance.now();
    for (const { name, pid } of list()) {
      const r = readProc(pid);
      if (!r) continue;
      const prev = last.get(name);
      last.set(name, { t, cpu: r.cpuSeconds, pid });
      // A restarted process starts its CPU count again: skip the first reading of each pid.
      if (!prev || prev.pid !== pid) continue;
      onSample({
        t,
        name,
        cpu: Math.round(((r.cpuSeconds - prev.cpu) / ((t - prev.t) / 1_000)) * 1_000) / 1_000,
        rssMb: Math.round(r.rssBytes / 1e5) / 10,
        ...extra(name, pid, r),
      });
    }
  }, 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
