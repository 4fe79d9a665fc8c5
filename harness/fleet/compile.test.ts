import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledEntry } from './compile.ts';
import * as traffic from './traffic.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const WORKER = join(ROOT, 'harness', 'fleet', 'worker.ts');

describe('compiledEntry (the fleet worker as plain JavaScript)', () => {
  it('writes the whole graph stripped, with .js specifiers, under node_modules/.cache, and it behaves as the .ts', async () => {
    const entry = compiledEntry(WORKER, ROOT);
    expect(entry).toMatch(
      new RegExp(
        `node_modules\\${sep}\\.cache\\${sep}chatstorm-worker\\${sep}[0-9a-f]{16}\\${sep}harness\\${sep}fleet\\${sep}worker\\.js$`,
      ),
    );
    const dir = entry.slice(0, -join('harness', 'fleet', 'worker.js').length);
    // Static and dynamic imports both followed; type-only imports not.
    for (const f of [
      'harness/client/client.js',
      'harness/client/socketio-client.js',
      'harness/record/writer.js',
      'harness/fleet/traffic.js',
    ])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(existsSync(join(dir, 'harness/record/history.js'))).toBe(false);
    const js = readFileSync(entry, 'utf8');
    expect(js).not.toMatch(/from '\.{1,2}\/[^']+\.ts'/);
    expect(js).toMatch(/from '\.\.\/client\/client\.js'/);
    // Lines keep their positions (stack traces point at the same line of the source).
    expect(js.split('\n').length).toBe(readFileSync(WORKER, 'utf8').split('\n').length);
    const compiled = (await import(pathToFileURL(join(dir, 'harness/fleet/traffic.js')).href)) as typeof traffic;
    expect(compiled.messageContent(7, 12, 3, 40)).toBe(traffic.messageContent(7, 12, 3, 40));
    expect(compiled.sendPhase(7, 12, 10_000)).toBe(traffic.sendPhase(7, 12, 10_000));
    // The same sources give the same directory.
    expect(compiledEntry(WORKER, ROOT)).toBe(entry);
  });

  it('falls back to the .ts entry when the graph cannot be read', () => {
    const missing = join(ROOT, 'harness', 'fleet', 'no-such-worker.ts');
    expect(compiledEntry(missing, ROOT)).toBe(missing);
  });
});
