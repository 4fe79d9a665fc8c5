/**
 * The data the report draws that the oracle adds for it (optional fields of summary.json, added
 * after the first release): failures by reason and closes by close code per second, and per fault
 * the messages lost, duplicated and late. From a hand-written history: a 3 s cut that knocks two
 * of three clients off, which come back and resume.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../policy/policy.ts';
import { parseThreshold } from '../config/threshold.ts';
import type { ClientEvent, History } from '../record/history.ts';
import type { OraclePlan } from '../oracle/context.ts';
import { evaluate } from '../oracle/evaluate.ts';

const T0 = 1_700_000_000_000;
const plan: OraclePlan = {
  policy: DEFAULT_POLICY,
  thresholds: { delivery_latency: [parseThreshold('p(99)<250'), parseThreshold('max<1000')] },
  settleMs: 2_000,
  reconnectToleranceMs: 250,
  faults: [],
};

/**
 * u0 (client 0) sends message k at 1 + k s (seq k+1) and stays connected. Clients 1 and 2 drop at
 * 5.02 s (1006), fail one attempt at 6 s (refused, 1006), and are back at 8.21 s, when they resume
 * messages 6 to 8 (sent 6–8 s) at 8.3 s. Client 2 never gets seq 9; client 1 gets seq 10 twice.
 */
function cutHistory(): History {
  const at = (s: number) => T0 + s * 1_000;
  const ev: ClientEvent[][] = [[], [], []];
  for (let c = 0; c < 3; c++)
    ev[c].push({ k: 'attempt', t: at(0.1), c, n: 1, delay: 0, since: null }, { k: 'open', t: at(0.11), c, n: 1 });
  for (const c of [1, 2]) {
    ev[c].push(
      { k: 'close', t: at(5.02), c, code: 1006, by: 'network' },
      { k: 'attempt', t: at(6), c, n: 1, delay: 980, since: 4 },
      { k: 'fail', t: at(6.01), c, n: 1, why: 'refused', code: 1006 },
      { k: 'attempt', t: at(8.2), c, n: 2, delay: 2_190, since: 4 },
      { k: 'open', t: at(8.21), c, n: 2 },
    );
  }
  for (let k = 0; k < 10; k++) {
    const t = at(1 + k);
    const id = `m0-${k}`;
    const seq = k + 1;
    ev[0].push({ k: 'send', t, c: 0, id, open: true }, { k: 'ack', t: t + 5, c: 0, id, seq, mid: `chat-0:${seq}` });
    for (let c = 0; c < 3; c++) {
      if (c === 2 && seq === 9) continue;
      const away = c > 0 && t > at(5.02) && t < at(8.21);
      const recv: ClientEvent = {
        k: 'recv',
        t: away ? at(8.3) : t + 10,
        c,
        seq,
        id,
        sender: 'u0',
        mid: `chat-0:${seq}`,
        sts: t + 4,
      };
      ev[c].push(recv);
      if (c === 1 && seq === 10) ev[c].push({ ...recv, t: t + 20 });
    }
  }
  for (let c = 0; c < 3; c++) ev[c].push({ k: 'close', t: at(31), c, code: 1000, by: 'client' });
  for (const list of ev) list.sort((a, b) => a.t - b.t);
  return {
    roster: ev.map((_, c) => ({ c, user: `u${c}`, chat: 'chat-0', worker: 0 })),
    byClient: ev,
    faults: [
      {
        id: 'cut#1',
        type: 'cut',
        plannedStart: at(5),
        plannedEnd: at(8),
        applyStart: at(5),
        applyEnd: at(5.001),
        removeStart: at(8),
        removeEnd: at(8.001),
      },
    ],
    samples: [],
    phases: { start: T0, connected: at(0.11), trafficStart: at(1), trafficEnd: at(30), drained: at(30.5), end: at(31) },
    drainComplete: true,
  };
}

describe('report data from the oracle', () => {
  const e = evaluate(cutHistory(), plan);

  it('counts failed attempts by reason and closes by close code, per second', () => {
    const at = (s: number) => e.metrics.series.find((p) => p.s === s)!;
    expect(at(5).closesByCode).toEqual({ '1006': 2 });
    expect(at(6).failuresByReason).toEqual({ 'refused 1006': 2 });
    expect(at(31).closesByCode).toEqual({ '1000': 3 });
    // Seconds without any are left out, so summary.json stays small.
    expect(at(7)).not.toHaveProperty('failuresByReason');
    expect(at(7)).not.toHaveProperty('closesByCode');
    // The per-second breakdowns add up to the run's totals.
    const sum = (key: 'failuresByReason' | 'closesByCode') => {
      const out: Record<string, number> = {};
      for (const p of e.metrics.series) for (const [k, v] of Object.entries(p[key] ?? {})) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    expect(sum('failuresByReason')).toEqual(e.metrics.failureReasons);
    expect(sum('closesByCode')).toEqual(e.metrics.closeCodes);
  });

  it('attributes lost, duplicated and late deliveries to the fault around them', () => {
    const [cut] = e.metrics.faults;
    expect(cut.id).toBe('cut#1');
    expect(cut.affected).toBe(2);
    // Messages sent or acked from 5 s until the last client was back (8.21 s) plus 2 s settle: k = 4…9;
    // late: seq 6–8 at clients 1 and 2, resumed 0.3–2.3 s after the send.
    expect(cut.delivery).toEqual({
      messages: 6,
      required: 18,
      lost: 1,
      duplicated: 1,
      late: 6,
      lateAfterMs: 250,
      from: 5,
      to: 10.21,
    });
    // The delivery check sees the same loss and duplicate.
    const d = e.checks.find((c) => c.name === 'delivery')!;
    expect({ lost: d.counts.lost, duplicated: d.counts.duplicated }).toEqual({ lost: 1, duplicated: 1 });
  });

  it('leaves "late" unjudged without a delivery_latency upper limit', () => {
    const [cut] = evaluate(cutHistory(), { ...plan, thresholds: {} }).metrics.faults;
    expect(cut.delivery).toMatchObject({ late: null, lateAfterMs: null, lost: 1 });
  });
});
