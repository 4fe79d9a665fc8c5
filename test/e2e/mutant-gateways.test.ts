/**
 * Deliberately broken gateways make the run fail on the right check, with the evidence naming
 * the messages. Real gateway processes, real Toxiproxy, real sockets.
 */
import { describe, expect, it } from 'vitest';
import { checkOf, runCli } from './cli.ts';

describe('mutant gateways fail the network-cut run on their own check', () => {
  it('a gateway that drops some broadcasts fails delivery with lost messages', async () => {
    const r = await runCli(['run', 'scenarios/network-cut.small.ts', '--gateway-cmd', 'node test/mutants/gateways/drop-broadcast.ts']);
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    expect(r.code).toBe(1);
    expect(s.verdict).toBe('fail');
    const d = checkOf(s, 'delivery');
    expect(d.verdict).toBe('fail');
    expect(d.counts.lost).toBeGreaterThan(0);
    const lost = d.examples.find((e) => e.category === 'lost')!;
    expect(lost.message).toMatch(/^m\d+-\d+$/);
    expect(lost.client).toBeTypeOf('number');
    expect(checkOf(s, 'no-fallback').verdict).toBe('pass');
  }, 120_000);

  it('a gateway that ignores since fails delivery after the cut', async () => {
    const r = await runCli(['run', 'scenarios/network-cut.small.ts', '--gateway-cmd', 'node test/mutants/gateways/ignore-since.ts']);
    expect(r.summary, r.stderr).not.toBeNull();
    const s = r.summary!;
    expect(r.code).toBe(1);
    const d = checkOf(s, 'delivery');
    expect(d.verdict).toBe('fail');
    expect(d.counts.lost).toBeGreaterThan(0);
    expect(d.counts.deliveredOnResume).toBe(0);
    // Every loss happened around the cut (4 s to 9 s of traffic, plus reconnection), not before it.
    const cut = s.metrics.faults[0];
    for (const e of d.examples.filter((x) => x.category === 'lost')) expect(e.at!).toBeGreaterThanOrEqual(cut.start);
  }, 120_000);
});
