/**
 * The default provider: the gateway and Toxiproxy as local processes on loopback. The gateway is
 * the reference gateway (`node gateway/main.ts`) unless a command is given (--gateway-cmd), which
 * then receives PORT, HOST and JWT_SECRET in its environment and must answer GET /healthz.
 */
import { join } from 'node:path';
import type { RunPlan } from '../config/plan.ts';
import { freePort } from './ports.ts';
import { spawnManaged, type ManagedProcess } from './process.ts';
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
    const gateway: ManagedProcess = await spawnManaged({
      name: 'gateway',
      command: command ? '/bin/sh' : process.execPath,
      args: command ? ['-c', command.join(' ')] : [join(PROJECT_ROOT, 'gateway', 'main.ts')],
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: plan.jwtSecret,
        PING_INTERVAL_MS: String(plan.gateway.pingIntervalMs),
        HISTORY_LIMIT: String(plan.gateway.historyLimit),
      },
      logFile: join(logDir, 'gateway.log'),
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    });
    started.push(gateway);
    const toxi = await startToxiproxy(logDir, log);
    started.push(toxi.process);
    const proxy = await createProxy(toxi.client, 'gateway', `127.0.0.1:${port}`);
    const stack: StartedStack = {
      provider: 'local',
      gatewayUrl: `ws://${proxy.listen}`,
      directUrl: `ws://127.0.0.1:${port}`,
      toxiproxy: toxi.client,
      proxies: [proxy],
      versions: { toxiproxy: toxi.version, gateway: command ? command.join(' ') : 'reference (gateway/main.ts)' },
      logs: [gateway.logFile, toxi.process.logFile],
      failures: () => [gateway.unexpectedExit, toxi.process.unexpectedExit].filter((f) => f !== null),
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
    return stack;
  } catch (e) {
    await stopAll().catch(() => {});
    throw e;
  }
}
