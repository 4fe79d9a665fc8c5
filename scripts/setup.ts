/**
 * Installs what npm cannot, with go install into tools/bin: the Toxiproxy server (chatstorm needs
 * it) and actionlint (the tests lint examples/ci/github-actions.yml with it). Run by
 * `npm install`/`npm ci` as postinstall and by `npm run setup`. A missing Go is not fatal here:
 * chatstorm then explains at run time how to get Toxiproxy; with --strict (CI) it is.
 *
 * It also links node_modules/.bin/chatstorm to bin/chatstorm.js: npm links the bins of
 * dependencies, never the project's own, and `npx chatstorm` run where npm does not see this
 * package.json as the project (a folder with a package.json of its own below this one) then looks
 * for `chatstorm` on the public registry (404). With the link, npx finds it locally, offline.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  findToxiproxy,
  installToxiproxy,
  TOOLS_BIN,
  ToxiproxyMissingError,
} from '../harness/stack/toxiproxy-binary.ts';

const strict = process.argv.includes('--strict');

const link = join(import.meta.dirname, '..', 'node_modules', '.bin', 'chatstorm');
const target = join('..', '..', 'bin', 'chatstorm.js');
let current: string | null = null;
try {
  if (lstatSync(link).isSymbolicLink()) current = readlinkSync(link);
  else current = '(not a link)';
} catch {
  /* absent */
}
if (current !== target) {
  try {
    if (current !== null) unlinkSync(link);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link);
    console.log(`chatstorm setup: linked ${link} -> ${target}`);
  } catch (e) {
    // Not fatal: `npm run chatstorm -- …` works without it.
    console.warn(
      `chatstorm setup: warning: could not link ${link} (${(e as Error).message}); use npm run chatstorm -- …`,
    );
  }
}

const found = findToxiproxy();
if (found) {
  console.log(`chatstorm setup: Toxiproxy server found at ${found}`);
} else {
  try {
    const path = installToxiproxy((l) => console.log(`chatstorm setup: ${l}`));
    console.log(`chatstorm setup: Toxiproxy server installed at ${path}`);
  } catch (e) {
    if (!(e instanceof ToxiproxyMissingError)) throw e;
    console.warn(`chatstorm setup: warning: ${e.message}`);
    if (strict) process.exit(1);
  }
}

/** Pinned: the version test/ci/workflows.test.ts was written against. */
export const ACTIONLINT_MODULE = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';
const actionlint = join(TOOLS_BIN, 'actionlint');
if (existsSync(actionlint)) {
  console.log(`chatstorm setup: actionlint found at ${actionlint}`);
} else {
  mkdirSync(TOOLS_BIN, { recursive: true });
  console.log(`chatstorm setup: installing ${ACTIONLINT_MODULE} with go install into ${TOOLS_BIN} …`);
  const r = spawnSync('go', ['install', ACTIONLINT_MODULE], {
    env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-modcacherw' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.error || r.status !== 0) {
    console.warn(
      `chatstorm setup: warning: could not install actionlint (${r.error?.message ?? `go exit ${r.status}`}); the workflow lint test needs it`,
    );
    if (strict) process.exit(1);
  }
}
