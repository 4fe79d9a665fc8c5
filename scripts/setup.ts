/**
 * Installs what npm cannot: the Toxiproxy server (with go install, into tools/bin). Run by
 * `npm install`/`npm ci` as postinstall and by `npm run setup`. A missing Go is not fatal here:
 * chatstorm then explains at run time how to get Toxiproxy.
 */
import { findToxiproxy, installToxiproxy, ToxiproxyMissingError } from '../harness/stack/toxiproxy-binary.ts';

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
    if (process.argv.includes('--strict')) process.exit(1);
  }
}
