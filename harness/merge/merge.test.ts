/**
 * The merge from hand-written histories: a run of 9 chats judged whole on one host, and the same
 * run split into 3 shards (chat k → shard k mod 3), each judged on its own, written as a shard's
 * run folder (plan.json, summary.json, judged.json) and merged by `chatstorm merge`'s own code
 * (mergeRuns: mergeEvaluations + finishEvaluation), give the same verdict on every check, the same
 * counts and the same latency percentiles — including a p99 threshold that no single shard's p99
 * decides the way the whole run's does.
 */
import { describe, expect, it } from 'vitest';
import type { ClientEvent, History, RosterEntry } from '../record/history.ts';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, judgeInMemory } from '../oracle/evaluate.ts';
import { encodeJudged, JUDGED_FILE } from '../oracle/judged-json.ts';
import { resolvePlan, type RunPlan } from '../config/plan.ts';
import { buildSummary, type Summary } from '../report/summary.ts';
import { mulberry32 } from '../fleet/random.ts';
import { mergeRuns } from './merge.ts';

const T0 = 1_700_000_000_000;
const CHATS = 9;
const SIZE = 3;

/**
 * Chat k: three clients, each sends a message a second for 20 s; every member receives it after a
 * latency of 5-60 ms, except 6 % of chat 1's deliveries, which take 300-400 ms: 2 % of shard 1's
 * deliveries (its p99 is slow), 0.67 % of the whole run's (its p99 is fast). `lose`: the chat and
 * seq whose delivery to its last member never arrives.
 */
function run(lose?: { chat: number; seq: number }): { roster: RosterEntry[]; ev: ClientEvent[][] } {
  const roster: RosterEntry[] = [];
  const ev: ClientEvent[][] = [];
  for (let k = 0; k < CHATS; k++) {
    const rnd = mulberry32(k + 1);
    const base = k * SIZE;
    for (let j = 0; j < SIZE; j++) {
      const c = base + j;
      roster.push({ c, user: `u${c}`, chat: `chat-${k}`, worker: 0 });
      ev.push([
        { k: 'attempt', t: T0 + 100, c, n: 1, delay: 0, since: null },
        { k: 'open', t: T0 + 110 + j, c, n: 1 },
      ]);
    }
    let seq = 0;
    for (let s = 0; s < 20; s++) {
      for (let j = 0; j < SIZE; j++) {
        const sender = base + j;
        const t = T0 + 1_000 + s * 1_000 + j * 100;
        const id = `m${sender}-${s}`;
        seq++;
        ev[sender].push(
          { k: 'send', t, c: sender, id, open: true },
          { k: 'ack', t: t + 2, c: sender, id, seq, mid: `chat-${k}:${seq}` },
        );
        for (let m = 0; m < SIZE; m++) {
          if (lose && lose.chat === k && lose.seq === seq && m === SIZE - 1) continue;
          // Only the last sender of each second is slow, 18 % of the time (6 % of the chat): the next
          // message comes 800 ms later, so the chat stays in order.
          const ms = k === 1 && j === SIZE - 1 && rnd() < 0.18 ? 300 + rnd() * 100 : 5 + rnd() * 55;
          ev[base + m].push({
            k: 'recv',
            t: t + ms,
            c: base + m,
            seq,
            id,
            sender: `u${sender}`,
            mid: `chat-${k}:${seq}`,
            sts: t + 1,
          });
        }
      }
    }
    for (let j = 0; j < SIZE; j++)
      ev[base + j].push({ k: 'close', t: T0 + 23_000, c: base + j, code: 1000, by: 'client' });
  }
  for (const list of ev) list.sort((a, b) => a.t - b.t);
  return { roster, ev };
}

function history(roster: RosterEntry[], byClient: ClientEvent[][]): History {
  return {
    roster,
    byClient,
    faults: [],
    samples: Array.from({ length: 22 }, (_, i) => ({
      t: T0 + 1_000 + i * 1_000,
      worker: 0,
      eldP99: 10,
      eldMax: 15,
      cpu: 0.2,
      open: roster.length,
      connecting: 0,
      sent: 1,
      received: 1,
    })),
    phases: {
      start: T0,
      connected: T0 + 120,
      trafficStart: T0 + 1_000,
      trafficEnd: T0 + 21_000,
      drained: T0 + 22_000,
      end: T0 + 23_000,
    },
    drainComplete: true,
  };
}

/** Shard i's history: its chats, its clients renumbered from 0, the run-wide index in g (as buildRoster does). */
function shardOf(r: { roster: RosterEntry[]; ev: ClientEvent[][] }, i: number, n: number): History {
  const mine = r.roster.filter((e) => Number(e.chat.slice(5)) % n === i);
  const local = new Map(mine.map((e, c) => [e.c, c]));
  return history(
    mine.map((e, c) => ({ ...e, c, g: e.c })),
    mine.map((e) => r.ev[e.c].map((x) => ({ ...x, c: local.get(x.c)! }))),
  );
}

function summarize(h: History, plan: RunPlan): Summary {
  return buildSummary({
    plan,
    evaluation: evaluate(h, plan),
    phases: h.phases,
    drainComplete: h.drainComplete,
    interrupted: false,
    target: { provider: 'external', gatewayUrl: '', directUrl: '', versions: {} },
  });
}

const planOf = (threshold: string, shard?: number) =>
  resolvePlan(
    { name: 'm', clients: CHATS * SIZE, chatSize: SIZE, thresholds: { delivery_latency: [threshold] } },
    {
      scenarioFile: 'm.ts',
      runId: shard === undefined ? 'm' : `m-${shard}`,
      ...(shard === undefined ? {} : { shard: `${shard}/3` }),
    },
  );

/** Shard i's run folder as `chatstorm run --shard i/3` leaves it; `dead`: only its plan.json (it died); `alter`: changes its history first. */
function shardFolder(
  root: string,
  r: ReturnType<typeof run>,
  i: number,
  threshold: string,
  dead = false,
  alter: (h: History) => History = (h) => h,
): string {
  const plan = planOf(threshold, i);
  const dir = join(root, `shard-${i}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
  if (dead) return dir;
  const h = alter(shardOf(r, i, 3));
  const s = summarize(h, plan);
  s.shard = { ...plan.shard!, clock: { offsetMs: 0, uncertaintyMs: 1, samples: 1 } };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(s));
  writeFileSync(join(dir, JUDGED_FILE), JSON.stringify(encodeJudged(judgeInMemory(h, plan))));
  return dir;
}

function whole_and_merged(threshold: string, lose?: { chat: number; seq: number }) {
  const r = run(lose);
  const whole = summarize(history(r.roster, r.ev), planOf(threshold));
  const shards = [0, 1, 2].map((i) => summarize(shardOf(r, i, 3), planOf(threshold, i)));
  const root = mkdtempSync(join(tmpdir(), 'chatstorm-merge-'));
  const dirs = [0, 1, 2].map((i) => shardFolder(root, r, i, threshold));
  const merged = mergeRuns(dirs, join(root, 'merged')).summary;
  return { whole, shards, merged };
}

const verdicts = (s: Summary) => s.checks.map((c) => [c.name, c.verdict]);

describe('merging shards equals judging the run whole', () => {
  it("same verdicts, counts and percentiles; a p99 threshold judged on the merged histogram, not on any shard's", () => {
    const { whole, shards, merged } = whole_and_merged('p(99)<100');
    // Shard 1 alone breaches p(99)<100; the whole run does not, and neither does the merge: the
    // worst shard's verdict would have been wrong, so would any average of the shards' p99s.
    expect(shards.map((s) => s.checks.find((c) => c.name === 'latency')!.verdict)).toEqual(['pass', 'fail', 'pass']);
    expect(whole.checks.find((c) => c.name === 'latency')!.verdict).toBe('pass');
    expect(merged.metrics.latency.steady).toEqual(whole.metrics.latency.steady);
    expect(merged.metrics.latency.spectrum).toEqual(whole.metrics.latency.spectrum);
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(whole.verdict).toBe('pass');
    for (const name of ['delivery', 'errors-surfaced', 'no-fallback']) {
      expect(merged.checks.find((c) => c.name === name)!.counts, name).toEqual(
        whole.checks.find((c) => c.name === name)!.counts,
      );
    }
    expect(merged.verdict).toBe(whole.verdict);
    // The per-second series: counts summed, percentiles from the merged per-second histograms.
    const w = whole.metrics.series.filter((p) => p.received > 0);
    const m = merged.metrics.series.filter((p) => p.received > 0);
    expect(m.map((p) => [p.s, p.sent, p.received, p.p50, p.p99, p.max])).toEqual(
      w.map((p) => [p.s, p.sent, p.received, p.p50, p.p99, p.max]),
    );
  });

  it('a percentile that the whole run breaches is breached by the merge (and the verdicts agree both ways)', () => {
    for (const t of ['p(99.5)<100', 'p(50)<30', 'max<390']) {
      const { whole, merged } = whole_and_merged(t);
      expect([t, merged.verdict, verdicts(merged)]).toEqual([t, whole.verdict, verdicts(whole)]);
    }
  });

  it('a lost message on one shard fails the merged delivery check with the same count, the example keeps its shard', () => {
    const { whole, merged } = whole_and_merged('p(99)<1000', { chat: 4, seq: 7 });
    expect(whole.checks.find((c) => c.name === 'delivery')!.verdict).toBe('fail');
    expect(verdicts(merged)).toEqual(verdicts(whole));
    const d = merged.checks.find((c) => c.name === 'delivery')!;
    expect(d.counts.lost).toBe(1);
    const lost = d.examples.filter((e) => e.category === 'lost');
    expect(lost).toEqual([expect.objectContaining({ shard: 1, chat: 'chat-4', client: 14, user: 'u14' })]);
  });

  it('a shard that died (no summary.json, no judged.json) makes the merged verdict error, naming it', () => {
    const r = run();
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-merge-'));
    const dirs = [0, 1, 2].map((i) => shardFolder(root, r, i, 'p(99)<1000', i === 2));
    const merged = mergeRuns(dirs, join(root, 'merged')).summary;
    expect(merged.verdict).toBe('error');
    expect(merged.runtimeErrors).toEqual([
      {
        code: 'shard-died',
        message: `shard 2 (${dirs[2]}) wrote no summary.json: it died before judging its part of the run`,
      },
    ]);
    expect(merged.shards!.map((s) => s.verdict)).toEqual(['pass', 'pass', 'missing-summary']);
  });

  it('what the merge judges itself names the shard: a fleet that fell behind on shard 2, a slow delivery on shard 1', () => {
    const r = run();
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-merge-'));
    const behind = (h: History): History => ({
      ...h,
      samples: h.samples.map((x) => ({ ...x, eldP99: 400, eldMax: 450 })),
      stackSamples: h.samples.map((x) => ({ t: x.t, name: 'toxiproxy', cpu: 0.99, rssMb: 30 })),
    });
    const dirs = [0, 1, 2].map((i) => shardFolder(root, r, i, 'p(99.5)<100', false, i === 2 ? behind : undefined));
    const merged = mergeRuns(dirs, join(root, 'merged')).summary;
    const health = merged.checks.find((c) => c.name === 'generator-health')!;
    expect(health.verdict).toBe('inconclusive');
    expect(health.summary).toContain('toxiproxy (shard 2)');
    expect(health.examples.length).toBeGreaterThan(1);
    for (const e of health.examples) {
      expect(e.shard, e.detail).toBe(2);
      expect(e.detail).toMatch(/^(shard 2 fleet worker 0: |toxiproxy \(shard 2\): )/);
    }
    expect(new Set(merged.metrics.generator.map((g) => g.shard))).toEqual(new Set([0, 1, 2]));
    // The merged latency check (p99.5 over 100 ms, breached by chat 1's slow deliveries; not
    // judged against the gateway with shard 2's fleet behind) names the shard of each slow
    // delivery it shows: all of them chat 1's, on shard 1.
    const latency = merged.checks.find((c) => c.name === 'latency')!;
    const slow = latency.examples.filter((e) => e.category === 'slow');
    expect(slow.length).toBeGreaterThan(0);
    for (const e of slow) expect([e.chat, e.shard]).toEqual(['chat-1', 1]);
    expect(latency.verdict).toBe('inconclusive');
  });

  it("a shard's oversubscribed host is kept with its shard: the merged slow latency is not judged against the gateway, naming the host", () => {
    const r = run();
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-merge-'));
    const busy = (h: History): History => ({
      ...h,
      hostSamples: h.samples.map((x) => ({ t: x.t, cpuSome: 0.97, running: 12, busyCores: 2, cores: 2 })),
    });
    const dirs = [0, 1, 2].map((i) => shardFolder(root, r, i, 'p(99.5)<100', false, i === 1 ? busy : undefined));
    const merged = mergeRuns(dirs, join(root, 'merged')).summary;
    const health = merged.checks.find((c) => c.name === 'generator-health')!;
    expect(health.verdict).toBe('inconclusive');
    expect(health.summary).toMatch(/^The host's CPU was oversubscribed — /);
    expect(health.counts.hostMeasured).toBe(1);
    const latency = merged.checks.find((c) => c.name === 'latency')!;
    expect(latency.verdict).toBe('inconclusive');
    expect(latency.summary).toMatch(/^Not judged against the gateway: the host's CPU was oversubscribed/);
    // Without the busy host the same shards fail latency.
    const calm = mergeRuns(
      [0, 1, 2].map((i) => shardFolder(mkdtempSync(join(tmpdir(), 'chatstorm-merge-')), r, i, 'p(99.5)<100', false)),
      join(root, 'merged-calm'),
    ).summary;
    expect(calm.checks.find((c) => c.name === 'latency')!.verdict).toBe('fail');
  });

  it('the merged evaluation equals the whole one: counts, histograms, series, examples by shard', () => {
    const { whole, merged } = whole_and_merged('p(99)<1000', { chat: 4, seq: 7 });
    expect(merged.clients).toBe(whole.clients);
    expect(merged.chats).toBe(whole.chats);
    expect(merged.checks.map((c) => c.name)).toEqual(whole.checks.map((c) => c.name));
    for (const c of whole.checks) {
      const m = merged.checks.find((x) => x.name === c.name)!;
      // generator-health counts every load generator's samples: three shards have three generators.
      const counts = c.name === 'generator-health' ? { ...c.counts, samples: c.counts.samples * 3 } : c.counts;
      expect([c.name, m.verdict, m.counts, m.thresholds ?? null]).toEqual([
        c.name,
        c.verdict,
        counts,
        c.thresholds ?? null,
      ]);
      expect(
        m.examples.map(({ shard: _shard, ...e }) => e),
        c.name,
      ).toEqual(c.examples);
    }
    expect(merged.metrics.latency).toEqual(whole.metrics.latency);
    expect(merged.metrics.failureReasons).toEqual(whole.metrics.failureReasons);
    expect(merged.metrics.closeCodes).toEqual(whole.metrics.closeCodes);
    expect(merged.metrics.attemptsPerClient).toEqual(whole.metrics.attemptsPerClient);
    expect(merged.metrics.series).toEqual(whole.metrics.series);
  });

  it('series are aligned on wall-clock seconds: a shard that started 2 s later lands 2 s later', () => {
    const r = run({ chat: 4, seq: 7 });
    const late = (h: History): History => ({
      ...h,
      byClient: h.byClient.map((l) =>
        l.map((e) => ({ ...e, t: e.t + 2_000, ...('sts' in e ? { sts: e.sts + 2_000 } : {}) }) as ClientEvent),
      ),
      samples: h.samples.map((x) => ({ ...x, t: x.t + 2_000 })),
      phases: Object.fromEntries(Object.entries(h.phases).map(([k, v]) => [k, v + 2_000])) as History['phases'],
    });
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-merge-'));
    const dirs = [0, 1, 2].map((i) => {
      const plan = planOf('p(99)<1000', i);
      const dir = join(root, `shard-${i}`);
      mkdirSync(dir, { recursive: true });
      const h = i === 1 ? late(shardOf(r, i, 3)) : shardOf(r, i, 3);
      const s = summarize(h, plan);
      s.shard = { ...plan.shard!, clock: { offsetMs: 0, uncertaintyMs: 1, samples: 1 } };
      writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan));
      writeFileSync(join(dir, 'summary.json'), JSON.stringify(s));
      writeFileSync(join(dir, JUDGED_FILE), JSON.stringify(encodeJudged(judgeInMemory(h, plan))));
      return { dir, s };
    });
    const merged = mergeRuns(
      dirs.map((d) => d.dir),
      join(root, 'merged'),
    ).summary;
    const offset = [0, 2, 0];
    const expected = new Map<number, { sent: number; received: number }>();
    dirs.forEach(({ s }, i) => {
      for (const p of s.metrics.series) {
        const e = expected.get(p.s + offset[i]) ?? { sent: 0, received: 0 };
        expected.set(p.s + offset[i], { sent: e.sent + p.sent, received: e.received + p.received });
      }
    });
    expect(merged.metrics.series.map((p) => [p.s, p.sent, p.received])).toEqual(
      [...expected].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v.sent, v.received]),
    );
    // The lost message is shard 1's (chat 4): its example's time moved by the shard's 2 s.
    const lost = merged.checks.find((c) => c.name === 'delivery')!.examples.find((e) => e.category === 'lost')!;
    const own = dirs[1].s.checks.find((c) => c.name === 'delivery')!.examples.find((e) => e.category === 'lost')!;
    expect([lost.shard, lost.at]).toEqual([1, own.at! + 2]);
  });
});
