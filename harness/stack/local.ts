/**
 * The default provider: the gateway and Toxiproxy as local processes on loopback. The gateway is
 * the reference gateway (`node gateway/main.ts`; for protocol socket.io the example Socket.IO
 * gateway, examples/gateways/socketio/main.ts) unless a command is given (--gateway-cmd), which
 * then receives PORT, HOST, JWT_SECRET, PING_INTERVAL_MS, HISTORY_LIMIT and STATE_FILE in its
 * environment and must answer GET /healthz.
 *
 * At scale both sides are pools sized by the preflight (plan.layout, docs/scale.md): several
 * Toxiproxy servers, and the reference gateway as several processes each owning a share of the
 * chats (chats share no state in it). Proxy i lives in Toxiproxy server i mod T and forwards to
 * gateway process i mod G; `routes[g]` lists the proxies in front of gateway process g.
 */
import { join } from 'node:path';
import type { Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import type { RunPlan } from '../config/plan.ts';
import type { RestartableGateway } from '../faults/types.ts';
import { planLayout } from '../preflight/capacity.ts';
import { openFileLimit } from '../preflight/limits.ts';
import { freePort } from './ports.ts';
import { spawnManaged, type ManagedProcess, type RuntimeFailure, type SpawnOptions } from './process.ts';
import { createProxy, startToxiproxy, type StartedToxiproxy } from './toxiproxy.ts';
import { PROJECT_ROOT } from './toxiproxy-binary.ts';
import type { StartedStack } from './types.ts';

export async function startLocalStack(plan: RunPlan, logDir: string, log?: (l: string) => void): Promise<StartedStack> {
  if (plan.target.kind !== 'local') throw new Error('startLocalStack needs a local target');
  const layout = plan.layout ?? planLayout(plan, { openFiles: openFileLimit('self') ?? 1024 });
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    // Reverse order, but each layer's processes at once.
    for (const s of started.reverse()) await s.stop().catch((e) => errors.push(e));
    if (errors.length) throw new AggregateError(errors, 'stack teardown failed');
  };
  try {
    const command = plan.target.gatewayCommand;
    const bundled =
      plan.protocol === 'socket.io' ? join('examples', 'gateways', 'socketio', 'main.ts') : join('gateway', 'main.ts');
    const shards = layout.gatewayShards;
    const shardOptions: SpawnOptions[] = [];
    for (let g = 0; g < shards; g++) {
      const port = await freePort();
      const suffix = shards > 1 ? `-${g}` : '';
      shardOptions.push({
        name: `gateway${suffix}`,
        command: command ? '/bin/sh' : process.execPath,
        args: command ? ['-c', command.join(' ')] : [join(PROJECT_ROOT, bundled)],
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          JWT_SECRET: plan.jwtSecret,
          PING_INTERVAL_MS: String(plan.gateway.pingIntervalMs),
          HISTORY_LIMIT: String(plan.gateway.historyLimit),
          // Seq marks survive a planned restart, so resume across it yields a gap, not a skip.
          STATE_FILE: join(logDir, `gateway-state${suffix}.json`),
        },
        logFile: join(logDir, `gateway${suffix}.log`),
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      });
    }
    const ports = shardOptions.map((o) => Number(o.env!.PORT));
    // Every incarnation of each gateway process: a restart fault kills them all and starts the next.
    const incarnations: ManagedProcess[][] = [];
    const firsts = await Promise.allSettled(shardOptions.map((o) => spawnManaged(o)));
    for (const r of firsts) if (r.status === 'fulfilled') incarnations.push([r.value]);
    const current = () => incarnations.map((list) => list[list.length - 1]);
    started.push({ stop: async () => void (await Promise.all(current().map((p) => p.stop()))) });
    const failedStart = firsts.find((r) => r.status === 'rejected');
    if (failedStart) throw (failedStart as PromiseRejectedResult).reason;
    const gateway: RestartableGateway = {
      kill: async () => void (await Promise.all(current().map((p) => p.kill()))),
      async start() {
        const next = await Promise.all(shardOptions.map((o) => spawnManaged(o)));
        next.forEach((p, g) => {
          incarnations[g].push(p);
        });
      },
    };

    const servers: StartedToxiproxy[] = [];
    const toxiStarts = await Promise.allSettled(
      Array.from({ length: layout.toxiproxies }, (_, t) =>
        startToxiproxy(logDir, log, layout.toxiproxies > 1 ? `toxiproxy-${t}` : 'toxiproxy'),
      ),
    );
    for (const r of toxiStarts) if (r.status === 'fulfilled') servers.push(r.value);
    started.push({ stop: async () => void (await Promise.all(servers.map((s) => s.process.stop()))) });
    const failedToxi = toxiStarts.find((r) => r.status === 'rejected');
    if (failedToxi) throw (failedToxi as PromiseRejectedResult).reason;
    const hostLimit = openFileLimit('self');
    for (const s of servers) {
      // The pool was sized from this process's limit; a server that got less cannot carry its share.
      if (s.openFileLimit !== null && hostLimit !== null && s.openFileLimit < hostLimit) {
        throw Object.assign(
          new Error(
            `${s.process.name} (pid ${s.process.pid}) runs with an open-file limit of ${s.openFileLimit}, below the ${hostLimit} the pool was sized for`,
          ),
          { code: 'toxiproxy-limit' },
        );
      }
    }
    const proxies: ToxiproxyProxy[] = [];
    for (let i = 0; i < layout.proxies; i++)
      proxies.push(
        await createProxy(servers[i % servers.length].client, `gateway-${i}`, `127.0.0.1:${ports[i % shards]}`),
      );
    const proxyUrls = proxies.map((p) => `ws://${p.listen}`);
    const routes = Array.from({ length: shards }, (_, g) => proxies.map((_, i) => i).filter((i) => i % shards === g));
    const stack: StartedStack = {
      provider: 'local',
      gatewayUrl: proxyUrls[0],
      proxyUrls,
      routes,
      directUrl: `ws://127.0.0.1:${ports[0]}`,
      toxiproxy: servers[0].client,
      proxies,
      gateway,
      versions: {
        toxiproxy: servers[0].version,
        gateway: `${command ? command.join(' ') : plan.protocol === 'socket.io' ? `example (${bundled})` : 'reference (gateway/main.ts)'}${shards > 1 ? ` × ${shards} processes` : ''}`,
        ...(servers.length > 1 ? { toxiproxyPool: `${servers.length} servers, ${proxies.length} proxies` } : {}),
      },
      logs: [...shardOptions.map((o) => o.logFile), ...servers.map((s) => s.process.logFile)],
      toxiproxyLogs: servers.map((s) => s.process.logFile),
      processes: () => [
        ...current().map((p) => ({ name: p.name, pid: p.pid })),
        ...servers.map((s) => ({ name: s.process.name, pid: s.process.pid })),
      ],
      failures: () =>
        [...incarnations.flat().map((g) => g.unexpectedExit), ...servers.map((s) => s.process.unexpectedExit)].filter(
          (f): f is RuntimeFailure => f !== null,
        ),
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
    return stack;
  } catch (e) {
    await stopAll().catch(() => {});
    throw e;
  }
}
