/**
 * What this host allows, read before a run starts: open files per process, the ephemeral port
 * range, free memory, cores. Linux /proc; elsewhere the conservative defaults below apply and
 * are named as assumed in the preflight's messages.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { openFileLimit } from './limits.ts';

export interface HostFacts {
  /** Open files a process we start may hold (the hard limit: Node and Go raise their soft limit to it). */
  openFiles: number;
  /** Ephemeral ports per (source address, destination address and port): hi − lo + 1. */
  ephemeralPorts: number;
  portRange: [number, number];
  memAvailableMb: number;
  cpus: number;
  /** Where each figure came from (for the messages). */
  sources: Record<'openFiles' | 'ephemeralPorts' | 'memAvailableMb', string>;
}

export function readHost(): HostFacts {
  const sources = {
    openFiles: '/proc/self/limits (Max open files, hard)',
    ephemeralPorts: '/proc/sys/net/ipv4/ip_local_port_range',
    memAvailableMb: '/proc/meminfo MemAvailable',
  };
  const openFiles = openFileLimit('self');
  let portRange: [number, number] = [32768, 60999];
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) portRange = [lo, hi];
  } catch {
    sources.ephemeralPorts = 'assumed 32768–60999 (no /proc)';
  }
  let memAvailableMb = 1024;
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) memAvailableMb = Math.floor(Number(m[1]) / 1024);
  } catch {
    sources.memAvailableMb = 'assumed 1024 MB (no /proc)';
  }
  if (openFiles === null) sources.openFiles = 'assumed 1024 (no /proc)';
  return {
    openFiles: openFiles ?? 1024,
    ephemeralPorts: portRange[1] - portRange[0] + 1,
    portRange,
    memAvailableMb,
    cpus: availableParallelism(),
    sources,
  };
}
