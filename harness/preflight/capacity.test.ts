/** Sizing and refusal from given host facts (pure): the numbers docs/scale.md states. */
import { describe, expect, it } from 'vitest';
import { resolvePlan } from '../config/plan.ts';
import { parseSourceIps } from '../config/source-ips.ts';
import { checkFit, fdCapacity, planLayout } from './capacity.ts';
import { TEST_HOST } from './test-host.ts';

const host = TEST_HOST;
const plan = (clients: number, extra: Parameters<typeof resolvePlan>[1] extends infer O ? Partial<O> : never = {}) =>
  resolvePlan(
    { name: 't', clients, chatSize: 10, duration: '60s', faults: [{ type: 'cut', at: '20s', duration: '5s' }] },
    { scenarioFile: 't', ...extra },
  );

describe('preflight capacity', () => {
  it('sizes 20,000 clients to 3 Toxiproxy servers, 2 gateway processes, 6 proxies, 2 workers, and it fits', () => {
    expect(fdCapacity(20_000, 1)).toBe(17_769);
    expect(fdCapacity(20_000, 2)).toBe(8_884);
    const p = plan(20_000);
    expect(p.workers).toBe(2);
    const layout = planLayout(p, host);
    expect(layout).toEqual({ toxiproxies: 3, gatewayShards: 2, proxies: 6 });
    expect(checkFit(p, layout, host)).toEqual([]);
  });

  it('keeps one of each for a small run, and a custom gateway is never sharded', () => {
    expect(planLayout(plan(1_000), host)).toEqual({ toxiproxies: 1, gatewayShards: 1, proxies: 1 });
    const custom = plan(20_000, { gatewayCommand: ['./my-gateway'] });
    const layout = planLayout(custom, host);
    expect(layout.gatewayShards).toBe(1);
    expect(checkFit(custom, layout, host).map((r) => r.detail)).toEqual([
      expect.stringContaining('runs as 1 process(es) of 20000 sockets; one can hold 17769'),
      'Toxiproxy opens 20000 upstream sockets from 127.0.0.1 to each gateway process × 2 (TIME_WAIT) = 40000',
    ]);
  });

  it('refuses with the limit, the numbers and a remedy', () => {
    const p = plan(20_000, { workers: 1 });
    const [r] = checkFit(p, planLayout(p, host), host);
    expect(r.limit).toBe('open files per process (20000, from test)');
    expect(r.remedy).toBe('--workers 2 or more');
    const tight = { ...host, openFiles: 1_024 };
    const q = plan(5_000);
    expect(checkFit(q, planLayout(q, tight), tight).map((x) => x.remedy)).toContain(
      `--workers ${Math.ceil(5_000 / fdCapacity(1_024, 1))} or more`,
    );
  });

  it('counts ephemeral ports per source address and destination, twice when connections drop; source addresses lift it', () => {
    const few = { ...host, ephemeralPorts: 1_000, portRange: [60_000, 60_999] as [number, number] };
    const p = plan(4_000);
    const layout = planLayout(p, few);
    const refusals = checkFit(p, layout, few);
    expect(
      refusals.some(
        (r) =>
          r.detail ===
            '4000 client sockets per proxy listener per source address × 2 (a drop leaves ports in TIME_WAIT while reconnects open new ones) = 8000' &&
          r.remedy.startsWith('--source-ips 127.0.0.2-127.0.0.9'),
      ),
    ).toBe(true);
    const spread = { ...p, sourceIps: parseSourceIps('127.0.0.2-127.0.0.9') };
    expect(checkFit(spread, layout, few).some((r) => r.detail.includes('per proxy listener'))).toBe(false);
  });

  it('refuses what memory cannot hold', () => {
    const p = plan(20_000);
    const small = { ...host, memAvailableMb: 1_000 };
    expect(checkFit(p, planLayout(p, small), small).map((r) => r.limit)).toContain(
      'memory (1000 MB available, from test)',
    );
  });

  it('parses source addresses: ranges and lists on loopback only', () => {
    expect(parseSourceIps('127.0.0.2-127.0.0.4,127.0.1.1')).toEqual([
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.4',
      '127.0.1.1',
    ]);
    expect(() => parseSourceIps('10.0.0.1')).toThrow('"10.0.0.1" is not a loopback address or range');
    expect(() => parseSourceIps('127.0.0.9-127.0.0.2')).toThrow('bad range');
  });
});
