/**
 * `chatstorm history` dumps a recorded history as NDJSON; a history in a format this version
 * cannot read is refused by name, exit 64, by `history` and by `report`. Seconds: no gateway.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION, MAGIC } from '../../harness/record/codec.ts';
import { eventsFile } from '../../harness/record/files.ts';
import { writeSyntheticHistory } from '../fixtures/synthetic-history.ts';
import { runCli } from './cli.ts';

function runFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chatstorm-history-'));
  const written = writeSyntheticHistory(join(dir, 'history'), {
    clients: 20,
    chatSize: 5,
    workers: 2,
    messagesPerClient: 3,
  });
  writeFileSync(join(dir, 'count'), String(written.records));
  return dir;
}

describe('chatstorm history', () => {
  it('prints every recorded event as one JSON object per line', async () => {
    const dir = runFolder();
    const r = await runCli(['history', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(Number(readFileSync(join(dir, 'count'), 'utf8')));
    expect(lines.filter((e) => e.k === 'recv')).toHaveLength(20 * 3 * 5);
    expect(lines.find((e) => e.k === 'ack')).toMatchObject({ c: 0, id: 'm0-0', seq: 1, mid: 'chat-0:1' });
  });

  it('refuses a history of a newer format with exit 64, naming the file and the versions (history and report)', async () => {
    const dir = runFolder();
    const file = eventsFile(join(dir, 'history'), 1);
    const bytes = readFileSync(file);
    bytes[MAGIC.length] = FORMAT_VERSION + 1;
    writeFileSync(file, bytes);
    const r = await runCli(['history', dir]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('events-1.rec: event format version 2; this chatstorm reads version 1');
    // report: the same refusal, before any report is written.
    const run = mkdtempSync(join(tmpdir(), 'chatstorm-history-report-'));
    mkdirSync(run, { recursive: true });
    cpSync(dir, run, { recursive: true });
    writeFileSync(
      join(run, 'plan.json'),
      JSON.stringify({
        policy: {},
        thresholds: {},
        settleMs: 2000,
        reconnectToleranceMs: 250,
        faults: [],
        target: { kind: 'local' },
      }),
    );
    const rep = await runCli(['report', run]);
    expect(rep.code).toBe(64);
    expect(rep.stderr).toContain('cannot read the recorded history');
  });
});
