/**
 * A run folder's recorded history (docs/history.md):
 *
 *   history/roster.json          RosterEntry[]
 *   history/events-<w>.rec       ClientEvent records of fleet process w (codec.ts); older runs:
 *   history/events-<w>.ndjson    one ClientEvent per line (format 0, still read)
 *   history/faults.json          FaultRecord[]
 *   history/samples.ndjson       GeneratorSample per line
 *   history/stack-samples.ndjson StackSample per line
 *   history/host-samples.ndjson  HostSample per line (absent where PSI is not, and in older runs)
 *   history/phases.json          Phases + drainComplete
 *   history/routes.json          ClientRoutes: the proxy each client connected through (absent in older runs)
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const HISTORY_DIR = 'history';
export const ROSTER_FILE = 'roster.json';
export const FAULTS_FILE = 'faults.json';
export const SAMPLES_FILE = 'samples.ndjson';
export const STACK_SAMPLES_FILE = 'stack-samples.ndjson';
export const HOST_SAMPLES_FILE = 'host-samples.ndjson';
export const PHASES_FILE = 'phases.json';
export const ROUTES_FILE = 'routes.json';

export const historyDir = (runDir: string) => join(runDir, HISTORY_DIR);
export const eventsFile = (historyDir: string, worker: number) => join(historyDir, `events-${worker}.rec`);

export interface EventFile {
  worker: number;
  path: string;
  format: 'rec' | 'ndjson';
}

/** Every events file of a history folder, by worker. */
export function eventFiles(historyDir: string): EventFile[] {
  const out: EventFile[] = [];
  for (const f of readdirSync(historyDir)) {
    const m = /^events-(\d+)\.(rec|ndjson)$/.exec(f);
    if (m) out.push({ worker: Number(m[1]), path: join(historyDir, f), format: m[2] as 'rec' | 'ndjson' });
  }
  return out.sort((a, b) => a.worker - b.worker || a.format.localeCompare(b.format));
}
