/**
 * --target: a gateway chatstorm did not start, with chatstorm's own Toxiproxy put in front of it.
 * The gateway here is the reference one started by the test itself, on a real port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import { checkOf, runCli } from './cli.ts';

const SECRET = 'target-test-secret';
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ port: 0, jwtSecret: SECRET });
});
afterAll(() => gateway?.close());

describe('--target', () => {
  it('runs the scenario through its own Toxiproxy in front of the given gateway, secret from CHATSTORM_JWT_SECRET', async () => {
    const before = gateway.stats().messages;
    const r = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small', '--target', `ws://127.0.0.1:${gateway.port}`], { env: { CHATSTORM_JWT_SECRET: SECRET } });
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    expect({ verdict: s.verdict, errors: s.runtimeErrors }).toEqual({ verdict: 'pass', errors: [] });
    expect(r.code).toBe(0);
    expect(s.target).toMatchObject({ provider: 'external', directUrl: `ws://127.0.0.1:${gateway.port}` });
    expect(s.target.gatewayUrl).not.toBe(s.target.directUrl);
    // The cut went through our proxy: every client dropped and came back.
    expect(s.metrics.faults[0].affected).toBe(100);
    // And the messages really went through the gateway we started.
    expect(gateway.stats().messages - before).toBe(checkOf(s, 'delivery').counts.acked);
  }, 120_000);

  it('with the wrong secret every client is refused with 4401, and the run says so', async () => {
    const r = await runCli(['run', 'scenarios/smoke.ts', '--profile', 'small', '--target', `ws://127.0.0.1:${gateway.port}`, '--jwt-secret', 'not-the-secret']);
    expect(r.code).toBe(3);
    expect(r.summary!.runtimeErrors[0]).toMatchObject({ code: 'no-client-connected' });
    expect(r.summary!.metrics.closeCodes).toEqual({ '4401': 20 });
  }, 60_000);

  it('a target where nothing listens stops with its address', async () => {
    const r = await runCli(['run', 'scenarios/smoke.ts', '--profile', 'small', '--target', 'ws://127.0.0.1:9']);
    expect(r.code).toBe(3);
    expect(r.summary!.runtimeErrors[0].message).toContain('--target ws://127.0.0.1:9: nothing answers at http://127.0.0.1:9/healthz');
  }, 60_000);
});
