/**
 * --target: a gateway chatstorm did not start, with chatstorm's own Toxiproxy put in front of it.
 * The gateway here is the reference one started by the test itself, on a real port.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import { freePort } from '../../harness/stack/ports.ts';
import { checkOf, runCli, whyNotPass } from './cli.ts';

const SECRET = 'target-test-secret';
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ port: 0, jwtSecret: SECRET });
});
afterAll(() => gateway?.close());

/** A fresh reference gateway for one test, closed when the test's `await using` scope ends. */
async function ownGateway(): Promise<Gateway & AsyncDisposable> {
  const g = await startGateway({ port: 0, jwtSecret: SECRET });
  return Object.assign(g, { [Symbol.asyncDispose]: async () => void (await g.close()) });
}

/** long-cut --profile small (500 → 50 clients, a 9 s cut) against `gateway` with the client adapter `client`. */
function runLongCut(gateway: Gateway, client: string, env: Record<string, string>) {
  return runCli(
    [
      'run',
      'test/mutants/scenarios/long-cut.ts',
      '--profile',
      'small',
      '--target',
      `ws://127.0.0.1:${gateway.port}`,
      '--client',
      client,
    ],
    { env: { CHATSTORM_JWT_SECRET: SECRET, ...env } },
  );
}

describe('--target', () => {
  it('runs the scenario through its own Toxiproxy in front of the given gateway, secret from CHATSTORM_JWT_SECRET', async () => {
    const before = gateway.stats().messages;
    const r = await runCli(
      ['run', 'scenarios/network-cut.ts', '--profile', 'small', '--target', `ws://127.0.0.1:${gateway.port}`],
      { env: { CHATSTORM_JWT_SECRET: SECRET } },
    );
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    expect(s.runtimeErrors).toEqual([]);
    // The gateway here runs inside the test runner's process: on a saturated machine (load 15 on 2
    // cores, seen) it answers slowly, so its latency (and the fleet's event loop) are not the test's
    // to promise. Every other check must pass whatever the load; latency is covered by
    // network-cut.test.ts, whose gateway has a process of its own.
    const notPassed = s.checks.filter((c) => c.verdict !== 'pass').map((c) => c.name);
    expect(notPassed.filter((n) => n !== 'latency' && n !== 'generator-health')).toEqual([]);
    expect(r.code).toBe(s.exitCode);
    expect(s.target).toMatchObject({ provider: 'external', directUrl: `ws://127.0.0.1:${gateway.port}` });
    expect(s.target.gatewayUrl).not.toBe(s.target.directUrl);
    // The cut went through our proxy: every client dropped and came back.
    expect(s.metrics.faults[0].affected).toBe(100);
    // And the messages really went through the gateway we started: every acked one was counted
    // there. Not "exactly the acked ones": a send the gateway accepted whose ack was lost with its
    // connection (the cut) is counted by the gateway and legitimately never acked.
    const counted = gateway.stats().messages - before;
    const delivery = checkOf(s, 'delivery').counts;
    expect(delivery.acked).toBeGreaterThan(0);
    expect(counted).toBeGreaterThanOrEqual(delivery.acked);
    expect(counted).toBeLessThanOrEqual(delivery.attempted);
  }, 120_000);

  it('a client connected past Toxiproxy escapes the cut: inconclusive, naming the Toxiproxy pool and the client (cut-reach)', async () => {
    // The defect made for the rule: user u0 of the clean fixed store connects straight to the
    // gateway. A gateway of its own: chats the other tests' runs left messages in would be judged too.
    await using own = await ownGateway();
    const r = await runLongCut(own, 'test/fixtures/bypass-proxy-client.ts', {
      CHATSTORM_TEST_BYPASS_TO: `ws://127.0.0.1:${own.port}`,
    });
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    const health = checkOf(s, 'generator-health');
    expect(health.verdict, health.summary).toBe('inconclusive');
    expect(health.summary).toContain(
      'the Toxiproxy pool (cut#1 on every proxy did not reach 1 connection(s): open when it was applied, still open 2 s after its removal)',
    );
    expect(health.counts).toMatchObject({ cutReachJudged: 50, cutEscaped: 1 });
    expect(health.examples.find((e) => e.category === 'cut-escaped')).toMatchObject({ client: 0 });
    // Never the gateway's failure: the other 49 were cut and came back.
    expect(s.verdict, whyNotPass(s)).toBe('inconclusive');
    expect(s.metrics.faults[0].affected).toBe(49);
  }, 120_000);

  it("a link the cut left half-open: what that client then missed and sent is not the gateway's loss (delivery escapedUnjudged), and the run is inconclusive", async () => {
    // The defect made for the rule: u0 of the clean fixed store goes through a relay of its own
    // that keeps u0's side open when Toxiproxy closes the far side. The gateway drops u0 at the cut;
    // u0 never notices, never resumes, and its sends vanish in the relay.
    await using own = await ownGateway();
    const r = await runLongCut(own, 'test/fixtures/half-open-client.ts', {
      CHATSTORM_TEST_RELAY_PORT: String(await freePort()),
    });
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    const health = checkOf(s, 'generator-health');
    expect(health.counts.cutEscaped, health.summary).toBe(1);
    expect(health.examples.find((e) => e.category === 'cut-escaped')).toMatchObject({ client: 0 });
    const delivery = checkOf(s, 'delivery');
    // Its chat went on for ~16 s after the apply at one message a second a member: dozens owed to u0.
    expect(delivery.counts.escapedUnjudged, delivery.summary).toBeGreaterThan(10);
    expect(delivery.counts).toMatchObject({ lost: 0, unacknowledged: 0 });
    expect(delivery.verdict, delivery.summary).toBe('pass');
    expect(s.verdict, whyNotPass(s)).toBe('inconclusive');
  }, 120_000);

  it('with the wrong secret every client is refused with 4401, and the run says so', async () => {
    const r = await runCli([
      'run',
      'scenarios/smoke.ts',
      '--profile',
      'small',
      '--target',
      `ws://127.0.0.1:${gateway.port}`,
      '--jwt-secret',
      'not-the-secret',
    ]);
    // Guaranteed: every socket refused with 4401, nothing sent, no pass. Not guaranteed: the exit
    // code. The gateway completes the upgrade before it closes with 4401, and on a busy machine the
    // fleet can see a socket open in that instant: then the run goes on with nobody connected and
    // ends inconclusive (2, "no message was acked") instead of error (3, no-client-connected).
    expect(r.summary!.metrics.closeCodes).toEqual({ '4401': 20 });
    expect(checkOf(r.summary!, 'delivery').counts.acked).toBe(0);
    expect(['error', 'inconclusive']).toContain(r.summary!.verdict);
    expect([2, 3]).toContain(r.code);
    if (r.code === 3) expect(r.summary!.runtimeErrors[0]).toMatchObject({ code: 'no-client-connected' });
  }, 60_000);

  it('the secret from --jwt-secret-file (its trailing newline dropped)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'chatstorm-secret-')), 'secret');
    writeFileSync(file, `${SECRET}\n`);
    // A gateway of its own: the shared one already accepted these users' client_msg_ids in these
    // chats (the first test), and answers a resend of one with the original ack, never a broadcast.
    const own = await startGateway({ port: 0, jwtSecret: SECRET });
    try {
      const r = await runCli([
        'run',
        'scenarios/smoke.ts',
        '--profile',
        'small',
        '--target',
        `ws://127.0.0.1:${own.port}`,
        '--jwt-secret-file',
        file,
      ]);
      expect(r.summary, r.stderr).not.toBeNull();
      expect({ code: r.code, errors: r.summary!.runtimeErrors }).toEqual({ code: r.summary!.exitCode, errors: [] });
      // Accepted with the file's secret (the default one would be refused with 4401).
      expect(r.summary!.metrics.closeCodes['4401']).toBeUndefined();
      expect(checkOf(r.summary!, 'delivery').counts.acked).toBeGreaterThan(0);
      expect(JSON.stringify(r.summary)).not.toContain(SECRET);
    } finally {
      await own.close();
    }
  }, 60_000);

  it('a target where nothing listens stops with its address', async () => {
    const r = await runCli(['run', 'scenarios/smoke.ts', '--profile', 'small', '--target', 'ws://127.0.0.1:9']);
    expect(r.code).toBe(3);
    expect(r.summary!.runtimeErrors[0].message).toContain(
      '--target ws://127.0.0.1:9: nothing answers at http://127.0.0.1:9/healthz',
    );
  }, 60_000);
});
