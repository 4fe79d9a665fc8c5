/**
 * Seeds every image `--stack testcontainers` and docker-compose.yml use, from what is on this
 * machine, so that nothing is pulled: for air-gapped hosts and CI runners that reach no registry.
 *
 *   npm run seed-images            (npx node scripts/seed-images.ts [--force])
 *
 * 1. ghcr.io/shopify/toxiproxy:2.12.0: FROM scratch, the Toxiproxy server built with Go
 *    (CGO_ENABLED=0, so statically linked) from the module cache `npm run setup` filled, laid out as
 *    the official image is (/toxiproxy, ENTRYPOINT ["/toxiproxy"], CMD ["-host=0.0.0.0"]).
 * 2. chatstorm/node-base:24: `docker import` of a root filesystem holding only this Node binary,
 *    the shared libraries ldd lists for it, /etc/passwd and /etc/group (user "node", 1000) and /tmp.
 * 3. chatstorm/gateway:local: gateway/Dockerfile built on that base (the reference gateway).
 * 4. chatstorm/chatstorm:local: deploy/chatstorm.Dockerfile on that base with the Toxiproxy image's
 *    server: chatstorm itself, as the shards of deploy/kubernetes/ and examples/ci/ run it.
 *
 * An image already present is kept (it may be the real one, pulled earlier), unless --force.
 * Needs the docker CLI and an engine; Go only when the Toxiproxy image has to be built.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DEFAULT_NODE_IMAGE,
  NODE_BASE_IMAGE,
  REFERENCE_GATEWAY_DOCKERFILE,
  REFERENCE_GATEWAY_IMAGE,
  TOXIPROXY_IMAGE,
} from '../harness/stack/testcontainers.ts';
import { PROJECT_ROOT, TOOLS_BIN, TOXIPROXY_VERSION } from '../harness/stack/toxiproxy-binary.ts';

const force = process.argv.includes('--force');
/** chatstorm itself, as shards run it (deploy/kubernetes/, docker compose's `shard` service). */
const CHATSTORM_IMAGE = 'chatstorm/chatstorm:local';
const CHATSTORM_DOCKERFILE = 'deploy/chatstorm.Dockerfile';
const say = (line: string) => console.log(`seed-images: ${line}`);

function fail(message: string): never {
  console.error(`seed-images: ${message}`);
  process.exit(1);
}

function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: Buffer; cwd?: string } = {},
): string {
  const r = spawnSync(cmd, args, {
    env: opts.env ?? process.env,
    input: opts.input,
    cwd: opts.cwd ?? PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) fail(`${cmd} could not be started: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Streams a command's output to ours: builds take a while and say what they do. */
function runLoud(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  try {
    execFileSync(cmd, args, { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    fail(`${cmd} ${args.join(' ')} failed: ${(e as Error).message.split('\n')[0]}`);
  }
}

function imageLabel(image: string, label: string): string | null {
  const r = spawnSync('docker', ['image', 'inspect', '--format', `{{ index .Config.Labels "${label}" }}`, image], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

const imagePresent = (image: string) =>
  spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status === 0;

// --- the engine --------------------------------------------------------------------------------
const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
if (info.error) fail('the docker CLI is not installed (Debian/Ubuntu: apt-get install docker.io)');
if (info.status !== 0)
  fail(
    `no Docker engine answers: ${info.stderr.trim()}\n  start one (e.g. \`dockerd > /var/log/dockerd.log 2>&1 &\`) and run this again`,
  );
say(`Docker engine ${info.stdout.trim()}`);

// --- 1. Toxiproxy ------------------------------------------------------------------------------
const STATIC_TOXIPROXY = join(TOOLS_BIN, 'toxiproxy-server-static');
if (imagePresent(TOXIPROXY_IMAGE) && !force) {
  say(
    `${TOXIPROXY_IMAGE} present (${imageLabel(TOXIPROXY_IMAGE, 'chatstorm.seeded') === 'true' ? 'seeded earlier' : 'pulled'}), kept`,
  );
} else {
  const versionFile = `${STATIC_TOXIPROXY}.version`;
  const cached =
    existsSync(STATIC_TOXIPROXY) &&
    existsSync(versionFile) &&
    readFileSync(versionFile, 'utf8').trim() === TOXIPROXY_VERSION;
  if (!cached) {
    // The go-installed tools/bin/toxiproxy-server links libc (Go's net package uses cgo when it
    // can); FROM scratch needs a static one. Same module, same version, same flags as the release.
    if (spawnSync('go', ['version']).status !== 0)
      fail(
        `Go is needed to build the Toxiproxy image (${TOXIPROXY_IMAGE} is not present): https://go.dev/dl/ or apt-get install golang-go`,
      );
    const gobin = mkdtempSync(join(tmpdir(), 'chatstorm-toxiproxy-'));
    say(`building a static Toxiproxy server ${TOXIPROXY_VERSION} (CGO_ENABLED=0 go install) …`);
    runLoud(
      'go',
      [
        'install',
        '-trimpath',
        `-ldflags=-s -w -X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION.replace(/^v/, '')}`,
        `github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}`,
      ],
      {
        ...process.env,
        CGO_ENABLED: '0',
        GOBIN: gobin,
        GOFLAGS: '-modcacherw',
      },
    );
    mkdirSync(TOOLS_BIN, { recursive: true });
    // A rename across file systems (tmp is often tmpfs) fails: copy.
    copyFileSync(join(gobin, 'server'), STATIC_TOXIPROXY);
    chmodSync(STATIC_TOXIPROXY, 0o755);
    writeFileSync(versionFile, `${TOXIPROXY_VERSION}\n`);
    rmSync(gobin, { recursive: true, force: true });
  }
  const ctx = mkdtempSync(join(tmpdir(), 'chatstorm-toxiproxy-image-'));
  copyFileSync(STATIC_TOXIPROXY, join(ctx, 'toxiproxy'));
  chmodSync(join(ctx, 'toxiproxy'), 0o755);
  writeFileSync(
    join(ctx, 'Dockerfile'),
    [
      "# Seeded by chatstorm scripts/seed-images.ts: the official image's layout, built locally.",
      'FROM scratch',
      'EXPOSE 8474',
      'ENTRYPOINT ["/toxiproxy"]',
      'CMD ["-host=0.0.0.0"]',
      'ENV LOG_LEVEL=info',
      'COPY toxiproxy /toxiproxy',
      `LABEL chatstorm.seeded="true" org.opencontainers.image.version="${TOXIPROXY_VERSION.replace(/^v/, '')}"`,
      '',
    ].join('\n'),
  );
  say(`building ${TOXIPROXY_IMAGE} FROM scratch …`);
  runLoud('docker', ['build', '--quiet', '-t', TOXIPROXY_IMAGE, ctx]);
  rmSync(ctx, { recursive: true, force: true });
}

// --- 2. Node base ------------------------------------------------------------------------------
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor !== 24)
  fail(
    `${NODE_BASE_IMAGE} must hold Node 24, and this is ${process.version} (${process.execPath}); run through npm (npm run seed-images), which uses the project's Node 24`,
  );
if (
  imagePresent(NODE_BASE_IMAGE) &&
  !force &&
  imageLabel(NODE_BASE_IMAGE, 'chatstorm.node-version') === process.version
) {
  say(`${NODE_BASE_IMAGE} present (Node ${process.version}), kept`);
} else {
  const root = mkdtempSync(join(tmpdir(), 'chatstorm-rootfs-'));
  const place = (src: string, dest: string, mode?: number) => {
    mkdirSync(join(root, dirname(dest)), { recursive: true });
    copyFileSync(src, join(root, dest));
    if (mode !== undefined) chmodSync(join(root, dest), mode);
  };
  place(process.execPath, 'usr/local/bin/node', 0o755);
  // Debug symbols are a sixth of the binary; strip them when binutils is there.
  if (spawnSync('strip', ['--strip-all', join(root, 'usr/local/bin/node')]).status === 0)
    say('stripped the Node binary');
  // Every library the dynamic loader resolves for node, at the path it resolves it to ("=> /path"),
  // plus the loader itself (the line without "=>"); copyFileSync follows symbolic links.
  const libs = run('ldd', [process.execPath])
    .split('\n')
    .map((l) => /=>\s*(\/\S+)/.exec(l)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(l)?.[1])
    .filter((p): p is string => Boolean(p));
  if (!libs.some((l) => l.includes('ld-linux')))
    fail(`ldd ${process.execPath} named no dynamic loader; is this a glibc Linux?`);
  for (const lib of libs) place(lib, lib.slice(1));
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/home/node:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n',
  );
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n');
  mkdirSync(join(root, 'tmp'));
  chmodSync(join(root, 'tmp'), 0o1777);
  mkdirSync(join(root, 'home/node'), { recursive: true });
  mkdirSync(join(root, 'app'));
  const tarball = join(tmpdir(), `chatstorm-node-base-${process.pid}.tar`);
  run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tarball, '.']);
  say(`importing ${NODE_BASE_IMAGE} (Node ${process.version} and ${libs.length} libraries) …`);
  run('docker', [
    'import',
    '--change',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--change',
    `LABEL chatstorm.seeded="true" chatstorm.node-version="${process.version}"`,
    '--change',
    'CMD ["node"]',
    '--message',
    `chatstorm seed-images: Node ${process.version} from ${process.execPath}`,
    tarball,
    NODE_BASE_IMAGE,
  ]);
  rmSync(tarball, { force: true });
  rmSync(root, { recursive: true, force: true });
}
// The libraries ldd listed are all it needs: prove it before anything is built on it.
const probe = run('docker', [
  'run',
  '--rm',
  '--network',
  'none',
  NODE_BASE_IMAGE,
  'node',
  '-p',
  'process.version',
]).trim();
if (probe !== process.version) fail(`${NODE_BASE_IMAGE} runs Node ${probe}, expected ${process.version}`);
say(`${NODE_BASE_IMAGE} runs node ${probe}`);

// --- 3. The reference gateway ------------------------------------------------------------------
say(
  `building ${REFERENCE_GATEWAY_IMAGE} from ${REFERENCE_GATEWAY_DOCKERFILE} on ${NODE_BASE_IMAGE} (${DEFAULT_NODE_IMAGE} is not needed) …`,
);
runLoud('docker', [
  'build',
  '--quiet',
  '-f',
  REFERENCE_GATEWAY_DOCKERFILE,
  '--build-arg',
  `NODE_IMAGE=${NODE_BASE_IMAGE}`,
  '-t',
  REFERENCE_GATEWAY_IMAGE,
  '.',
]);

// --- 4. chatstorm itself (the shards' image) ------------------------------------------------------
say(`building ${CHATSTORM_IMAGE} from ${CHATSTORM_DOCKERFILE} on ${NODE_BASE_IMAGE} and ${TOXIPROXY_IMAGE} …`);
runLoud('docker', [
  'build',
  '--quiet',
  '-f',
  CHATSTORM_DOCKERFILE,
  '--build-arg',
  `NODE_IMAGE=${NODE_BASE_IMAGE}`,
  '--build-arg',
  `TOXIPROXY_IMAGE=${TOXIPROXY_IMAGE}`,
  '-t',
  CHATSTORM_IMAGE,
  '.',
]);
const version = run('docker', ['run', '--rm', '--network', 'none', CHATSTORM_IMAGE, 'merge', '--help']);
if (!version.includes('--out')) fail(`${CHATSTORM_IMAGE} does not run chatstorm: ${version}`);

for (const image of [TOXIPROXY_IMAGE, NODE_BASE_IMAGE, REFERENCE_GATEWAY_IMAGE, CHATSTORM_IMAGE]) {
  const size = run('docker', ['image', 'inspect', '--format', '{{.Size}}', image]).trim();
  say(`ready: ${image} (${(Number(size) / 1e6).toFixed(0)} MB)`);
}
