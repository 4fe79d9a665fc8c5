/** The CPU estimate of the preflight (pure): the numbers docs/scale.md states for `scale` on 2 cores. */
import { describe, expect, it } from 'vitest';
import { resolvePlan } from '../config/plan.ts';
import { BUILT_IN_CAVEAT, BUILT_IN_COSTS, COSTS, CPU_WARN, estimateCpu, REST_US } from './cpu.ts';
import { PreflightError, preflight } from './preflight.ts';
import { TEST_HOST } from './test-host.ts';

type Options = Partial<Parameters<typeof resolvePlan>[1]>;
const scale = (clients = 20_000, extra: Options = {}, sendInterval = '20s') =>
  resolvePlan(
    {
      name: 'scale',
      clients,
      chatSize: 10,
      connectRate: 2_000,
      duration: '60s',
      sendInterval,
      faults: [{ type: 'cut', at: '20s', duration: '5s' }],
      thresholds: { recovery_time: ['max<15000'] },
    },
    { scenarioFile: 'scale.ts', ...extra },
  );
const perDelivery = COSTS.fleet.delivery + COSTS.toxiproxy.delivery + COSTS.gateway.delivery + REST_US;

describe('preflight CPU estimate', () => {
  it('says before it starts that `scale` asks more of 2 cores than they give, with the numbers', () => {
    const e = estimateCpu(scale(), 2);
    expect(e.parts).toEqual(['fleet', 'toxiproxy', 'gateway']);
    expect(e.traffic.deliveriesPerSecond).toBe(10_000);
    expect(e.traffic.cores).toBeCloseTo((10_000 * perDelivery) / 1e6, 2);
    expect(e.traffic.share).toBeGreaterThan(CPU_WARN);
    expect(e.recovery).toMatchObject({ fault: 'cut#1', reconnects: 20_000 });
    expect(e.recovery?.minSeconds).toBeGreaterThan(15);
    expect(e.notes).toHaveLength(4);
    expect(e.notes[0]).toContain('the traffic phase asks 10000 deliveries/s');
    expect(e.notes[0]).toContain(`at most ${e.traffic.maxDeliveriesPerSecond} deliveries/s fit`);
    expect(e.notes[0]).toContain('the gateway on another host (--target)');
    expect(e.notes[1]).toContain(`give at most ~${e.connect.maxRate}/s`);
    expect(e.notes[2]).toContain('cut#1 drops 20000 sockets');
    expect(e.notes[2]).toContain('recovery_time max<15000');
  });

  it('counts the reconnects of the largest dropping fault by its share of the proxies', () => {
    const plan = scale();
    plan.faults = [
      { ...plan.faults[0], id: 'cut#1', fraction: 0.25 },
      { ...plan.faults[0], id: 'cut#2', fraction: 0.5 },
      { ...plan.faults[0], id: 'latency#1', type: 'latency', fraction: 1 },
    ];
    expect(estimateCpu(plan, 2).recovery).toMatchObject({ fault: 'cut#2', reconnects: 10_000 });
    plan.faults = plan.faults.slice(2);
    expect(estimateCpu(plan, 2).recovery).toBeNull();
  });

  it('is silent for a plan well inside the cores: the small profile, or `scale` on 8 cores', () => {
    expect(estimateCpu(scale(400, {}, '2s'), 2).notes).toEqual([]);
    expect(estimateCpu(scale(), 8).notes).toEqual([]);
  });

  it('warns exactly above CPU_WARN of the cores', () => {
    const fits = estimateCpu(scale(), 2).traffic.maxDeliveriesPerSecond;
    // clients / 20 s × 10 = deliveries/s: the largest client count inside the limit, and one chat more.
    const inside = Math.floor((fits * 20) / 10 / 10) * 10;
    const noteAbout = (clients: number) =>
      estimateCpu(scale(clients, {}, '20s'), 2).notes.some((n) => n.includes('traffic phase'));
    expect(noteAbout(inside)).toBe(false);
    expect(noteAbout(inside + 20)).toBe(true);
  });

  it('does not count a gateway that is not the reference gateway, and says so', () => {
    const custom = estimateCpu(scale(20_000, { gatewayCommand: ['./my-gateway'] }), 2);
    expect(custom.parts).toEqual(['fleet', 'toxiproxy']);
    expect(custom.traffic.cores).toBeCloseTo((10_000 * (perDelivery - COSTS.gateway.delivery)) / 1e6, 2);
    expect(custom.notes.at(-1)).toBe(
      'CPU: the gateway is not counted: --gateway-cmd ./my-gateway is not the reference gateway.',
    );
    expect(custom.notes.some((n) => n.includes('--target'))).toBe(false);
    const external = estimateCpu(scale(20_000, { target: 'ws://127.0.0.1:9/' }), 2);
    expect(external.gatewayNote).toBe('the --target gateway is not the reference gateway');
  });

  const host = TEST_HOST;

  it('--cpu-fit refuse refuses a plan over the cores (exit 64 via PreflightError), with the numbers; warn runs it', () => {
    expect(estimateCpu(scale(), 2).fits).toBe(false);
    expect(() => preflight(scale(20_000, { cpuFit: 'refuse' }), host)).toThrow(PreflightError);
    try {
      preflight(scale(20_000, { cpuFit: 'refuse' }), host);
    } catch (e) {
      const problems = (e as PreflightError).problems;
      expect(problems[0]).toMatch(/^CPU \(2 cores; --cpu-fit refuse\): the traffic phase asks 10000 deliveries\/s/);
      expect(problems.some((p) => p.includes('cut#1 drops 20000 sockets'))).toBe(true);
    }
    expect(preflight(scale(20_000, { cpuFit: 'warn' }), host).cpuEstimate?.fits).toBe(false);
    expect(preflight(scale(), host).cpuEstimate?.notes).toHaveLength(4);
    // Within the cores: refuse lets it run. The connect rate alone is never refused (the phase stretches).
    const small = preflight(scale(400, { cpuFit: 'refuse' }, '2s'), host).cpuEstimate!;
    expect(small.fits).toBe(true);
    const fastConnects = scale(8_000, { cpuFit: 'refuse' }, '60s');
    const fc = preflight(fastConnects, host).cpuEstimate!;
    expect(fc.notes.some((n) => n.includes('connects/s'))).toBe(true);
    expect(fc.fits).toBe(true);
  });

  it('--cpu-fit takes "warn" or "refuse", and names any other value', () => {
    expect(() => scale(20_000, { cpuFit: 'maybe' })).toThrow(/--cpu-fit: expected "warn" or "refuse" \(got "maybe"\)/);
    expect(scale(20_000, { cpuFit: 'refuse' }).cpuFit).toBe('refuse');
    expect(scale().cpuFit).toBeUndefined();
  });

  it('is part of the fitted plan, sized by a shard to its own share', () => {
    expect(preflight(scale(), host).cpuEstimate?.traffic.deliveriesPerSecond).toBe(10_000);
    const half = preflight(scale(20_000, { shard: '0/2' }), host).cpuEstimate;
    expect(half?.traffic.deliveriesPerSecond).toBe(5_000);
    expect(half?.notes.some((n) => n.includes('traffic phase'))).toBe(false);
  });
  it("uses this host's measured costs when the plan carries them (--cpu-costs), and says so", () => {
    // Half the reference host's costs: `scale`'s traffic then fits 2 cores and the note is gone.
    const half = Object.fromEntries(
      Object.entries(COSTS).map(([part, c]) => [
        part,
        { connect: c.connect / 2, delivery: c.delivery / 2, reconnect: c.reconnect / 2 },
      ]),
    ) as typeof COSTS;
    const plan = {
      ...scale(),
      cpuCosts: { from: '/h/costs.json: measured on h (2 cores) at T', costs: half, restUs: 0 },
    };
    const e = estimateCpu(plan, 2);
    expect(e.costsFrom).toBe('/h/costs.json: measured on h (2 cores) at T');
    expect(e.traffic.cores).toBeCloseTo((10_000 * Math.round((perDelivery - REST_US) / 2)) / 1e6, 2);
    expect(e.notes.some((n) => n.includes('traffic phase'))).toBe(false);
    // Twice them: the note is back, naming where its figure came from.
    const twice = { ...half, fleet: { ...COSTS.fleet, delivery: COSTS.fleet.delivery * 4 } };
    const over = estimateCpu({ ...plan, cpuCosts: { ...plan.cpuCosts, costs: twice } }, 2);
    expect(over.notes[0]).toContain('from --cpu-costs /h/costs.json: measured on h (2 cores) at T');
    expect(estimateCpu(scale(), 2).costsFrom).toBe(BUILT_IN_COSTS.from);
    expect(estimateCpu(scale(), 2).notes[0]).toContain('measured on a quiet 2-vCPU host');
    // Built-in costs: the notes end saying how far they can be off and how to measure this host.
    expect(estimateCpu(scale(), 2).notes.at(-1)).toBe(BUILT_IN_CAVEAT);
    expect(over.notes).not.toContain(BUILT_IN_CAVEAT);
  });
});
