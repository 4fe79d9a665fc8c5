/**
 * --stack testcontainers: the gateway and Toxiproxy as Docker containers, started with
 * testcontainers-node, handed over as the same StartedStack as the local provider, so every
 * scenario runs unchanged.
 *
 * - The gateway is the user's image (--gateway-image) or the reference gateway's, built from
 *   gateway/Dockerfile on top of a Node image (chatstorm/node-base:24 when seeded, else node:24-slim).
 * - Toxiproxy is ghcr.io/shopify/toxiproxy:2.12.0. chatstorm talks to its API with
 *   toxiproxy-node-client, as with the local provider.
 * - Images present locally are never pulled (PullPolicy.defaultPolicy()); on an air-gapped host
 *   `npm run seed-images` builds them all (scripts/seed-images.ts).
 * - Network "host" (default): both containers share the host's loopback, where the harness is;
 *   the API and proxies listen on 127.0.0.1 ports picked here. Network "bridge": a user network
 *   of its own, the gateway reached by the proxy as "gateway:<port>", ports published to the host.
 * - Cleanup: Ryuk (testcontainers' reaper) is an image to pull, so it is off unless the user set
 *   TESTCONTAINERS_RYUK_DISABLED; every container and network carries chatstorm labels and is
 *   removed by stop(), and `chatstorm cleanup` removes what a crashed run left (cleanup.ts).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, statSync, type WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  GenericContainer,
  getContainerRuntimeClient,
  ImageName,
  PullPolicy,
  Wait,
  type ContainerRuntimeClient,
  type StartedTestContainer,
} from 'testcontainers';
import { Toxiproxy, type Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import type { DockerPlan, RunPlan } from '../config/plan.ts';
import type { RestartableGateway } from '../faults/types.ts';
import { freePort } from './ports.ts';
import type { RuntimeFailure } from './process.ts';
import { createProxy } from './toxiproxy.ts';
import { PROJECT_ROOT, TOXIPROXY_VERSION } from './toxiproxy-binary.ts';
import type { StartedStack } from './types.ts';

/** The image the Toxiproxy project publishes; seed-images builds one of the same name. */
export const TOXIPROXY_IMAGE = `ghcr.io/shopify/toxiproxy:${TOXIPROXY_VERSION.replace(/^v/, '')}`;
/** Node base built by seed-images from the local Node binary (docker import), for air-gapped hosts. */
export const NODE_BASE_IMAGE = 'chatstorm/node-base:24';
/** The base gateway/Dockerfile names by default; pulled on a normal Docker host. */
export const DEFAULT_NODE_IMAGE = 'node:24-slim';
/** Tag of the reference gateway's image, built from gateway/Dockerfile. */
export const REFERENCE_GATEWAY_IMAGE = 'chatstorm/gateway:local';
export const REFERENCE_GATEWAY_DOCKERFILE = 'gateway/Dockerfile';
/** The port gateway/main.ts listens on by default, and the --gateway-port default on a bridge network. */
export const DEFAULT_GATEWAY_PORT = 8083;

/** Every container and network chatstorm starts carries these labels. */
export const LABEL = 'chatstorm';
export const LABEL_RUN_ID = 'chatstorm.run-id';
/** "<hostname>/<pid>" of the harness process that started it: `chatstorm cleanup` spares live owners. */
export const LABEL_OWNER = 'chatstorm.owner';
/** One per started stack: teardown sweeps by it, so two runs with the same run id never touch each other. */
export const LABEL_SESSION = 'chatstorm.session';

/** The files images are built from (the project root is the context); .dockerignore filters them further. */
const BUILD_CONTEXT = ['gateway', 'node_modules/ws', 'node_modules/jose', 'test/mutants/gateways'];

const TOXIPROXY_API_PORT = 8474;
/** First proxy port inside the Toxiproxy container on a bridge network (as Testcontainers' own module). */
const BRIDGE_PROXY_PORT = 8666;

export class DockerUnavailableError extends Error {
  override name = 'DockerUnavailableError';
  /** What testcontainers said, without the advice around it. */
  readonly reason: string;
  constructor(reason: string) {
    super(
      `--stack testcontainers needs a Docker engine, and none answers (${reason}).\n` +
        `  Start one (e.g. \`dockerd &\` or Docker Desktop), or point DOCKER_HOST at it; see docs/docker.md.`,
    );
    this.reason = reason;
  }
}

/** Ryuk would be pulled from Docker Hub; chatstorm removes its containers itself. */
export function disableRyukUnlessSet(env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
}

/** The engine testcontainers finds (DOCKER_HOST, ~/.testcontainers.properties, the default socket…). */
export async function dockerClient(): Promise<ContainerRuntimeClient> {
  disableRyukUnlessSet();
  try {
    return await getContainerRuntimeClient();
  } catch (e) {
    throw new DockerUnavailableError((e as Error).message);
  }
}

export async function imageExists(client: ContainerRuntimeClient, image: string): Promise<boolean> {
  return client.image.exists(ImageName.fromString(image));
}

/** The Node image gateway/Dockerfile builds on: $CHATSTORM_NODE_IMAGE, else the seeded base when present, else node:24-slim. */
export async function gatewayBaseImage(client: ContainerRuntimeClient): Promise<string> {
  if (process.env.CHATSTORM_NODE_IMAGE) return process.env.CHATSTORM_NODE_IMAGE;
  return (await imageExists(client, NODE_BASE_IMAGE)) ? NODE_BASE_IMAGE : DEFAULT_NODE_IMAGE;
}

function contextFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) out.push(rel);
    }
  };
  for (const dir of BUILD_CONTEXT)
    if (statSync(join(PROJECT_ROOT, dir), { throwIfNoEntry: false })?.isDirectory()) walk(dir);
  return out;
}

export interface BuildOptions {
  /** Relative to the project root, which is the build context. */
  dockerfile: string;
  tag: string;
  buildArgs?: Record<string, string>;
  /** Receives the engine's build output, line by line. */
  log?: (line: string) => void;
}

/**
 * Builds an image from the project root with the engine's API (no docker CLI needed). Unlike
 * GenericContainer.fromDockerfile, a failed build is an error here, never a stale image of the same tag.
 */
export async function buildImage(client: ContainerRuntimeClient, o: BuildOptions): Promise<string> {
  const docker = client.container.dockerode;
  const src = [...new Set([o.dockerfile, ...contextFiles()])].map((f) => relative(PROJECT_ROOT, join(PROJECT_ROOT, f)));
  const stream = await docker.buildImage(
    { context: PROJECT_ROOT, src },
    { t: o.tag, dockerfile: o.dockerfile, buildargs: o.buildArgs ?? {} },
  );
  await new Promise<void>((resolve, reject) => {
    let failure: string | null = null;
    docker.modem.followProgress(
      stream,
      (err: Error | null) =>
        err
          ? reject(err)
          : failure
            ? reject(new Error(`docker build -f ${o.dockerfile} -t ${o.tag}: ${failure}`))
            : resolve(),
      (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error ?? 'build failed';
        for (const line of (event.stream ?? '').split('\n')) if (line.trim()) o.log?.(line.trimEnd());
      },
    );
  });
  const image = await docker.getImage(o.tag).inspect();
  return image.Id;
}

/** Builds the reference gateway's image (cached layers make a rebuild take about a second). */
export async function buildReferenceGateway(
  client: ContainerRuntimeClient,
  log?: (line: string) => void,
): Promise<string> {
  const base = await gatewayBaseImage(client);
  if (!(await imageExists(client, base)) && base === DEFAULT_NODE_IMAGE)
    log?.(`${base} is not present: the engine pulls it (air-gapped: npm run seed-images builds ${NODE_BASE_IMAGE})`);
  return buildImage(client, {
    dockerfile: REFERENCE_GATEWAY_DOCKERFILE,
    tag: REFERENCE_GATEWAY_IMAGE,
    buildArgs: { NODE_IMAGE: base },
    log,
  });
}

/** Containers (all states) with every one of these labels ("key=value" or "key"). */
export async function listContainers(client: ContainerRuntimeClient, labels: string[]) {
  return client.container.dockerode.listContainers({ all: true, filters: { label: labels } });
}

/** Removes (forcibly) every container carrying all these labels; returns their names. */
export async function removeContainers(client: ContainerRuntimeClient, labels: string[]): Promise<string[]> {
  const docker = client.container.dockerode;
  const found = await listContainers(client, labels);
  await Promise.all(
    found.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((e: { statusCode?: number }) => {
          // Already gone (404) or being removed (409) is what we want.
          if (e.statusCode !== 404 && e.statusCode !== 409) throw e;
        }),
    ),
  );
  return found.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
}

export async function removeNetworks(client: ContainerRuntimeClient, labels: string[]): Promise<string[]> {
  const docker = client.container.dockerode;
  const found = await docker.listNetworks({ filters: { label: labels } });
  await Promise.all(
    found.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404) throw e;
        }),
    ),
  );
  return found.map((n) => n.Name);
}

/**
 * The engine's API as a synchronous last resort: process.exit() (a second Ctrl-C) runs 'exit'
 * listeners synchronously and skips the teardown, so a child Node removes the session's containers
 * and network before this process ends. A unix socket or plain TCP only; for TLS or SSH engines
 * `chatstorm cleanup` is the way.
 */
const REMOVE_SESSION_SCRIPT = `
const http = require('node:http');
const [target, label] = JSON.parse(process.argv[1]);
const call = (method, path) => new Promise((resolve) => {
  const req = http.request({ ...target, method, path, timeout: 8000 }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); });
  req.on('error', () => resolve('[]'));
  req.on('timeout', () => req.destroy());
  req.end();
});
(async () => {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const containers = JSON.parse((await call('GET', '/containers/json?all=1&filters=' + filters)) || '[]');
  await Promise.all(containers.map((c) => call('DELETE', '/containers/' + c.Id + '?force=1&v=1')));
  const networks = JSON.parse((await call('GET', '/networks?filters=' + filters)) || '[]');
  await Promise.all(networks.map((n) => call('DELETE', '/networks/' + n.Id)));
})();
`;

function removeSessionSync(client: ContainerRuntimeClient, sessionLabel: string): void {
  const modem = client.container.dockerode.modem as {
    socketPath?: string;
    host?: string;
    port?: string | number;
    protocol?: string;
  };
  const target = modem.socketPath
    ? { socketPath: modem.socketPath }
    : modem.host && (modem.protocol ?? 'http') === 'http'
      ? { host: modem.host, port: Number(modem.port ?? 2375) }
      : null;
  if (!target) return;
  spawnSync(process.execPath, ['-e', REMOVE_SESSION_SCRIPT, JSON.stringify([target, sessionLabel])], {
    stdio: 'ignore',
    timeout: 10_000,
  });
}

/** A container of the stack: its log file, and an exit nobody asked for kept as a runtime failure. */
interface Member {
  name: 'gateway' | 'toxiproxy';
  container: StartedTestContainer;
  logFile: string;
  log: WriteStream;
  /** Set while an exit is expected (teardown, a gateway-restart fault). */
  expectingExit: boolean;
  /** The container's main process as this host sees it; 0 when the engine is not on this host. */
  pid: number;
  failures: RuntimeFailure[];
}

const now = () => performance.timeOrigin + performance.now();

function attachLogs(client: ContainerRuntimeClient, m: Member, since?: number): void {
  const container = client.container.getById(m.container.getId());
  void client.container.logs(container, since === undefined ? undefined : { since }).then((stream) => {
    stream.on('data', (d: string | Buffer) => m.log.write(d));
    // The log stream ends when the container stops: if nobody stopped it, it crashed.
    stream.on('end', () => void noteExit(client, m));
  });
}

async function noteExit(client: ContainerRuntimeClient, m: Member): Promise<void> {
  if (m.expectingExit) return;
  const state = await client.container
    .getById(m.container.getId())
    .inspect()
    .then(
      (i) => i.State,
      () => null,
    );
  if (m.expectingExit || state?.Running) return;
  const code = `${m.name}-exited`;
  if (m.failures.some((f) => f.code === code)) return;
  m.failures.push({
    code,
    message: `${m.name} container exited unexpectedly (exit code ${state?.ExitCode ?? '?'}${state?.OOMKilled ? ', out of memory' : ''}); see ${m.logFile}`,
    t: now(),
  });
}

/** Polls url until it answers 2xx; fails early, with the container's exit code, if the container stops. */
async function waitReady(
  client: ContainerRuntimeClient,
  m: Member,
  url: string,
  timeoutMs: number,
  hint = '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastInspect = 0;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - lastInspect > 500) {
      lastInspect = Date.now();
      const state = (await client.container.getById(m.container.getId()).inspect()).State;
      if (!state.Running)
        throw new Error(`${m.name} container exited during startup (exit code ${state.ExitCode}); see ${m.logFile}`);
    }
    if (Date.now() > deadline)
      throw new Error(`${m.name} container did not answer ${url} within ${timeoutMs} ms${hint}; see ${m.logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function containerName(runId: string, role: string): string {
  return `chatstorm-${runId.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 80)}-${role}-${randomBytes(3).toString('hex')}`;
}

/** Starts an image, turning "not present and could not be pulled" into advice for air-gapped hosts. */
async function startContainer(
  client: ContainerRuntimeClient,
  c: GenericContainer,
  image: string,
): Promise<StartedTestContainer> {
  const present = await imageExists(client, image);
  try {
    return await c.start();
  } catch (e) {
    if (present) throw e;
    const seeded =
      image === TOXIPROXY_IMAGE ? ` On an air-gapped host, \`npm run seed-images\` builds ${image} locally.` : '';
    throw new Error(`image ${image} is not present locally and could not be pulled: ${(e as Error).message}.${seeded}`);
  }
}

export async function startTestcontainersStack(
  plan: RunPlan,
  logDir: string,
  log?: (l: string) => void,
  signal?: AbortSignal,
): Promise<StartedStack> {
  if (plan.stack !== 'testcontainers' || !plan.docker)
    throw new Error('startTestcontainersStack needs a plan with stack "testcontainers"');
  const docker: DockerPlan = plan.docker;
  const client = await dockerClient();
  const session = randomBytes(8).toString('hex');
  const labels = {
    [LABEL]: 'true',
    [LABEL_RUN_ID]: plan.runId,
    [LABEL_SESSION]: session,
    [LABEL_OWNER]: `${hostname()}/${process.pid}`,
  };
  const members: Member[] = [];
  let networkName: string | null = null;
  let stopped = false;
  const onForcedExit = () => removeSessionSync(client, `${LABEL_SESSION}=${session}`);
  process.on('exit', onForcedExit);

  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    for (const m of members) await noteExit(client, m);
    for (const m of members) m.expectingExit = true;
    // The gateway gets SIGTERM and 5 s to close its sockets; Toxiproxy has nothing to save.
    await Promise.all(
      members.map((m) =>
        m.container.stop({ remove: true, timeout: m.name === 'gateway' ? 5_000 : 1_000 }).catch((e) => errors.push(e)),
      ),
    );
    // Whatever start() created before it failed, or a stop that did not remove, goes here.
    await removeContainers(client, [`${LABEL_SESSION}=${session}`]).catch((e) => errors.push(e));
    if (networkName) await removeNetworks(client, [`${LABEL_SESSION}=${session}`]).catch((e) => errors.push(e));
    for (const m of members) m.log.end();
    if (!errors.length) process.off('exit', onForcedExit);
    if (errors.length)
      throw new AggregateError(errors, `stack teardown failed: ${errors.map((e) => (e as Error).message).join('; ')}`);
  };
  const checkAbort = () => {
    if (signal?.aborted) throw new Error('interrupted while the stack was starting');
  };

  try {
    let gatewayImage = docker.gatewayImage;
    if (!gatewayImage) {
      log?.(`chatstorm: building ${REFERENCE_GATEWAY_IMAGE} from ${REFERENCE_GATEWAY_DOCKERFILE} …`);
      const buildLog = createWriteStream(join(logDir, 'gateway-build.log'));
      try {
        await buildReferenceGateway(client, (l) => buildLog.write(`${l}\n`));
      } finally {
        buildLog.end();
      }
      gatewayImage = REFERENCE_GATEWAY_IMAGE;
    }
    checkAbort();

    const host = docker.network === 'host';
    const gatewayPort = docker.gatewayPort ?? (host ? await freePort() : DEFAULT_GATEWAY_PORT);
    const apiPort = host ? await freePort() : TOXIPROXY_API_PORT;
    if (!host) {
      networkName = `chatstorm-${session}`;
      await client.network.create({ Name: networkName, Driver: 'bridge', CheckDuplicate: true, Labels: labels });
    }
    const place = (c: GenericContainer, alias: string, ...ports: number[]) =>
      host
        ? c.withNetworkMode('host')
        : c
            .withNetworkMode(networkName!)
            .withNetworkAliases(alias)
            .withExposedPorts(...ports);

    const gatewayContainer = place(new GenericContainer(gatewayImage), 'gateway', gatewayPort)
      .withName(containerName(plan.runId, 'gateway'))
      .withLabels({ ...labels, 'chatstorm.role': 'gateway' })
      .withPullPolicy(PullPolicy.defaultPolicy())
      .withEnvironment({
        PORT: String(gatewayPort),
        HOST: host ? '127.0.0.1' : '0.0.0.0',
        PING_INTERVAL_MS: String(plan.gateway.pingIntervalMs),
        HISTORY_LIMIT: String(plan.gateway.historyLimit),
        // The container's own filesystem outlives a restart of the container (gateway-restart faults).
        STATE_FILE: '/tmp/chatstorm-gateway-state.json',
        ...docker.gatewayEnv,
        JWT_SECRET: plan.jwtSecret,
      })
      // Readiness is polled below over /healthz, which works the same on the host network.
      .withWaitStrategy(
        host ? Wait.forListeningPorts() : Wait.forHttp('/healthz', gatewayPort).withStartupTimeout(30_000),
      );
    const proxyPorts = Array.from({ length: plan.proxies }, (_, i) => BRIDGE_PROXY_PORT + i);
    const toxiproxyContainer = place(
      new GenericContainer(TOXIPROXY_IMAGE),
      'toxiproxy',
      TOXIPROXY_API_PORT,
      ...proxyPorts,
    )
      .withName(containerName(plan.runId, 'toxiproxy'))
      .withLabels({ ...labels, 'chatstorm.role': 'toxiproxy' })
      .withPullPolicy(PullPolicy.defaultPolicy())
      .withCommand(['-host', host ? '127.0.0.1' : '0.0.0.0', '-port', String(apiPort)])
      // Per-connection info lines would be thousands per run.
      .withEnvironment({ LOG_LEVEL: 'warn' })
      .withWaitStrategy(host ? Wait.forListeningPorts() : Wait.forHttp('/version', TOXIPROXY_API_PORT));

    const member = (name: Member['name'], container: StartedTestContainer): Member => {
      const logFile = join(logDir, `${name}.log`);
      const m: Member = {
        name,
        container,
        logFile,
        log: createWriteStream(logFile, { flags: 'a' }),
        expectingExit: false,
        pid: 0,
        failures: [],
      };
      members.push(m);
      attachLogs(client, m);
      return m;
    };
    // Started one after the other: a failure then names the container that failed.
    const gw = member('gateway', await startContainer(client, gatewayContainer, gatewayImage));
    checkAbort();
    const tx = member('toxiproxy', await startContainer(client, toxiproxyContainer, TOXIPROXY_IMAGE));
    checkAbort();
    // On an engine on this host (its unix socket), containers are processes here too: the same
    // CPU and memory samples as the local stack's. A remote engine's pids mean nothing here.
    const localEngine = Boolean((client.container.dockerode.modem as { socketPath?: string }).socketPath);
    const notePid = async (m: Member) => {
      m.pid = localEngine ? ((await client.container.getById(m.container.getId()).inspect()).State.Pid ?? 0) : 0;
    };
    await Promise.all([notePid(gw), notePid(tx)]);

    const gatewayHost = host ? '127.0.0.1' : gw.container.getHost();
    const directUrl = () =>
      host ? `ws://127.0.0.1:${gatewayPort}` : `ws://${gatewayHost}:${gw.container.getMappedPort(gatewayPort)}`;
    const healthUrl = () => `${directUrl().replace(/^ws/, 'http')}/healthz`;
    const portHint =
      docker.gatewayImage && !docker.gatewayPort && host
        ? ` (the container got PORT=${gatewayPort}; if the image ignores PORT, give --gateway-port)`
        : '';
    await waitReady(client, gw, healthUrl(), 30_000, portHint);
    const apiUrl = host
      ? `http://127.0.0.1:${apiPort}`
      : `http://${tx.container.getHost()}:${tx.container.getMappedPort(TOXIPROXY_API_PORT)}`;
    await waitReady(client, tx, `${apiUrl}/version`, 15_000);
    checkAbort();

    const toxiproxy = new Toxiproxy(apiUrl);
    const proxies: ToxiproxyProxy[] = [];
    const proxyUrls: string[] = [];
    for (let i = 0; i < plan.proxies; i++) {
      if (host) {
        const p = await createProxy(toxiproxy, `gateway-${i}`, `127.0.0.1:${gatewayPort}`);
        proxies.push(p);
        proxyUrls.push(`ws://${p.listen}`);
      } else {
        proxies.push(
          await toxiproxy.createProxy({
            name: `gateway-${i}`,
            listen: `0.0.0.0:${proxyPorts[i]}`,
            upstream: `gateway:${gatewayPort}`,
          }),
        );
        proxyUrls.push(`ws://${tx.container.getHost()}:${tx.container.getMappedPort(proxyPorts[i])}`);
      }
    }

    let toxiproxyVersion = TOXIPROXY_VERSION;
    try {
      // Toxiproxy 2.x answers {"version": "2.12.0"}, which the client hands over as text.
      const v: unknown = await toxiproxy.getVersion();
      const parsed: unknown = typeof v === 'string' && v.trim().startsWith('{') ? JSON.parse(v) : v;
      const reported = String((parsed as { version?: unknown })?.version ?? parsed).trim();
      if (reported && !reported.includes('git'))
        toxiproxyVersion = reported.startsWith('v') ? reported : `v${reported}`;
    } catch {
      /* keep the pinned version */
    }
    const imageId = (await client.container.dockerode.getImage(gatewayImage).inspect()).Id;

    const gatewayRestart: RestartableGateway = {
      async kill() {
        gw.expectingExit = true;
        await client.container
          .getById(gw.container.getId())
          .kill({ signal: 'SIGKILL' })
          .catch((e: { statusCode?: number }) => {
            if (e.statusCode !== 409) throw e; // 409: not running any more
          });
        await client.container.getById(gw.container.getId()).wait();
      },
      async start() {
        const since = Math.floor(Date.now() / 1000);
        await client.container.getById(gw.container.getId()).start();
        attachLogs(client, gw, since);
        await notePid(gw);
        await waitReady(client, gw, healthUrl(), 30_000);
        gw.expectingExit = false;
      },
    };

    return {
      provider: 'testcontainers',
      gatewayUrl: proxyUrls[0],
      proxyUrls,
      get directUrl() {
        return directUrl();
      },
      toxiproxy,
      proxies,
      gateway: gatewayRestart,
      versions: {
        toxiproxy: `${toxiproxyVersion} (${TOXIPROXY_IMAGE})`,
        gateway: `${gatewayImage} (${imageId.replace(/^sha256:/, '').slice(0, 12)})`,
        network: docker.network,
      },
      logs: [...(docker.gatewayImage ? [] : [join(logDir, 'gateway-build.log')]), ...members.map((m) => m.logFile)],
      processes: () => members.filter((m) => m.pid > 0 && !m.expectingExit).map((m) => ({ name: m.name, pid: m.pid })),
      failures: () => members.flatMap((m) => m.failures),
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
  } catch (e) {
    await stopAll().catch((err) => log?.(`chatstorm: cleanup after a failed start: ${(err as Error).message}`));
    throw e;
  }
}
