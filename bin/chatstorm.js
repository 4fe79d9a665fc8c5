#!/usr/bin/env node
// Entry point. Plain JS so that an old Node gets a clear message instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  console.error(
    `chatstorm needs Node >= 22.22 (this is ${process.version}). Run it through npm (npx chatstorm, npm run demo): npm ci installs Node 24 into node_modules.`,
  );
  process.exit(64);
}
await import('../harness/cli/main.ts');
