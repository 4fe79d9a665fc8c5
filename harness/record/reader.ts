/**
 * Reads a run's recorded history back from its folder. Used after every run and by
 * `chatstorm report`, also for a run that was interrupted: a torn last line is skipped.
 *
 *   history/roster.json       RosterEntry[]
 *   history/events-<w>.ndjson ClientEvent per line, one file per fleet process
 *   history/faults.json       FaultRecord[]
 *   history/samples.ndjson    GeneratorSample per line
 *   history/phases.json       Phases + drainComplete
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientEvent, FaultRecord, GeneratorSample, History, Phases, RosterEntry, StackSample } from './history.ts';

function ndjson<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      /* a line torn by a crash */
    }
  }
  return out;
}

function json<T>(file: string, fallback: T): T {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : fallback;
}

export function readHistory(historyDir: string): History {
  if (!existsSync(join(historyDir, 'roster.json'))) throw new Error(`no recorded history in ${historyDir} (roster.json missing)`);
  const roster = json<RosterEntry[]>(join(historyDir, 'roster.json'), []);
  const byClient: ClientEvent[][] = roster.map(() => []);
  for (const f of readdirSync(historyDir).filter((f) => /^events-\d+\.ndjson$/.test(f)).sort()) {
    for (const ev of ndjson<ClientEvent>(join(historyDir, f))) byClient[ev.c]?.push(ev);
  }
  // Each client's events come from one process in order; a stable sort keeps same-time order.
  for (const list of byClient) list.sort((a, b) => a.t - b.t);
  const samples = ndjson<GeneratorSample>(join(historyDir, 'samples.ndjson'));
  const stackSamples = ndjson<StackSample>(join(historyDir, 'stack-samples.ndjson'));
  const faults = json<FaultRecord[]>(join(historyDir, 'faults.json'), []);
  const p = json<Partial<Phases> & { drainComplete?: boolean }>(join(historyDir, 'phases.json'), {});
  const first = Math.min(...byClient.flatMap((l) => (l.length ? [l[0].t] : [])), Infinity);
  const last = Math.max(...byClient.flatMap((l) => (l.length ? [l[l.length - 1].t] : [])), -Infinity);
  const phases: Phases = {
    start: p.start ?? (Number.isFinite(first) ? first : 0),
    connected: p.connected ?? p.start ?? first,
    trafficStart: p.trafficStart ?? p.connected ?? first,
    trafficEnd: p.trafficEnd ?? last,
    drained: p.drained ?? last,
    end: p.end ?? last,
  };
  return { roster, byClient, faults, samples, stackSamples, phases, drainComplete: p.drainComplete ?? false };
}
