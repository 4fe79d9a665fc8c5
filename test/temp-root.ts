/**
 * vitest globalSetup: every temporary file of one `vitest run` goes under one folder, removed at
 * the end. Tests write run folders, histories and logs with `mkdtemp(tmpdir())`, and the chatstorm
 * processes, gateways and Toxiproxy servers they start inherit TMPDIR; without this a full suite
 * leaves a few hundred folders in /tmp each time it runs. Keep them for a post-mortem with
 * CHATSTORM_KEEP_TEST_TMP=1 (the folder is then printed).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'chatstorm-test-'));
  // Traversable by other users, as /tmp is: the chatstorm image runs as user node (1000) and writes
  // into folders the tests create below this one (mkdtemp makes it 0700).
  chmodSync(root, 0o755);
  // Set before the test workers start, so they and everything they spawn inherit it.
  process.env.TMPDIR = root;
  return () => {
    if (process.env.CHATSTORM_KEEP_TEST_TMP) {
      console.log(`chatstorm: the tests' temporary files are kept in ${root}`);
      return;
    }
    rmSync(root, { recursive: true, force: true });
  };
}
