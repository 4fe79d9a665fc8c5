/**
 * The host's CPU, once a second: is something on this machine waiting for a core? Linux PSI
 * (`/proc/pressure/cpu`, "some … total=<µs>", cumulative) gives the share of wall time in which at
 * least one runnable task waited for a CPU; `/proc/stat` gives the runnable tasks at the sample
 * (procs_running, the sampler itself included) and the cores busy. A run's own processes are
 * sampled elsewhere (proc.ts, the fleet's samples): together they say who used the CPU.
 * Per-process schedstat is not used: it reads all zeros on kernels without schedstats.
 * Where PSI does not exist (not Linux, an old kernel, psi=0) nothing is sampled and the history
 * has no host entry: generator-health then says the host's CPU pressure was not measured.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { HostSample } from '../record/history.ts';

export const PSI_CPU_FILE = '/proc/pressure/cpu';

/** Cumulative µs in which some task waited for a CPU, or null where PSI is not there. */
export function readCpuPressureUs(file = PSI_CPU_FILE): number | null {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** procs_running and the busy/total jiffies of /proc/stat, or null. */
export function readProcStat(): { running: number; busy: number; total: number } | null {
  try {
    const text = readFileSync('/proc/stat', 'utf8');
    const cpu = /^cpu\s+(.*)$/m.exec(text)![1].trim().split(/\s+/).map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    // idle and iowait are not busy.
    const busy = total - cpu[3] - (cpu[4] ?? 0);
    const running = Number(/^procs_running (\d+)$/m.exec(text)![1]);
    return { running, busy, total };
  } catch {
    return null;
  }
}

/** Whether this host can be sampled; the reason when not. */
export function hostPressureAvailable(): { ok: true } | { ok: false; reason: string } {
  return readCpuPressureUs() === null
    ? { ok: false, reason: `${PSI_CPU_FILE} is not readable (no PSI on this host)` }
    : { ok: true };
}

/** Samples the host once a second; returns the stop function. Nothing is sampled without PSI. */
export function sampleHost(onSample: (s: HostSample) => void): () => void {
  if (readCpuPressureUs() === null) return () => {};
  const cores = availableParallelism();
  let last: { t: number; psi: number; stat: ReturnType<typeof readProcStat> } | null = null;
  const timer = setInterval(() => {
    const t = performance.timeOrigin + performance.now();
    const psi = readCpuPressureUs();
    const stat = readProcStat();
    if (psi === null) return;
    const prev = last;
    last = { t, psi, stat };
    if (!prev) return;
    const wallUs = (t - prev.t) * 1_000;
    const share = Math.min(1, Math.max(0, (psi - prev.psi) / wallUs));
    const busy =
      stat && prev.stat && stat.total > prev.stat.total
        ? ((stat.busy - prev.stat.busy) / (stat.total - prev.stat.total)) * cores
        : undefined;
    onSample({
      t,
      cpuSome: Math.round(share * 1_000) / 1_000,
      cores,
      ...(stat ? { running: stat.running } : {}),
      ...(busy !== undefined ? { busyCores: Math.round(busy * 100) / 100 } : {}),
    });
  }, 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
