/**
 * The preflight: before anything starts, the plan is sized to the host (how many Toxiproxy and
 * gateway processes) and checked against it. A plan that cannot fit is refused with exit 64,
 * naming each limit, the numbers and a remedy (docs/scale.md). The CPU the plan asks of the host is
 * estimated too (cpu.ts): a plan over the cores is not refused, but its notes say so before it starts
 * — unless --cpu-fit refuse, which refuses it like any other limit.
 */
import { ConfigError } from '../config/errors.ts';
import { shardShare, type RunPlan } from '../config/plan.ts';
import { checkFit, planLayout, type Layout } from './capacity.ts';
import { estimateCpu } from './cpu.ts';
import { readHost, type HostFacts } from './host.ts';

export class PreflightError extends ConfigError {
  constructor(problems: string[]) {
    super('the run cannot fit this host (nothing was started)', problems);
    this.name = 'PreflightError';
  }
}

/** The plan with its layout filled in, or a PreflightError. */
export function preflight(plan: RunPlan, host: HostFacts = readHost()): RunPlan & { layout: Layout } {
  // A shard (--shard i/n) holds its own share of the clients on this host, not the whole plan's.
  const share = shardShare(plan);
  const sized = { ...plan, clients: share.clients, authProbes: plan.authProbes.slice(0, share.probes) };
  const layout = planLayout(sized, host);
  const problems = checkFit(sized, layout, host).map((r) => `${r.limit}: ${r.detail}. Remedy: ${r.remedy}.`);
  const cpuEstimate = estimateCpu(sized, host.cpus);
  if (plan.cpuFit === 'refuse' && !cpuEstimate.fits)
    problems.push(...cpuEstimate.notes.map((n) => n.replace(/^CPU: /, `CPU (${host.cpus} cores; --cpu-fit refuse): `)));
  if (problems.length) throw new PreflightError(problems);
  return { ...plan, layout, cpuEstimate };
}
