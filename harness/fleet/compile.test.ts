import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compiledEntry, markUsed, PRUNE_AFTER_MS, pruneCache } from './compile.ts';
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

describe('the cache is pruned of directories no run used for a day', () => {
  const HOUR = 3_600_000;
  /** A directory (with a file) whose mtime lies ageMs in the past. */
  const dirAged = (path: string, ageMs: number) => {
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'f.js'), '');
    const t = new Date(Date.now() - ageMs);
    utimesSync(path, t, t);
  };

  it('removes every other directory older than PRUNE_AFTER_MS, half-written ones too; keeps the current and the recent', () => {
    const cache = mkdtempSync(join(tmpdir(), 'chatstorm-worker-cache-'));
    dirAged(join(cache, 'aaaaaaaaaaaaaaaa'), 48 * HOUR); // the current hash: kept, however old
    dirAged(join(cache, 'bbbbbbbbbbbbbbbb'), PRUNE_AFTER_MS + HOUR);
    dirAged(join(cache, 'cccccccccccccccc'), PRUNE_AFTER_MS - HOUR);
    dirAged(join(cache, 'dddddddddddddddd.tmp-123-456'), PRUNE_AFTER_MS + HOUR);
    dirAged(join(cache, 'eeeeeeeeeeeeeeee.tmp-789-012'), 1_000);
    expect(pruneCache(cache, 'aaaaaaaaaaaaaaaa').sort()).toEqual(['bbbbbbbbbbbbbbbb', 'dddddddddddddddd.tmp-123-456']);
    expect(readdirSync(cache).sort()).toEqual(['aaaaaaaaaaaaaaaa', 'cccccccccccccccc', 'eeeeeeeeeeeeeeee.tmp-789-012']);
  });

  it('compiledEntry prunes when it writes a new directory, and a directory a run used lately survives the next change', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-compile-'));
    const entry = join(root, 'src', 'entry.ts');
    mkdirSync(dirname(entry), { recursive: true });
    writeFileSync(join(root, 'src', 'dep.ts'), 'export const x: number = 1;\n');
    writeFileSync(entry, "import { x } from './dep.ts';\nexport const y: number = x;\n");
    const cache = join(root, 'node_modules', '.cache', 'chatstorm-worker');
    dirAged(join(cache, '0000000000000000'), PRUNE_AFTER_MS + HOUR);
    dirAged(join(cache, '1111111111111111'), HOUR);

    const first = compiledEntry(entry, root);
    const firstHash = first.slice(cache.length + 1).split(sep)[0];
    expect(first).toBe(join(cache, firstHash, 'src', 'entry.js'));
    expect(readdirSync(cache).sort()).toEqual(['1111111111111111', firstHash].sort());

    // Unused for two days, then used by a run (a cache hit, or a fork of the fleet): its mtime is now.
    const twoDaysAgo = new Date(Date.now() - 48 * HOUR);
    utimesSync(join(cache, firstHash), twoDaysAgo, twoDaysAgo);
    expect(compiledEntry(entry, root)).toBe(first);
    expect(Date.now() - statSync(join(cache, firstHash)).mtimeMs).toBeLessThan(HOUR);
    utimesSync(join(cache, firstHash), twoDaysAgo, twoDaysAgo);
    markUsed(first);
    expect(Date.now() - statSync(join(cache, firstHash)).mtimeMs).toBeLessThan(HOUR);

    // A source change: a new directory; the one just used stays, as would a run's of another checkout.
    writeFileSync(join(root, 'src', 'dep.ts'), 'export const x: number = 2;\n');
    const second = compiledEntry(entry, root);
    expect(second).not.toBe(first);
    expect(readdirSync(cache)).toHaveLength(3);
    expect(existsSync(first)).toBe(true);
  });
});
