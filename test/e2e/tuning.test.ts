/**
 * capacity and sweep through the real CLI, with real gateways, Toxiproxy and sockets on loopback.
 *
 * capacity: against test/mutants/gateways/degrade-above.ts, whose knee is known (50 sockets pass a
 * p(99)<250 latency threshold, more do not), the search must find the knee within one step of its
 * resolution, name the latency check as what broke above it, and write capacity.json and a
 * capacity.html that opens clean in headless Chromium with every chart drawn.
 *
 * sweep: 2 × 2 settings at a small size: four runs, the same seed, a compare page with four
 * columns and a ranking table, clean in Chromium with every chart drawn. Invalid keys and values
 * stop before anything runs (exit 64, naming the key).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityResult } from '../../harness/tuning/capacity-result.ts';
import type { SweepResult } from '../../harness/tuning/sweep.ts';
import { CHROMIUM, CHROMIUM_ARGS, expectClean, HAVE_CHROMIUM, open, screenshot } from './browser.ts';
import { runCli } from './cli.ts';

const KNEE = 50;
const RESOLUTION = 10;
let browser: Browser | null = null;

beforeAll(async () => {
  if (HAVE_CHROMIUM)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, chromiumSandbox: false });
});
afterAll(async () => {
  await browser?.close();
});

describe('chatstorm capacity', () => {
  it('finds the knee of a gateway that degrades above a known number of sockets, within one step', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-capacity-'));
    // exec: the sampled gateway process is node itself, not the shell that started it.
    const r = await runCli([
      'capacity',
      'test/mutants/scenarios/capacity-step.ts',
      '--from',
      '40',
      '--factor',
      '1.5',
      '--resolution',
      String(RESOLUTION),
      '--gateway-cmd',
      `DEGRADE_ABOVE=${KNEE} exec node test/mutants/gateways/degrade-above.ts`,
      '--report-dir',
      root,
      '--run-id',
      'cap',
    ]);
    const dir = join(root, 'cap');
    expect(existsSync(join(dir, 'capacity.json')), r.stderr).toBe(true);
    const c = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
    expect({ code: r.code, stop: c.stop.reason }, `${r.stdout}\n${r.stderr}`).toEqual({ code: 0, stop: 'knee-found' });
    // Never above the true knee, and no further below it than the resolution.
    expect(c.knee).not.toBeNull();
    const knee = (c.knee as { clients: number }).clients;
    expect(knee).toBeLessThanOrEqual(KNEE);
    expect(knee).toBeGreaterThanOrEqual(KNEE - RESOLUTION);
    expect(c.knee!.brokeAbove!.check).toBe('latency');
    expect(c.knee!.brokeAbove!.load).toBeGreaterThan(KNEE);
    expect(c.knee!.brokeAbove!.breaches.join(' ')).toMatch(/delivery_latency p\(99\)<250/);
    expect(c.recommended).toMatchObject({ clients: Math.floor(knee * 0.8), headroom: 0.2 });
    // Growing steps, then bisection; each step a full run with its own report, the same seed.
    expect(c.steps.map((s) => s.phase)).toContain('bisect');
    for (const s of c.steps) {
      const summary = JSON.parse(readFileSync(join(s.runDir, 'summary.json'), 'utf8')) as {
        clients: number;
        seed: number;
      };
      expect({ clients: summary.clients, seed: summary.seed }).toEqual({ clients: s.load, seed: 1 });
      expect(s.outcome).toBe(s.load <= KNEE ? 'pass' : 'fail');
    }
    expect(r.stdout).toMatch(/knee at \d+ clients/);
    if (browser) {
      const file = join(dir, 'capacity.html');
      const o = await open(browser, file);
      await expectClean(o, file, 4);
      expect(await o.page.locator('.cap-figure b').first().textContent()).toBe(`${knee} clients`);
      expect(await o.page.locator('#steps tbody tr').count()).toBe(c.steps.length);
      await screenshot(o.page, 'capacity');
      await o.page.context().close();
    }
  }, 240_000);

  it('a step this host cannot hold (here: over its cores, --cpu-fit refuse) is not run: the search stops there, naming the harness and the numbers', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-capacity-'));
    // Step 1: 40 clients (400 deliveries/s). Step 2: 40,000 clients sending every second in chats
    // of 10, 400,000 deliveries/s: over any host's cores by the preflight's estimate.
    const r = await runCli([
      'capacity',
      'test/mutants/scenarios/capacity-step.ts',
      '--from',
      '40',
      '--factor',
      '1000',
      '--to',
      '40000',
      '--cpu-fit',
      'refuse',
      '--report-dir',
      root,
      '--run-id',
      'cap',
    ]);
    const c = JSON.parse(readFileSync(join(root, 'cap', 'capacity.json'), 'utf8')) as CapacityResult;
    expect({ code: r.code, stop: c.stop.reason, at: c.stop.at }, r.stderr).toEqual({
      code: 2,
      stop: 'instrument-limit',
      at: 40_000,
    });
    expect(c.steps.map((s) => s.load)).toEqual([40]);
    expect(c.stop.message).toContain('this host cannot hold that step (CPU (');
    expect(c.stop.message).toMatch(/the traffic phase asks 400000 deliveries\/s/);
    expect(r.stderr).toContain('step 2: 40000 clients cannot fit this host (not run)');
    expect(readdirSync(join(root, 'cap', 'steps')).filter((d) => d !== 'latest')).toEqual(['step-01-clients-40']);
  });

  it('capacity and sweep take every option of run (but the shard flags: one shard of a run spread over hosts is a run)', async () => {
    const flags = (help: string) => [...help.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]);
    const shardOnly = ['--shard', '--shards', '--claim-shard', '--start-at'];
    const all = flags((await runCli(['run', '--help'])).stdout);
    expect(all).toEqual(expect.arrayContaining(shardOnly));
    const run = all.filter((f) => !shardOnly.includes(f));
    expect(run.length).toBeGreaterThan(10);
    for (const cmd of ['capacity', 'sweep']) {
      const own = flags((await runCli([cmd, '--help'])).stdout);
      expect(
        run.filter((f) => !own.includes(f)),
        `run options missing from ${cmd}`,
      ).toEqual([]);
    }
  });

  it('refuses bad capacity options before anything runs (exit 64, naming the flag)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-capacity-'));
    const r = await runCli([
      'capacity',
      'test/mutants/scenarios/capacity-step.ts',
      '--vary',
      'sockets',
      '--factor',
      '1',
      '--report-dir',
      root,
    ]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--vary: expected "clients" or "rate" \(got "sockets"\)/);
    expect(r.stderr).toMatch(/--factor: expected a number above 1/);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('chatstorm sweep', () => {
  it('2 × 2 settings: four runs with the same seed, a compare page with a ranking that opens clean with every chart drawn', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-sweep-'));
    const r = await runCli([
      'sweep',
      'test/mutants/scenarios/sweep-cut.ts',
      '--set',
      'policy.backoff.jitter=none,full',
      '--set',
      'gateway.pingInterval=5s,10s',
      '--report-dir',
      root,
      '--run-id',
      'sw',
    ]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const dir = join(root, 'sw');
    const s = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepResult;
    expect(s.points.map((p) => p.label)).toEqual([
      'policy.backoff.jitter=none gateway.pingInterval=5s',
      'policy.backoff.jitter=none gateway.pingInterval=10s',
      'policy.backoff.jitter=full gateway.pingInterval=5s',
      'policy.backoff.jitter=full gateway.pingInterval=10s',
    ]);
    // Four run folders (and reports/latest's link to the newest).
    expect(
      readdirSync(join(dir, 'runs')).filter((d) => d !== 'latest' && existsSync(join(dir, 'runs', d, 'summary.json'))),
    ).toHaveLength(4);
    // Each setting reached the run: the client's policy and the gateway's ping interval.
    for (const p of s.points) {
      const plan = JSON.parse(readFileSync(join(p.runDir, 'plan.json'), 'utf8')) as {
        seed: number;
        policy: { backoff: { jitter: string } };
        gateway: { pingIntervalMs: number };
      };
      expect({
        seed: plan.seed,
        jitter: plan.policy.backoff.jitter,
        ping: `${plan.gateway.pingIntervalMs / 1000}s`,
      }).toEqual({ seed: 1, jitter: p.settings['policy.backoff.jitter'], ping: p.settings['gateway.pingInterval'] });
      // The reconnect storm after the cut was measured in every run.
      expect(p.figures.stormPeak).toBeGreaterThan(0);
    }
    expect(s.ranking.map((x) => x.rank)).toEqual([1, 2, 3, 4]);
    if (browser) {
      const file = join(dir, 'compare.html');
      const o = await open(browser, file);
      await expectClean(o, file, 5);
      expect(await o.page.locator('.run-card').count()).toBe(4);
      expect(await o.page.locator('#ranking tbody tr').count()).toBe(4);
      expect(await o.page.locator('#ranking tbody tr').first().locator('th').textContent()).toContain(
        s.ranking[0].label,
      );
      // The settings that differ are the swept ones, marked.
      expect(await o.page.locator('#settings tr.row-diff', { hasText: 'policy.backoff.jitter' }).isVisible()).toBe(
        true,
      );
      await screenshot(o.page, 'sweep-compare');
      await o.page.context().close();
    }
  }, 240_000);

  it('an unknown key or a bad value stops before anything runs (exit 64, naming the key)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-sweep-'));
    const bad = await runCli([
      'sweep',
      'test/mutants/scenarios/sweep-cut.ts',
      '--set',
      'policy.backof.initial=1s,2s',
      '--report-dir',
      root,
    ]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/--set policy\.backof\.initial/);
    expect(bad.stderr).toMatch(/backof/);
    const value = await runCli([
      'sweep',
      'test/mutants/scenarios/sweep-cut.ts',
      '--set',
      'policy.backoff.jitter=none,sometimes',
      '--report-dir',
      root,
    ]);
    expect(value.code).toBe(64);
    expect(value.stderr).toMatch(/--set policy\.backoff\.jitter/);
    expect(value.stderr).toMatch(/sometimes/);
    // Every point is checked against the host before the first runs: one that cannot fit refuses the sweep.
    const unfit = await runCli([
      'sweep',
      'test/mutants/scenarios/capacity-step.ts',
      '--set',
      'clients=40,40000',
      '--cpu-fit',
      'refuse',
      '--report-dir',
      root,
    ]);
    expect(unfit.code, unfit.stderr).toBe(64);
    expect(unfit.stderr).toContain('the run cannot fit this host (nothing was started)');
    expect(unfit.stderr).toMatch(
      /clients=40000: CPU \(\d+ cores; --cpu-fit refuse\): the traffic phase asks 400000 deliveries\/s/,
    );
    expect(unfit.stderr).not.toMatch(/clients=40: /);
    expect(readdirSync(root)).toEqual([]);
  });
});
