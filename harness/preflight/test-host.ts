/** The host facts of this 2-core machine, for the preflight's tests (given, not read). */
import type { HostFacts } from './host.ts';

export const TEST_HOST: HostFacts = {
  openFiles: 20_000,
  ephemeralPorts: 28_232,
  portRange: [32_768, 60_999],
  memAvailableMb: 23_000,
  cpus: 2,
  sources: { openFiles: 'test', ephemeralPorts: 'test', memAvailableMb: 'test' },
};
