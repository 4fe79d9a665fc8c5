import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  backoffBudget,
  delayEnvelope,
  minimalBackoffBudget,
  nextDelay,
  nominalDelay,
} from './policy.ts';
import type { BackoffPolicy, ClientPolicy, Jitter } from './policy.ts';

/** The largest value a [0, 1) random source can return, near enough. */
const ALMOST_ONE = 1 - 1e-12;

const withJitter = (jitter: Jitter): BackoffPolicy => ({ ...DEFAULT_POLICY.backoff, jitter });
const policyWith = (jitter: Jitter, maxAttempts = DEFAULT_POLICY.maxAttempts): ClientPolicy => ({
  ...DEFAULT_POLICY,
  maxAttempts,
  backoff: withJitter(jitter),
});
const constant = (r: number) => () => r;

describe('DEFAULT_POLICY', () => {
  it('holds the product defaults of docs/client-policy.md', () => {
    expect(DEFAULT_POLICY).toEqual({
      connectTimeoutMs: 10_000,
      backoff: { initialMs: 1_000, maxMs: 30_000, multiplier: 2, jitter: 'none' },
      maxAttempts: 10,
      resetOnOpen: true,
      heartbeat: null,
      ackTimeoutMs: null,
      resume: true,
    });
  });

  it('is frozen, so a scenario cannot change the defaults for everyone', () => {
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.backoff)).toBe(true);
  });
});

describe('nominalDelay', () => {
  it('doubles from 1 s and is capped at 30 s for the defaults: 1, 2, 4, 8, 16, 30, 30, …', () => {
    const seconds = Array.from({ length: 12 }, (_, i) => nominalDelay(DEFAULT_POLICY.backoff, i + 1) / 1000);
    expect(seconds).toEqual([1, 2, 4, 8, 16, 30, 30, 30, 30, 30, 30, 30]);
  });

  it('follows initial × multiplier^(n-1) for other parameters, capped at maxMs', () => {
    const b: BackoffPolicy = { initialMs: 500, maxMs: 10_000, multiplier: 3, jitter: 'none' };
    expect([1, 2, 3, 4, 5].map((n) => nominalDelay(b, n))).toEqual([500, 1_500, 4_500, 10_000, 10_000]);
  });

  it('stays finite and capped for very large attempt numbers', () => {
    expect(nominalDelay(DEFAULT_POLICY.backoff, 10_000)).toBe(30_000);
  });
});

describe('nextDelay and delayEnvelope', () => {
  it("jitter 'none': the nominal delay whatever random() says", () => {
    const b = withJitter('none');
    for (const r of [0, 0.5, ALMOST_ONE]) {
      expect([1, 2, 3, 6, 9].map((n) => nextDelay(b, n, 0, constant(r)))).toEqual([
        1_000, 2_000, 4_000, 30_000, 30_000,
      ]);
    }
    expect(delayEnvelope(b, 3, 0)).toEqual({ min: 4_000, max: 4_000 });
    expect(delayEnvelope(b, 7, 0)).toEqual({ min: 30_000, max: 30_000 });
  });

  it("jitter 'full': uniform in [0, nominal]", () => {
    const b = withJitter('full');
    expect(delayEnvelope(b, 3, 0)).toEqual({ min: 0, max: 4_000 });
    expect(nextDelay(b, 3, 0, constant(0))).toBe(0);
    expect(nextDelay(b, 3, 0, constant(0.5))).toBe(2_000);
    const high = nextDelay(b, 3, 0, constant(ALMOST_ONE));
    expect(high).toBeLessThanOrEqual(4_000);
    expect(high).toBeGreaterThan(3_999);
    expect(delayEnvelope(b, 8, 0)).toEqual({ min: 0, max: 30_000 });
  });

  it("jitter 'equal': half the nominal plus a random half", () => {
    const b = withJitter('equal');
    expect(delayEnvelope(b, 3, 0)).toEqual({ min: 2_000, max: 4_000 });
    expect(nextDelay(b, 3, 0, constant(0))).toBe(2_000);
    expect(nextDelay(b, 3, 0, constant(0.5))).toBe(3_000);
    const high = nextDelay(b, 3, 0, constant(ALMOST_ONE));
    expect(high).toBeLessThanOrEqual(4_000);
    expect(high).toBeGreaterThan(3_999);
    expect(delayEnvelope(b, 8, 0)).toEqual({ min: 15_000, max: 30_000 });
  });

  it("jitter 'decorrelated': between base and 3 × the previous delay, capped", () => {
    const b = withJitter('decorrelated');
    // The first delay of a series grows from the base: [1 s, 3 s].
    expect(delayEnvelope(b, 1, 12_345)).toEqual({ min: 1_000, max: 3_000 });
    expect(nextDelay(b, 1, 12_345, constant(0))).toBe(1_000);
    expect(nextDelay(b, 1, 12_345, constant(0.5))).toBe(2_000);
    expect(nextDelay(b, 1, 12_345, constant(ALMOST_ONE))).toBeGreaterThan(2_999);
    // Later delays grow from the previous actual delay: prev 2.5 s → [1 s, 7.5 s].
    expect(delayEnvelope(b, 2, 2_500)).toEqual({ min: 1_000, max: 7_500 });
    expect(nextDelay(b, 2, 2_500, constant(0.5))).toBe(4_250);
    // And are capped: prev 20 s → [1 s, 30 s] rather than 60 s.
    expect(delayEnvelope(b, 5, 20_000)).toEqual({ min: 1_000, max: 30_000 });
    expect(nextDelay(b, 5, 20_000, constant(ALMOST_ONE))).toBe(30_000);
    expect(nextDelay(b, 5, 20_000, constant(0))).toBe(1_000);
  });

  it.each<Jitter>(['none', 'full', 'equal', 'decorrelated'])(
    "jitter '%s': every delay lies inside its envelope, for random() at 0, 0.5 and ~1",
    (jitter) => {
      const b = withJitter(jitter);
      for (const r of [0, 0.5, ALMOST_ONE]) {
        let prev = 0;
        for (let n = 1; n <= 15; n++) {
          const d = nextDelay(b, n, prev, constant(r));
          const { min, max } = delayEnvelope(b, n, prev);
          expect(min).toBeLessThanOrEqual(max);
          expect(d, `n=${n} r=${r}`).toBeGreaterThanOrEqual(min);
          expect(d, `n=${n} r=${r}`).toBeLessThanOrEqual(max);
          expect(max).toBeLessThanOrEqual(b.maxMs);
          prev = d;
        }
      }
    },
  );

  it('draws exactly one random number per jittered delay (reproducible from the fleet seed)', () => {
    for (const jitter of ['full', 'equal', 'decorrelated'] as const) {
      let calls = 0;
      nextDelay(withJitter(jitter), 3, 2_000, () => {
        calls++;
        return 0.3;
      });
      expect(calls, jitter).toBe(1);
    }
  });
});

describe('backoff budgets', () => {
  // Nominal delays of the 10 attempts, in seconds: 1 + 2 + 4 + 8 + 16 + 30 × 5 = 181 s.
  const DEFAULT_DELAYS_S = [1, 2, 4, 8, 16, 30, 30, 30, 30, 30];
  const SUM_S = 1 + 2 + 4 + 8 + 16 + 30 * 5;

  it('the hand-computed sum is 181 s', () => {
    expect(SUM_S).toBe(181);
    expect(DEFAULT_DELAYS_S.reduce((a, b) => a + b, 0)).toBe(SUM_S);
  });

  it('backoffBudget of the defaults is 181 s (sum of the maximal delays of 10 attempts)', () => {
    expect(backoffBudget(DEFAULT_POLICY)).toBe(SUM_S * 1000);
  });

  it('minimalBackoffBudget of the defaults is also 181 s (no jitter: min = max)', () => {
    expect(minimalBackoffBudget(DEFAULT_POLICY)).toBe(SUM_S * 1000);
  });

  it('both follow maxAttempts', () => {
    expect(backoffBudget(policyWith('none', 3))).toBe((1 + 2 + 4) * 1000);
    expect(minimalBackoffBudget(policyWith('none', 3))).toBe((1 + 2 + 4) * 1000);
    expect(backoffBudget(policyWith('none', 1))).toBe(1000);
  });

  it("'full' jitter: maximum 181 s, minimum 0", () => {
    expect(backoffBudget(policyWith('full'))).toBe(181_000);
    expect(minimalBackoffBudget(policyWith('full'))).toBe(0);
  });

  it("'equal' jitter: maximum 181 s, minimum half of it (90.5 s)", () => {
    expect(backoffBudget(policyWith('equal'))).toBe(181_000);
    expect(minimalBackoffBudget(policyWith('equal'))).toBe(90_500);
  });

  it("'decorrelated' jitter: maximum 3 + 9 + 27 + 30 × 7 = 249 s, minimum 10 × 1 s", () => {
    expect(backoffBudget(policyWith('decorrelated'))).toBe((3 + 9 + 27 + 30 * 7) * 1000);
    expect(minimalBackoffBudget(policyWith('decorrelated'))).toBe(10 * 1000);
  });

  it.each<Jitter>(['none', 'full', 'equal', 'decorrelated'])(
    "'%s': minimal budget ≤ budget, and every actual series of delays lies between them",
    (jitter) => {
      const p = policyWith(jitter);
      const lo = minimalBackoffBudget(p);
      const hi = backoffBudget(p);
      expect(lo).toBeLessThanOrEqual(hi);
      for (const r of [0, 0.5, ALMOST_ONE]) {
        let prev = 0;
        let total = 0;
        for (let n = 1; n <= p.maxAttempts; n++) {
          prev = nextDelay(p.backoff, n, prev, constant(r));
          total += prev;
        }
        expect(total).toBeGreaterThanOrEqual(lo);
        expect(total).toBeLessThanOrEqual(hi);
      }
    },
  );
});
