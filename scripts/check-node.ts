/** Fails early, with a clear message, when npm scripts do not run on the project's own Node. */
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  console.error(
    `chatstorm needs Node >= 22.22 (found ${process.version} at ${process.execPath}). Run "npm ci" first: it installs Node 24 into node_modules.`,
  );
  process.exit(1);
}
