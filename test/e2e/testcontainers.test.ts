/**
 * --stack testcontainers end to end: a real Docker engine, the reference gateway's image and the
 * Toxiproxy image as real containers on the host network, real sockets. The same scenario passes
 * as on the local provider, and the drop-broadcast mutant, as an image, fails on the same check
 * as in mutant-gateways.test.ts. Images are seeded locally first: nothing is pulled.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicPlan, resolvePlan, validateScenario } from '../../harness/config/plan.ts';
import {
  buildImage,
  buildReferenceGateway,
  dockerClient,
  listContainers,
  REFERENCE_GATEWAY_IMAGE,
} from '../../harness/stack/testcontainers.ts';
import { checkOf, expectPassOrInstrument, ROOT, runCli } from './cli.ts';
import {
  composeCommand,
  containersOfRun,
  engine,
  ensureSeeded,
  requireEngine,
  skipDocker,
  startCli,
  uniqueRunId,
} from './docker.ts';

const MUTANT_IMAGE = 'chatstorm/mutant-drop-broadcast:test';

describe('--stack testcontainers: bad input stops before anything starts (no engine needed)', () => {
  it('names the flag and the value, and exits 64', async () => {
    const cases: [string[], string][] = [
      [['--stack', 'docker'], '--stack: expected "local" or "testcontainers" (got "docker")'],
      [
        ['--stack', 'testcontainers', '--gateway-env', 'NOEQUALS'],
        '--gateway-env: expected KEY=VALUE with KEY a variable name (got "NOEQUALS")',
      ],
      [
        ['--stack', 'testcontainers', '--docker-network', 'overlay'],
        '--docker-network: expected "host" or "bridge" (got "overlay")',
      ],
      [
        ['--stack', 'testcontainers', '--gateway-port', '70000'],
        '--gateway-port: expected a port number 1-65535 (got 70000)',
      ],
      [
        ['--gateway-image', 'x:1', '--gateway-cmd', 'node gateway/main.ts'],
        '--gateway-cmd starts a local process; with --stack testcontainers name an image with --gateway-image',
      ],
      [
        ['--stack', 'testcontainers', '--target', 'ws://127.0.0.1:1'],
        '--target and --stack testcontainers exclude each other',
      ],
      [['--stack', 'local', '--gateway-image', 'x:1'], '--gateway-image only applies with --stack testcontainers'],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', ...flags]);
      expect(r.code, `${flags.join(' ')}\n${r.stderr}`).toBe(64);
      expect(r.stderr).toContain(message);
    }
  });

  it('never repeats a JWT_SECRET given through --gateway-env', async () => {
    const r = await runCli([
      'run',
      'scenarios/network-cut.ts',
      '--profile',
      'small',
      '--stack',
      'testcontainers',
      '--gateway-env',
      'JWT_SECRET=hunter2-do-not-print',
    ]);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('JWT_SECRET is always set from --jwt-secret');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('a scenario chooses the stack with `stack`; the flag overrides it; container env values stay out of reports', () => {
    const scenario = validateScenario({ name: 'in-docker', stack: 'testcontainers' }, 'in-docker.ts');
    const plan = resolvePlan(scenario, { scenarioFile: 'in-docker.ts', gatewayEnv: ['DB_PASSWORD=s3cret', 'EMPTY='] });
    expect(plan.stack).toBe('testcontainers');
    expect(plan.docker).toEqual({
      gatewayImage: null,
      gatewayPort: null,
      gatewayEnv: { DB_PASSWORD: 's3cret', EMPTY: '' },
      network: 'host',
    });
    expect(JSON.stringify(publicPlan(plan))).not.toContain('s3cret');
    expect(resolvePlan(scenario, { scenarioFile: 'in-docker.ts', stack: 'local' }).docker).toBeNull();
    expect(
      resolvePlan(validateScenario({ name: 'x' }, 'x.ts'), { scenarioFile: 'x.ts', gatewayImage: 'me/gw:1' }).stack,
    ).toBe('testcontainers');
    expect(() => validateScenario({ name: 'x', stack: 'docker' }, 'x.ts')).toThrow(
      /stack: Invalid option: expected one of "local"\|"testcontainers"/,
    );
  });

  it('--help documents the Docker flags and the cleanup command', async () => {
    const r = await runCli(['run', '--help']);
    for (const flag of ['--stack', '--gateway-image', '--gateway-port', '--gateway-env', '--docker-network'])
      expect(r.stdout).toContain(flag);
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('cleanup');
  });
});

describe.skipIf(skipDocker)('--stack testcontainers on a real Docker engine', () => {
  beforeAll(async () => {
    // Without an engine (only in CI, else the suite is skipped) each test fails on its own first line.
    if (engine.ok) await ensureSeeded();
  }, 300_000);

  afterAll(async () => {
    if (!engine.ok) return;
    const client = await dockerClient();
    await client.container.dockerode
      .getImage(MUTANT_IMAGE)
      .remove({ force: true })
      .catch(() => {});
  });

  it('the network-cut scenario passes with the reference gateway image behind containerised Toxiproxy', async () => {
    requireEngine();
    const runId = uniqueRunId('tc-pass');
    const r = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--stack', 'testcontainers'], {
      runId,
    });
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    // pass, or inconclusive naming the instrument or the host's CPU (a loaded shared machine); never fail.
    const passed = expectPassOrInstrument(s, r.code);
    expect(s.target.provider).toBe('testcontainers');
    expect(s.target.versions.gateway).toContain(REFERENCE_GATEWAY_IMAGE);
    expect(s.target.versions.toxiproxy).toMatch(/^v2\.12\.0 \(ghcr\.io\/shopify\/toxiproxy:2\.12\.0\)$/);
    // All on loopback: the proxy and the gateway listen on the host network's 127.0.0.1.
    expect(s.target.gatewayUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const d = checkOf(s, 'delivery');
    expect(d.verdict).toBe('pass');
    expect(d.counts.deliveredOnResume).toBeGreaterThan(0);
    if (passed) expect(checkOf(s, 'reconnect').verdict).toBe('pass');
    // The containers wrote their logs into the run folder, and are gone.
    expect(existsSync(join(r.runDir, 'logs', 'gateway.log'))).toBe(true);
    expect(existsSync(join(r.runDir, 'logs', 'toxiproxy.log'))).toBe(true);
    // The engine is on this host: the containers' processes were sampled like local ones.
    expect(new Set((s.metrics.stack ?? []).map((x) => x.name))).toEqual(new Set(['gateway', 'toxiproxy']));
    expect(await containersOfRun(runId)).toEqual([]);
  }, 180_000);

  it('a mutant gateway image that drops some broadcasts fails delivery with lost messages, as on the local stack', async () => {
    requireEngine();
    const client = await dockerClient();
    await buildReferenceGateway(client);
    await buildImage(client, {
      dockerfile: 'test/mutants/gateways/Dockerfile.drop-broadcast',
      tag: MUTANT_IMAGE,
      buildArgs: { GATEWAY_IMAGE: REFERENCE_GATEWAY_IMAGE },
    });
    const runId = uniqueRunId('tc-mutant');
    const r = await runCli(
      [
        'run',
        'scenarios/network-cut.ts',
        '--profile',
        'small',
        '--stack',
        'testcontainers',
        '--gateway-image',
        MUTANT_IMAGE,
      ],
      { runId },
    );
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    // The same assertions as the local-stack test of this mutant (mutant-gateways.test.ts).
    expect(r.code).toBe(1);
    expect(s.verdict).toBe('fail');
    const d = checkOf(s, 'delivery');
    expect(d.verdict).toBe('fail');
    expect(d.counts.lost).toBeGreaterThan(0);
    const lost = d.examples.find((e) => e.category === 'lost')!;
    expect(lost.message).toMatch(/^m\d+-\d+$/);
    expect(lost.client).toBeTypeOf('number');
    expect(checkOf(s, 'no-fallback').verdict).toBe('pass');
    expect(s.target.versions.gateway).toContain(MUTANT_IMAGE);
    expect(await containersOfRun(runId)).toEqual([]);
  }, 180_000);

  it('a gateway image that exits at start is a clear error, and leaves no container', async () => {
    requireEngine();
    // The reference image with a bad setting: gateway/main.ts exits 64 at once (EX_USAGE).
    const runId = uniqueRunId('tc-bad');
    const r = await runCli(
      [
        'run',
        'scenarios/network-cut.ts',
        '--profile',
        'small',
        '--gateway-image',
        REFERENCE_GATEWAY_IMAGE,
        '--gateway-env',
        'PING_INTERVAL_MS=soon',
      ],
      { runId },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.summary!.verdict).toBe('error');
    expect(r.summary!.runtimeErrors.map((e) => e.message).join('\n')).toMatch(
      /gateway container exited during startup \(exit code 64\)/,
    );
    expect(await containersOfRun(runId)).toEqual([]);
  }, 120_000);

  it('a gateway container that dies mid-run is a runtime failure with its exit code, as a local gateway process is', async () => {
    requireEngine();
    const runId = uniqueRunId('tc-crash');
    const cli = startCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--stack', 'testcontainers'], runId);
    await cli.waitFor(/\[traffic/, 120_000);
    const client = await dockerClient();
    const [gateway] = await listContainers(client, [`chatstorm.run-id=${runId}`, 'chatstorm.role=gateway']);
    await client.container.dockerode.getContainer(gateway.Id).kill({ signal: 'SIGKILL' });
    // The run notices on its own and stops as error (it no longer runs on to the drain timeout).
    expect((await cli.exited).code, cli.stderr()).toBe(3);
    expect(cli.stderr()).toContain('gateway-exited: stopping the run');
    const run = JSON.parse(readFileSync(join(cli.runDir, 'run.json'), 'utf8')) as {
      runtimeErrors: { code: string; message: string }[];
    };
    const crash = run.runtimeErrors.find((e) => e.code === 'gateway-exited');
    expect(crash?.message, JSON.stringify(run.runtimeErrors)).toMatch(
      /^gateway container exited unexpectedly \(exit code 137\); see .*gateway\.log$/,
    );
    expect(run.runtimeErrors.some((e) => e.code === 'toxiproxy-exited')).toBe(false);
    expect(await containersOfRun(runId)).toEqual([]);
  }, 120_000);
});

const compose = skipDocker ? null : composeCommand();
if (!skipDocker && !compose)
  console.warn('\n  ⚠ docker-compose.yml test SKIPPED: neither `docker compose` nor `docker-compose` is installed\n');

describe.skipIf(skipDocker || (!compose && !process.env.CI))('docker-compose.yml', () => {
  it('starts the gateway behind Toxiproxy with the proxy from its -config file, on loopback', async () => {
    requireEngine();
    if (!compose) throw new Error('CI is set, but neither `docker compose` nor `docker-compose` is installed');
    await ensureSeeded();
    const project = `chatstorm-test-${process.pid}`;
    const dc = (...args: string[]) =>
      spawnSync(compose[0], [...compose.slice(1), '-p', project, ...args], { cwd: ROOT, encoding: 'utf8' });
    try {
      const up = dc('up', '-d');
      expect(up.status, up.stderr).toBe(0);
      const deadline = Date.now() + 30_000;
      let health = '';
      while (Date.now() < deadline) {
        health = await fetch('http://127.0.0.1:18083/healthz').then(
          (res) => res.text(),
          () => '',
        );
        if (health) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      expect(health).toContain('"ok":true');
      const proxies = (await (await fetch('http://127.0.0.1:8474/proxies')).json()) as Record<
        string,
        { upstream: string }
      >;
      expect(proxies.gateway.upstream).toBe('127.0.0.1:8083');
      // A cut through the API really cuts: the proxied health check fails, the direct one does not.
      await fetch('http://127.0.0.1:8474/proxies/gateway', {
        method: 'POST',
        body: JSON.stringify({ enabled: false }),
      });
      await expect(fetch('http://127.0.0.1:18083/healthz', { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
      expect((await fetch('http://127.0.0.1:8083/healthz')).ok).toBe(true);
    } finally {
      dc('down', '--timeout', '2');
    }
    expect(dc('ps', '-q').stdout.trim()).toBe('');
  }, 120_000);
});
