/**
 * `chatstorm history <run-dir>`: a run's client events as NDJSON (one ClientEvent per line, the
 * previous format), file by file, in the order recorded. For reading a history with jq or grep.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { historyDir as historyOf, ROSTER_FILE } from './files.ts';
import { readRunRecord, scanEvents } from './reader.ts';

/** Writes every event through `write` (batched lines); returns how many. Accepts a run folder or its history/ folder. */
export function dumpHistory(dir: string, write: (text: string) => void): number {
  const historyDir = existsSync(join(dir, ROSTER_FILE)) ? dir : historyOf(dir);
  const rec = readRunRecord(historyDir);
  let n = 0;
  let batch: string[] = [];
  for (const f of rec.files) {
    scanEvents(
      f,
      () => true,
      (ev) => {
        n++;
        batch.push(JSON.stringify(ev));
        if (batch.length >= 10_000) {
          write(`${batch.join('\n')}\n`);
          batch = [];
        }
      },
    );
  }
  if (batch.length) write(`${batch.join('\n')}\n`);
  return n;
}
