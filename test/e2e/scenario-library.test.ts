/**
 * Every scenario of the library, at its `small` profile, through the real CLI against the
 * reference gateway and a real Toxiproxy: each ends as its documentation says, and its fault
 * really happened (the clients it should hit were hit). A scenario that should pass is held to
 * what a correct gateway is guaranteed on any machine (expectPassOrInstrument): pass, or
 * inconclusive naming the instrument or the host's CPU with every timed finding discounted —
 * never fail. No case asserts a time the shared machine's load could stretch.
 */
import { describe, expect, it } from 'vitest';
import type { Summary } from '../../harness/report/summary.ts';
import { checkOf, expectPassOrInstrument, runCli } from './cli.ts';

interface Case {
  scenario: string;
  profile: string;
  verdict: 'pass' | 'fail';
  /** `passed`: the run passed outright (not inconclusive for the instrument). */
  expect(s: Summary, passed: boolean): void;
}

const fault = (s: Summary) => s.metrics.faults[0];

const cases: Case[] = [
  {
    scenario: 'smoke',
    profile: 'small',
    verdict: 'pass',
    expect: (s) => expect(checkOf(s, 'delivery').counts.acked).toBeGreaterThan(20),
  },
  {
    scenario: 'steady-load',
    profile: 'small',
    verdict: 'pass',
    expect: (s) => expect(checkOf(s, 'latency').counts.samples).toBeGreaterThan(5_000),
  },
  {
    scenario: 'half-open',
    profile: 'small',
    verdict: 'pass',
    // The heartbeat (or the ack timeout) notices the dead socket while the blackhole lasts: every
    // client closes it itself as presumed dead (4000), which Toxiproxy's own close at the end of
    // the blackhole would not be. How soon is the scenario's detect_time threshold, judged by the run.
    expect: (s, passed) => {
      expect(fault(s).affected).toBe(50);
      if (passed) expect(s.metrics.closeCodes['4000']).toBeGreaterThanOrEqual(50);
    },
  },
  {
    scenario: 'half-open',
    profile: 'small-defaults',
    verdict: 'fail',
    // The product's defaults notice nothing until the network comes back.
    expect: (s) => {
      expect(s.failedChecks).toEqual(['reconnect']);
      expect(fault(s).detect.p50!).toBeGreaterThan(5_000);
    },
  },
  {
    scenario: 'latency-spike',
    profile: 'small',
    verdict: 'pass',
    expect: (s) => {
      expect(fault(s).affected).toBe(0);
      expect(s.metrics.latency.all.max!).toBeGreaterThan(200);
    },
  },
  {
    scenario: 'bandwidth-squeeze',
    profile: 'small',
    verdict: 'pass',
    expect: (s) => expect(s.metrics.latency.all.max!).toBeGreaterThan(1_000),
  },
  {
    scenario: 'flapping',
    profile: 'small',
    verdict: 'pass',
    expect: (s) => {
      expect(checkOf(s, 'reconnect').counts.reconnects).toBeGreaterThanOrEqual(200);
      // Its first down phase, at its apply, reached every connection (cut-reach.ts).
      expect(checkOf(s, 'generator-health').counts).toMatchObject({ cutReachJudged: 100, cutEscaped: 0 });
    },
  },
  {
    scenario: 'reconnect-storm',
    profile: 'small',
    verdict: 'pass',
    expect: (s) =>
      expect(s.metrics.reconnectDelays.some((d) => d.envelopeMax === 2_000 && d.delays.length > 0)).toBe(true),
  },
  {
    scenario: 'partial-outage',
    profile: 'small',
    verdict: 'pass',
    expect: (s) => {
      expect(fault(s).affected).toBe(30);
      // The cut reached the 30 connections behind its 3 of 10 proxies (history/routes.json), and only them.
      expect(checkOf(s, 'generator-health').counts).toMatchObject({ cutReachJudged: 30, cutEscaped: 0 });
    },
  },
  {
    scenario: 'gateway-restart',
    profile: 'small',
    verdict: 'pass',
    expect: (s) => {
      expect(fault(s).affected).toBe(100);
      expect(fault(s).notRecovered).toBe(0);
    },
  },
  {
    scenario: 'long-outage',
    profile: 'small',
    verdict: 'pass',
    // Every client made its 5 attempts and gave up visibly.
    expect: (s) => {
      expect(checkOf(s, 'reconnect').counts.gaveUp).toBe(50);
      expect(checkOf(s, 'errors-surfaced').counts.stopped).toBe(50);
    },
  },
];

describe('scenario library at small size', () => {
  for (const c of cases) {
    it(`${c.scenario} --profile ${c.profile} ends ${c.verdict}`, async () => {
      const r = await runCli(['run', `scenarios/${c.scenario}.ts`, '--profile', c.profile]);
      expect(r.summary, r.stderr).not.toBeNull();
      const s = r.summary!;
      if (c.verdict === 'pass') c.expect(s, expectPassOrInstrument(s, r.code));
      else {
        expect({ verdict: s.verdict, errors: s.runtimeErrors }).toEqual({ verdict: c.verdict, errors: [] });
        expect(r.code).toBe(1);
        c.expect(s, false);
      }
    }, 120_000);
  }
});
