/** judgeUnfinished on hand-made evaluations: a broken or interrupted run never passes. */
import { describe, expect, it } from 'vitest';
import type { CheckResult, Evaluation } from './types.ts';
import { judgeUnfinished } from './unfinished.ts';

const check = (name: CheckResult['name'], verdict: CheckResult['verdict']): CheckResult => ({
  name,
  verdict,
  summary: `${name} said ${verdict}.`,
  counts: {},
  examples: [],
});
const evaluation = (checks: CheckResult[], runtimeErrors: Evaluation['runtimeErrors'] = []): Evaluation => ({
  verdict: 'pass',
  checks,
  runtimeErrors,
  metrics: {} as Evaluation['metrics'],
});

describe('a run that did not run its course', () => {
  it('a finished run is left as it was', () => {
    const e = evaluation([check('delivery', 'pass')]);
    expect(judgeUnfinished(e, { interruptedBy: null })).toBe(e);
  });

  it('interrupted: passing checks become inconclusive with the reason, the verdict is inconclusive', () => {
    const r = judgeUnfinished(evaluation([check('delivery', 'pass'), check('latency', 'pass')]), {
      interruptedBy: 'SIGINT',
    });
    expect(r.verdict).toBe('inconclusive');
    expect(r.checks.map((c) => c.verdict)).toEqual(['inconclusive', 'inconclusive']);
    expect(r.checks[0].summary).toBe(
      'Not judged: the run was interrupted (SIGINT), so the history ends early. What it holds: delivery said pass.',
    );
  });

  it('interrupted after a real failure: the failure stands', () => {
    const r = judgeUnfinished(evaluation([check('delivery', 'fail'), check('latency', 'pass')]), {
      interruptedBy: 'SIGTERM',
    });
    expect(r.verdict).toBe('fail');
    expect(r.checks.map((c) => c.verdict)).toEqual(['fail', 'inconclusive']);
  });

  it('broken: the verdict is error and no check passes', () => {
    const r = judgeUnfinished(
      evaluation(
        [check('delivery', 'pass'), check('reconnect', 'fail')],
        [{ code: 'gateway-exited', message: 'gateway exited' }],
      ),
      { interruptedBy: null },
    );
    expect(r.verdict).toBe('error');
    expect(r.checks.map((c) => c.verdict)).toEqual(['inconclusive', 'fail']);
    expect(r.checks[0].summary).toContain('the run broke (gateway-exited)');
  });
});
