/** The process table as `ps` sees it: what a run started, and whether it is still running. */
import { execFileSync } from 'node:child_process';

export interface Proc {
  pid: number;
  ppid: number;
  stat: string;
  args: string;
}

export function processes(): Proc[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l)!;
      return { pid: Number(m[1]), ppid: Number(m[2]), stat: m[3], args: m[4] };
    });
}

/** Every live process below pid (children, grandchildren, …). */
export function descendants(pid: number): Proc[] {
  const all = processes();
  const out: Proc[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const c of all.filter((x) => x.ppid === p)) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** The given processes that still run (a zombie waiting for its reaper does not run). */
export function stillRunning(procs: Proc[]): Proc[] {
  const now = new Map(processes().map((p) => [p.pid, p]));
  return procs.filter((p) => {
    const q = now.get(p.pid);
    return q !== undefined && q.args === p.args && !q.stat.startsWith('Z');
  });
}

/** Waits until none of the given processes runs, or ms have passed; returns those still running. */
export async function settle(procs: Proc[], ms = 5_000): Promise<Proc[]> {
  const until = Date.now() + ms;
  let left = stillRunning(procs);
  while (left.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    left = stillRunning(procs);
  }
  return left;
}

/** Stops the given processes for good (SIGCONT first: a stopped process must be able to die). */
export function killAll(procs: Proc[]): void {
  for (const p of stillRunning(procs)) {
    for (const sig of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(p.pid, sig);
      } catch {
        /* gone */
      }
    }
  }
}
