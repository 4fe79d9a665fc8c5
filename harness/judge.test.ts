import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticHistory } from '../test/fixtures/synthetic-history.ts';
import { DEFAULT_POLICY } from './policy/policy.ts';
import { parseThreshold } from './config/threshold.ts';
import { judgeRun, partition } from './judge.ts';
import { withoutProbes } from './oracle/auth.ts';
import { buildContext } from './oracle/context.ts';
import { buildFrame, evaluate, finishEvaluation, judgePart, lastEventOf } from './oracle/evaluate.ts';
import { mergeEvaluations } from './oracle/merge.ts';
import { encodeJudged } from './oracle/judged-json.ts';
import { connectionsOf } from './oracle/windows.ts';
import { eventFiles } from './record/files.ts';
import { readHistory, scanEvents } from './record/reader.ts';
import type { ClientEvent } from './record/history.ts';
import { EventLog } from './record/writer.ts';

const plan = {
  policy: DEFAULT_POLICY,
  thresholds: { delivery_latency: [parseThreshold('p(99)<250')], recovery_time: [parseThreshold('p(99)<5000')] },
  settleMs: 2_000,
  reconnectToleranceMs: 250,
  faults: [],
};

function folder(opts: Parameters<typeof writeSyntheticHistory>[1]): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'chatstorm-judge-')), 'history');
  writeSyntheticHistory(dir, opts);
  return dir;
}

describe('judge: part by part, merged exactly', () => {
  const dir = folder({ clients: 90, chatSize: 5, workers: 3, messagesPerClient: 8, defects: true });
  const whole = evaluate(readHistory(dir), plan);

  it('the synthetic history has something for every check to find, in every worker', () => {
    const by = Object.fromEntries(whole.checks.map((c) => [c.name, c]));
    expect(whole.verdict).toBe('fail');
    expect(by.delivery.counts.lost).toBe(18);
    expect(by.delivery.counts.duplicated).toBe(6);
    expect(by.reconnect.counts.delayOutsidePolicy).toBe(6);
    expect(by['errors-surfaced'].counts.silent).toBe(6);
    expect(by['no-fallback'].counts.total).toBe(5);
    // More examples than are kept: which ones survive is part of what the merge must get right.
    expect(by.delivery.examples.filter((e) => e.category === 'lost')).toHaveLength(5);
    expect(whole.metrics.latency.steady.count).toBeGreaterThan(1_000);
  });

  it('judged per worker and merged with mergeEvaluations gives exactly the whole: counts, examples, HDR percentiles, series', () => {
    const history = withoutProbes(readHistory(dir));
    const all = buildContext(history, plan);
    const frame = buildFrame(
      history,
      plan,
      all.clients.map((v) => connectionsOf(v.entry.c, v.events)),
      lastEventOf(history.byClient, history.phases.start),
    );
    const parts = [0, 1, 2].map((w) =>
      judgePart(
        buildContext(
          history,
          plan,
          history.roster.filter((r) => r.worker === w).map((r) => r.c),
        ),
        frame,
      ),
    );
    const before = JSON.stringify(parts.map((p) => p.delivery));
    const merged = finishEvaluation(mergeEvaluations(parts), frame, plan, null);
    expect(merged).toEqual(whole);
    expect(merged.metrics.latency.steady.p99).toBe(whole.metrics.latency.steady.p99);
    // Pure: the parts are as they were.
    expect(JSON.stringify(parts.map((p) => p.delivery))).toBe(before);
  });

  it('the streaming judge, in parts far smaller than a worker, gives exactly the whole', async () => {
    const judged = await judgeRun(dir, plan, [], { partRecords: 400, threads: 0 });
    expect(judged.parts).toBeGreaterThan(6);
    expect(judged.evaluation).toEqual(whole);
  });

  it('judged by two threads, parts split and judged out of order, it gives exactly the whole, and the same judged parts', async () => {
    const here = await judgeRun(dir, plan, [], { partRecords: 400, threads: 0 });
    const threaded = await judgeRun(dir, plan, [], { partRecords: 400, threads: 2 });
    expect(threaded.parts).toBe(here.parts);
    expect(threaded.evaluation).toEqual(whole);
    expect(threaded.clock).toEqual(here.clock);
    expect(JSON.stringify(encodeJudged(threaded.judged))).toBe(JSON.stringify(encodeJudged(here.judged)));
  });

  it('a run folder of the previous format (NDJSON) is judged the same', async () => {
    const old = join(mkdtempSync(join(tmpdir(), 'chatstorm-judge-ndjson-')), 'history');
    cpSync(dir, old, { recursive: true });
    for (const f of eventFiles(old)) {
      const lines: string[] = [];
      scanEvents(
        f,
        () => true,
        (ev) => lines.push(JSON.stringify(ev)),
      );
      writeFileSync(f.path.replace(/\.rec$/, '.ndjson'), `${lines.join('\n')}\n`);
      rmSync(f.path);
    }
    expect(eventFiles(old).map((f) => f.format)).toEqual(['ndjson', 'ndjson', 'ndjson']);
    expect((await judgeRun(old, plan, [], { partRecords: 400 })).evaluation).toEqual(whole);
    expect((await judgeRun(old, plan, [], { partRecords: 400, threads: 2 })).evaluation).toEqual(whole);
  });

  it('attempts judged from their due time and a saturated instrument (issue 9) merge exactly too', async () => {
    const late = join(mkdtempSync(join(tmpdir(), 'chatstorm-judge-due-')), 'history');
    cpSync(dir, late, { recursive: true });
    // Every reconnect attempt's timer fired 400 ms late (more than the 250 ms tolerance): the attempt
    // and everything its client did after it happen 400 ms later than recorded, and the attempt
    // carries the time it was due. Rewritten through the codec.
    let withDue = 0;
    for (const f of eventFiles(late)) {
      const events: ClientEvent[] = [];
      scanEvents(
        f,
        () => true,
        (ev) => events.push(ev),
      );
      rmSync(f.path);
      const shift = new Map<number, number>();
      const moved = events.map((ev): ClientEvent => {
        let off = shift.get(ev.c) ?? 0;
        if (ev.k === 'attempt' && ev.delay > 0) {
          withDue++;
          const due = ev.t + off;
          off += 400;
          shift.set(ev.c, off);
          return { ...ev, t: ev.t + off, due };
        }
        return off ? { ...ev, t: ev.t + off } : ev;
      });
      moved.sort((a, b) => a.t - b.t);
      const log = new EventLog(f.path, moved[0].t);
      for (const ev of moved) log.record(ev);
      await log.close();
      expect(readFileSync(f.path).includes(Buffer.from('"due"'))).toBe(false);
    }
    const { phases } = readHistory(late);
    // Fleet worker 1 had its event loop behind for the whole traffic phase.
    const samples = Array.from({ length: Math.ceil((phases.drained - phases.trafficStart) / 1_000) }, (_, i) => ({
      t: phases.trafficStart + i * 1_000,
      worker: 1,
      eldP99: 400,
      eldMax: 600,
      cpu: 0.5,
      open: 30,
      connecting: 0,
      sent: 3,
      received: 12,
    }));
    writeFileSync(join(late, 'samples.ndjson'), `${samples.map((x) => JSON.stringify(x)).join('\n')}\n`);
    const judgedWhole = evaluate(readHistory(late), plan);
    const by = Object.fromEntries(judgedWhole.checks.map((c) => [c.name, c]));
    expect(withDue).toBeGreaterThan(3);
    expect(by.reconnect.counts.generatorLate).toBe(withDue);
    expect(by['generator-health'].verdict).toBe('inconclusive');
    // The late timers are the instrument's, not breaches: only the history's planted too-early
    // retries (200 ms where the policy says 1 s) are outside the policy, and no lateness makes a
    // client early, so reconnect still fails, as does what no lateness causes (delivery).
    expect(by.reconnect.counts.delayOutsidePolicy).toBe(by.reconnect.counts.delayTooShort);
    expect(by.reconnect.counts.delayTooShort).toBeGreaterThan(0);
    expect(by.reconnect.verdict).toBe('fail');
    expect(by.reconnect.summary).not.toMatch(/^Not judged against the gateway/);
    expect(by.delivery.verdict).toBe('fail');
    // A timed check that only a slow instrument could break is not blamed on the gateway.
    expect(by.latency.verdict).not.toBe('fail');
    expect((await judgeRun(late, plan, [], { partRecords: 400 })).evaluation).toEqual(judgedWhole);
    expect((await judgeRun(late, plan, [], { partRecords: 400, threads: 2 })).evaluation).toEqual(judgedWhole);
  });

  it('partition: whole chats, one worker each, in roster order', () => {
    const h = readHistory(dir);
    const parts = partition(h, new Float64Array(h.roster.length).fill(10), 120);
    expect(parts.flat()).toEqual(h.roster.map((r) => r.c));
    for (const p of parts) {
      expect(new Set(p.map((c) => h.roster[c].worker)).size).toBe(1);
      expect(p.length % 5).toBe(0);
    }
  });
});

describe('judge: bounded memory', () => {
  it('judges a history larger than the heap it is allowed (which reading it whole cannot)', () => {
    const dir = folder({ clients: 1_000, chatSize: 10, workers: 2, messagesPerClient: 30 });
    const HEAP_MB = 40;
    const node = (script: string) =>
      spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--input-type=module', '-e', script], {
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
      });
    // 300,000 deliveries. Read whole into memory (as the judge did before), they do not fit the heap:
    const whole = node(
      `import { readHistory } from './harness/record/reader.ts'; console.log(readHistory(${JSON.stringify(dir)}).byClient.length);`,
    );
    expect(whole.status).not.toBe(0);
    expect(whole.stderr).toMatch(/heap out of memory|Allocation failed/);
    // Streamed and judged in parts, they do.
    const judged = node(`
      import { judgeRun } from './harness/judge.ts';
      import { DEFAULT_POLICY } from './harness/policy/policy.ts';
      const j = await judgeRun(${JSON.stringify(dir)}, { policy: DEFAULT_POLICY, thresholds: {}, settleMs: 2000, reconnectToleranceMs: 250, faults: [] }, [], { partRecords: 30000 });
      const d = j.evaluation.checks.find((c) => c.name === 'delivery');
      console.log(JSON.stringify({ verdict: d.verdict, required: d.counts.required, delivered: d.counts.deliveredLive, records: j.records, parts: j.parts }));
    `);
    expect(judged.stderr).toBe('');
    const out = JSON.parse(judged.stdout);
    expect(out).toMatchObject({ verdict: 'pass', required: 300_000, delivered: 300_000 });
    expect(out.parts).toBeGreaterThan(8);
    // On two judging threads, each with that heap too (a worker inherits --max-old-space-size).
    const threaded = node(`
      import { judgeRun } from './harness/judge.ts';
      import { DEFAULT_POLICY } from './harness/policy/policy.ts';
      const j = await judgeRun(${JSON.stringify(dir)}, { policy: DEFAULT_POLICY, thresholds: {}, settleMs: 2000, reconnectToleranceMs: 250, faults: [] }, [], { partRecords: 30000, threads: 2 });
      const d = j.evaluation.checks.find((c) => c.name === 'delivery');
      console.log(JSON.stringify({ verdict: d.verdict, required: d.counts.required, delivered: d.counts.deliveredLive, records: j.records, parts: j.parts, threads: j.threads }));
    `);
    expect(threaded.stderr).toBe('');
    expect(JSON.parse(threaded.stdout)).toEqual({ ...out, threads: 2 });
  }, 180_000);
});

describe('judge: auth probes', () => {
  it('judges the probes apart, from pass 1, as evaluate does', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'chatstorm-judge-probes-')), 'history');
    writeSyntheticHistory(dir, { clients: 10, chatSize: 5, workers: 1, messagesPerClient: 2 });
    const roster = JSON.parse(readFileSync(join(dir, 'roster.json'), 'utf8'));
    roster.push({
      c: 10,
      user: 'u10',
      chat: 'chat-0',
      worker: 1,
      probe: { kind: 'missing', when: 'first-connect', expect: 4401 },
    });
    roster.push({
      c: 11,
      user: 'u11',
      chat: 'chat-1',
      worker: 1,
      probe: { kind: 'wrong-chat', when: 'first-connect', expect: 4403 },
    });
    writeFileSync(join(dir, 'roster.json'), JSON.stringify(roster));
    const log = new EventLog(join(dir, 'events-1.rec'), 1_700_000_000_000);
    const t = 1_700_000_000_200;
    log.record({ k: 'attempt', t, c: 10, n: 1, delay: 0, since: null });
    log.record({ k: 'open', t: t + 1, c: 10, n: 1 });
    log.record({ k: 'close', t: t + 2, c: 10, code: 4401, by: 'server' });
    log.record({ k: 'attempt', t, c: 11, n: 1, delay: 0, since: null });
    log.record({ k: 'open', t: t + 1, c: 11, n: 1 });
    log.record({ k: 'recv', t: t + 1500, c: 11, seq: 1, id: 'm5-0', sender: 'u5', mid: 'chat-1:1', sts: t + 1400 });
    await log.close();
    const whole = evaluate(readHistory(dir), plan);
    const auth = whole.checks.find((c) => c.name === 'auth')!;
    expect(auth.counts).toMatchObject({ probes: 2, refusedRightCode: 1, accepted: 1, receivedMessages: 1 });
    expect((await judgeRun(dir, plan, [], { partRecords: 50 })).evaluation).toEqual(whole);
    // Pass 1 over two files on two threads: the probes' events come back from both.
    expect((await judgeRun(dir, plan, [], { partRecords: 50, threads: 2 })).evaluation).toEqual(whole);
  });
});
