/**
 * The default provider: the gateway and Toxiproxy as local processes on loopback. The gateway is
 * the reference gateway (`node gateway/main.ts`; for protocol socket.io the example Socket.IO
 * gateway, examples/gateways/socketio/main.ts) unless a command is given (--gateway-cmd), which
 * then receives PORT, HOST, JWT_SECRET, PING_INTERVAL_MS, HISTORY_LIMIT and STATE_FILE in its
 * environment and must answer GET /healthz.
 */
import { join } from 'node:path';
import type { RunPlan } from '../config/plan.ts';
import type { RestartableGateway } from '../faults/types.ts';
import { freePort } from './ports.ts';
import { spawnManaged, type ManagedProcess, type RuntimeFailure, type SpawnOptions } from './process.ts';
import { createProxy, startToxiproxy } from './toxiproxy.ts';
import { PROJECT_ROOT } from './toxiproxy-binary.ts';
import type { StartedStack } from './types.ts';

export async function startLocalStack(plan: RunPlan, logDir: string, log?: (l: string) => void): Promise<StartedStack> {
  if (plan.target.kind !== 'local') throw new Error('startLocalStack needs a local target');
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const s of started.reverse()) await s.stop().catch((e) => errors.push(e));
    if (errors.length) throw new AggregateError(errors, 'stack teardown failed');
  };
  try {
    const port = await freePort();
    const command = plan.target.gatewayCommand;
    const bundled = plan.protocol === 'socket.io' ? join('examples', 'gateways', 'socketio', 'main.ts') : join('gateway', 'main.ts');
    const spawnOptions: SpawnOptions = {
      name: 'gateway',
      command: command ? '/bin/sh' : process.execPath,
      args: command ? ['-c', command.join(' ')] : [join(PROJECT_ROOT, bundled)],
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: plan.jwtSecret,
        PING_INTERVAL_MS: String(plan.gateway.pingIntervalMs),
        HISTORY_LIMIT: String(plan.gateway.historyLimit),
        // Seq marks survive a planned restart, so resume across it yields a gap, not a skip.
        STATE_FILE: join(logDir, 'gateway-state.json'),
      },
      logFile: join(logDir, 'gateway.log'),
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    };
    // Every incarnation of the gateway: a restart fault kills one and starts the next.
    const incarnations: ManagedProcess[] = [await spawnManaged(spawnOptions)];
    const current = () => incarnations[incarnations.length - 1];
    started.push({ stop: () => current().stop() });
    const gateway: RestartableGateway = {
      kill: () => current().kill(),
      async start() {
        incarnations.push(await spawnManaged(spawnOptions));
      },
    };
    const toxi = await startToxiproxy(logDir, log);
    started.push(toxi.process);
    const proxies = [];
    for (let i = 0; i < plan.proxies; i++) proxies.push(await createProxy(toxi.client, `gateway-${i}`, `127.0.0.1:${port}`));
    const proxyUrls = proxies.map((p) => `ws://${p.listen}`);
    const stack: StartedStack = {
      provider: 'local',
      gatewayUrl: proxyUrls[0],
      proxyUrls,
      directUrl: `ws://127.0.0.1:${port}`,
      toxiproxy: toxi.client,
      proxies,
      gateway,
      versions: { toxiproxy: toxi.version, gateway: command ? command.join(' ') : plan.protocol === 'socket.io' ? `example (${bundled})` : 'reference (gateway/main.ts)' },
      logs: [spawnOptions.logFile, toxi.process.logFile],
      processes: () => [{ name: 'gateway', pid: current().pid }, { name: 'toxiproxy', pid: toxi.process.pid }],
      failures: () => [...incarnations.map((g) => g.unexpectedExit), toxi.process.unexpectedExit].filter((f): f is RuntimeFailure => f !== null),
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
    return stack;
  } catch (e) {
    await stopAll().catch(() => {});
    throw e;
  }
}
