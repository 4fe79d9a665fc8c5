/**
 * `chatstorm cleanup`: removes what crashed runs left behind. A run tears its stack down itself on
 * success, failure, Ctrl-C and SIGTERM; only a harness killed outright (SIGKILL, OOM, a machine
 * that went away) leaves anything, and then:
 *
 * - containers and networks labelled chatstorm=true (Ryuk, which would reap them, is off because it
 *   is an image to pull). A container whose owner (label chatstorm.owner, "<host>/<pid>") is a live
 *   process on this host belongs to a run in progress and is kept, unless --all.
 * - local Toxiproxy and gateway processes of this project whose harness died: they run in their
 *   own process groups (so a Ctrl-C reaches the harness first) and then outlive it. Only orphans
 *   (parent pid 1) whose executable or script lies in this project are stopped, so a running test
 *   elsewhere on the machine, or a Toxiproxy the user started, is never touched. Linux only (/proc).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, resolve, sep } from 'node:path';
import {
  type DockerUnavailableError,
  LABEL,
  LABEL_OWNER,
  LABEL_RUN_ID,
  dockerClient,
  listContainers,
} from './testcontainers.ts';
import { PROJECT_ROOT } from './toxiproxy-binary.ts';

export interface CleanupOptions {
  /** Also containers of runs whose harness is alive. Default false. */
  all?: boolean;
  /** Only what this run left. Default: every run. */
  runId?: string;
  /** List only. Default false. */
  dryRun?: boolean;
}

export interface CleanupResult {
  containers: string[];
  networks: string[];
  processes: { pid: number; command: string }[];
  /** Containers kept because their run is alive. */
  kept: string[];
  errors: string[];
}

function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const [host, pidText] = owner.split('/');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, but someone else's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function cleanup(o: CleanupOptions = {}, log: (line: string) => void = () => {}): Promise<CleanupResult> {
  const result: CleanupResult = { containers: [], networks: [], processes: [], kept: [], errors: [] };
  const verb = o.dryRun ? 'would remove' : 'removed';
  const labels = [`${LABEL}=true`, ...(o.runId ? [`${LABEL_RUN_ID}=${o.runId}`] : [])];

  let client: Awaited<ReturnType<typeof dockerClient>> | null = null;
  try {
    client = await dockerClient();
  } catch (e) {
    log(
      `chatstorm cleanup: no Docker engine answers, so no container was looked at (${(e as DockerUnavailableError).reason ?? (e as Error).message})`,
    );
  }
  if (client) {
    const docker = client.container.dockerode;
    const keptRuns = new Set<string>();
    for (const c of await listContainers(client, labels)) {
      const name = (c.Names[0] ?? c.Id).replace(/^\//, '');
      const runId = c.Labels[LABEL_RUN_ID] ?? '?';
      if (!o.all && ownerAlive(c.Labels[LABEL_OWNER])) {
        result.kept.push(name);
        keptRuns.add(runId);
        continue;
      }
      try {
        if (!o.dryRun) await docker.getContainer(c.Id).remove({ force: true, v: true });
        result.containers.push(name);
        log(`${verb} container ${name} (run ${runId}, ${c.State})`);
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) continue;
        result.errors.push(`container ${name}: ${(e as Error).message}`);
      }
    }
    for (const n of await docker.listNetworks({ filters: { label: labels } })) {
      if (!o.all && keptRuns.has(n.Labels?.[LABEL_RUN_ID] ?? '')) continue;
      try {
        if (!o.dryRun) await docker.getNetwork(n.Id).remove();
        result.networks.push(n.Name);
        log(`${verb} network ${n.Name}`);
      } catch (e) {
        const status = (e as { statusCode?: number }).statusCode;
        // 403: still in use by a container of a run that is alive.
        if (status !== 404 && status !== 403) result.errors.push(`network ${n.Name}: ${(e as Error).message}`);
      }
    }
    if (result.kept.length)
      log(
        `kept ${result.kept.length} container(s) of runs still in progress (${[...keptRuns].join(', ')}); --all removes them too`,
      );
  }

  // Local processes carry no run id: with --run-id, only containers are concerned.
  if (!o.runId) {
    const orphans = findOrphans();
    for (const p of orphans) {
      try {
        if (!o.dryRun) process.kill(-p.pid, 'SIGTERM');
        result.processes.push(p);
        log(`${o.dryRun ? 'would stop' : 'stopped'} process ${p.pid}: ${p.command}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH')
          result.errors.push(`process ${p.pid}: ${(e as Error).message}`);
      }
    }
    if (!o.dryRun && result.processes.length) {
      // A gateway gets a moment to close; then whatever is left of those groups is killed.
      await new Promise((r) => setTimeout(r, 2_000));
      for (const p of result.processes) {
        try {
          process.kill(-p.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  }
  if (!result.containers.length && !result.networks.length && !result.processes.length)
    log('chatstorm cleanup: nothing to remove');
  for (const e of result.errors) log(`error: ${e}`);
  return result;
}

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  argv: string[];
  exe: string;
  cwd: string;
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    let exe = '';
    let cwd = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      /* another user's process: exe and cwd unreadable */
    }
    return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), argv, exe, cwd };
  } catch {
    return null;
  }
}

const inProject = (path: string) => path === PROJECT_ROOT || path.startsWith(PROJECT_ROOT + sep);
const GATEWAY_SCRIPT = /(^|[\s/])(gateway\/main\.ts|test\/mutants\/gateways\/[\w.-]+\.ts)(\s|$)/;

/** Is this the Toxiproxy or a gateway a local stack of this project started? */
export function isProjectStackProcess(p: Pick<ProcInfo, 'argv' | 'exe' | 'cwd'>): boolean {
  // Toxiproxy installed into tools/bin by `npm run setup`.
  if (p.exe && inProject(p.exe) && /toxiproxy/.test(p.exe)) return true;
  // The reference gateway (node <root>/gateway/main.ts), a mutant, or a --gateway-cmd line naming
  // one; run by node or a shell, so that an editor open on gateway/main.ts never matches.
  if (!/^(node|nodejs|sh|bash|dash)$/.test(basename(p.exe || p.argv[0] || ''))) return false;
  const words = p.argv.flatMap((a) => a.split(/\s+/));
  return words.some((w) => GATEWAY_SCRIPT.test(w) && inProject(resolve(p.cwd || PROJECT_ROOT, w)));
}

/** Process-group leaders of this project's local stacks whose harness is gone (reparented to pid 1). */
export function findOrphans(): { pid: number; command: string }[] {
  if (process.platform !== 'linux') return [];
  const out: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = readProc(Number(entry));
    // Group leaders only: killing the group takes a --gateway-cmd's shell and its server together.
    if (p?.ppid !== 1 || p.pgid !== p.pid || p.pid === process.pid) continue;
    if (isProjectStackProcess(p)) out.push({ pid: p.pid, command: p.argv.join(' ') });
  }
  return out;
}

/** Used by tests: the processes of this project's stacks, orphaned or not. */
export function projectStackProcesses(): { pid: number; ppid: number; command: string }[] {
  if (process.platform !== 'linux') return [];
  const out: { pid: number; ppid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const p = readProc(Number(entry));
    if (p && isProjectStackProcess(p)) out.push({ pid: p.pid, ppid: p.ppid, command: p.argv.join(' ') });
  }
  return out;
}
