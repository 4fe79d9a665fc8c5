/**
 * Finding and installing the real Toxiproxy server. It is on neither npm nor apt, so the project
 * installs it with `go install` into the git-ignored tools/ folder. Lookup order at run time:
 * $TOXIPROXY_SERVER, then `toxiproxy-server` on PATH, then tools/bin/toxiproxy-server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TOXIPROXY_VERSION = 'v2.12.0';
export const TOXIPROXY_MODULE = `github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}`;
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const TOOLS_BIN = join(PROJECT_ROOT, 'tools', 'bin');
const LOCAL_BINARY = join(TOOLS_BIN, 'toxiproxy-server');

export class ToxiproxyMissingError extends Error {
  constructor(detail: string) {
    super(
      `Toxiproxy server not found (${detail}).\n` +
        `  chatstorm looks in $TOXIPROXY_SERVER, then for toxiproxy-server on PATH, then in ${LOCAL_BINARY}.\n` +
        `  Install it with Go (https://go.dev/dl/): npm run setup   (runs: GOBIN=tools/bin go install ${TOXIPROXY_MODULE})\n` +
        `  or download toxiproxy-server ${TOXIPROXY_VERSION} from https://github.com/Shopify/toxiproxy/releases and set TOXIPROXY_SERVER to its path.`,
    );
    this.name = 'ToxiproxyMissingError';
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The server binary to run, or null. */
export function findToxiproxy(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TOXIPROXY_SERVER) return executable(env.TOXIPROXY_SERVER) ? env.TOXIPROXY_SERVER : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'toxiproxy-server'))) return join(dir, 'toxiproxy-server');
  }
  return executable(LOCAL_BINARY) ? LOCAL_BINARY : null;
}

/** Installs the server into tools/bin with `go install`. Throws ToxiproxyMissingError when Go is missing or the install fails. */
export function installToxiproxy(log: (line: string) => void = () => {}): string {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0)
    throw new ToxiproxyMissingError('and Go is not installed, so it cannot be installed automatically');
  mkdirSync(TOOLS_BIN, { recursive: true });
  log(`installing Toxiproxy ${TOXIPROXY_VERSION} with go install into ${TOOLS_BIN} …`);
  try {
    execFileSync('go', ['install', TOXIPROXY_MODULE], {
      env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-modcacherw' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (e) {
    throw new ToxiproxyMissingError(`go install ${TOXIPROXY_MODULE} failed: ${(e as Error).message}`);
  }
  // go install names the binary after its package folder, "server".
  renameSync(join(TOOLS_BIN, 'server'), LOCAL_BINARY);
  writeFileSync(`${LOCAL_BINARY}.version`, `${TOXIPROXY_VERSION}\n`);
  return LOCAL_BINARY;
}

/** Finds the server, installing it when it is missing and Go is there. */
export function ensureToxiproxy(log?: (line: string) => void): string {
  return findToxiproxy() ?? installToxiproxy(log);
}

export function localToxiproxyInstalled(): boolean {
  return existsSync(LOCAL_BINARY);
}
