/**
 * How the streaming judge fares on a long soak: writes a synthetic clean history of the chosen
 * size in the real format (10,000 clients in chats of 10, over 8 fleet processes, a message per
 * client every 5 s: 20,000 deliveries/s), then, each in a fresh process:
 *
 *   baseline   reads and decodes every event of the history, judging nothing (the least any judge must do)
 *   judge      judges it (harness/judge.ts), as `chatstorm report` does
 *
 * and prints records/s and peak RSS of both, and their ratio: on a shared, noisy machine the
 * ratio is what to compare across runs. Writes the figures to bench/results.json under "judge"
 * (other benches keep their own keys).
 *
 *   npm run bench:judge                             3.6 M deliveries (3 min of the soak; also a part of npm run bench)
 *   npm run bench:judge -- --deliveries 36000000    the 30-minute soak: 36 M deliveries
 *   --threads N (judging threads; default: the judge's own choice), --part-records N, --keep (keep the history)
 *
 * Ctrl-C (SIGINT), SIGTERM or an error, while the history is written or measured, stops the process
 * doing it and removes the history (bench/_teardown.ts), and the bench exits 130, 143 or 1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchLifecycle } from './_teardown.ts';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '3600000' },
    clients: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '8' },
    'part-records': { type: 'string' },
    threads: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const clients = Number(values.clients);
const chatSize = 10;
const messagesPerClient = Math.max(1, Math.round(Number(values.deliveries) / (clients * chatSize)));
const ROOT = join(import.meta.dirname, '..');

// Before anything is written: a signal stops the process at work and removes the history (bench/_teardown.ts).
const bench = benchLifecycle('bench/judge');
const dir = values.keep
  ? mkdtempSync(join(tmpdir(), 'chatstorm-bench-judge-'))
  : bench.tempDir('chatstorm-bench-judge-');
const historyDir = join(dir, 'history');

/** Runs `script` (an ES module) in a process of its own, owned by the bench; its stdout is one JSON line. */
async function inChild<T>(name: string, script: string): Promise<T> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  bench.own({ name, pid: child.pid!, stop: async () => void child.kill() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [status] = await once(child, 'close');
  await bench.proceed();
  if (status !== 0) throw new Error(`${name} failed (exit ${status}): ${stderr}`);
  return JSON.parse(stdout) as T;
}

const t = performance.now();
// In a child process: the write is synchronous, and a signal must still reach the bench meanwhile.
const written = await inChild<{ records: number; deliveries: number }>(
  'history writer',
  `
    import { writeSyntheticHistory } from './test/fixtures/synthetic-history.ts';
    console.log(JSON.stringify(writeSyntheticHistory(${JSON.stringify(historyDir)}, ${JSON.stringify({
      clients,
      chatSize,
      workers: Number(values.workers),
      messagesPerClient,
      intervalMs: 5_000,
    })})));
  `,
);
const bytes = spawnSync('du', ['-sb', historyDir], { encoding: 'utf8' }).stdout.split('\t')[0];
console.log(
  `history: ${written.deliveries.toLocaleString('en')} deliveries, ${written.records.toLocaleString('en')} records, ${(Number(bytes) / 1e6).toFixed(0)} MB on disk (${(Number(bytes) / written.records).toFixed(1)} bytes/record); written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

const PLAN = `{ policy: DEFAULT_POLICY, thresholds: { delivery_latency: [parseThreshold('p(99)<250')] }, settleMs: 2000, reconnectToleranceMs: 250, faults: [] }`;
const SCRIPTS = {
  baseline: `
    import { readRunRecord, scanEvents } from './harness/record/reader.ts';
    const t = performance.now();
    let n = 0, x = 0;
    for (const f of readRunRecord(${JSON.stringify(historyDir)}).files) scanEvents(f, () => true, (ev) => { n++; x += ev.t; });
    const ms = performance.now() - t;
    const cpu = process.cpuUsage();
    console.log(JSON.stringify({ records: n, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  `,
  judge: `
    import { judgeRun } from './harness/judge.ts';
    import { DEFAULT_POLICY } from './harness/policy/policy.ts';
    import { parseThreshold } from './harness/config/threshold.ts';
    const t = performance.now();
    const j = await judgeRun(${JSON.stringify(historyDir)}, ${PLAN}, [], ${JSON.stringify({ ...(values['part-records'] ? { partRecords: Number(values['part-records']) } : {}), ...(values.threads !== undefined ? { threads: Number(values.threads) } : {}) })});
    const ms = performance.now() - t;
    const cpu = process.cpuUsage();
    const d = j.evaluation.checks.find((c) => c.name === 'delivery');
    console.log(JSON.stringify({ records: j.records, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, parts: j.parts, threads: j.threads, verdict: j.evaluation.verdict, checks: Object.fromEntries(j.evaluation.checks.map((c) => [c.name, c.verdict])), required: d.counts.required, delivered: d.counts.deliveredLive }));
  `,
};

const measure = (name: keyof typeof SCRIPTS) =>
  inChild<{ records: number; ms: number; cpuMs: number; maxRssMb: number; [k: string]: unknown }>(name, SCRIPTS[name]);

const baseline = await measure('baseline');
const judge = await measure('judge');
await bench.end();
// A clean history: delivery must pass with every delivery accounted for, or the bench measured nothing.
if (judge.checks && (judge.checks as Record<string, string>).delivery !== 'pass')
  throw new Error(`the synthetic history was judged ${JSON.stringify(judge.checks)}: the bench is wrong`);
if (judge.required !== written.deliveries)
  throw new Error(`judged ${judge.required} required deliveries of ${written.deliveries}: the bench is wrong`);

const rate = (m: { records: number; ms: number }) => m.records / (m.ms / 1000);
// CPU time (of the whole process, start-up included) says how much of the wall time was the machine's other load.
const row = (name: string, m: { records: number; ms: number; cpuMs: number; maxRssMb: number }) =>
  `${name.padEnd(9)} ${(m.ms / 1000).toFixed(1).padStart(7)} s wall, ${(m.cpuMs / 1000).toFixed(1).padStart(6)} s CPU  ${(rate(m) / 1e6).toFixed(2).padStart(6)} M records/s  peak RSS ${m.maxRssMb.toFixed(0).padStart(5)} MB`;
console.log(row('baseline', baseline));
console.log(
  `${row('judge', judge)}  (${judge.parts} parts, ${judge.threads ? `${judge.threads} threads` : 'one thread'}; verdicts ${JSON.stringify(judge.checks)})`,
);
console.log(
  `judge/baseline: ${(judge.ms / baseline.ms).toFixed(2)}× the time, ${(judge.maxRssMb / baseline.maxRssMb).toFixed(2)}× the peak RSS`,
);
console.log(
  `target: ≤ 1024 MB peak RSS (${judge.maxRssMb <= 1024 ? 'met' : 'NOT met'}), ≥ 1 M records/s (${rate(judge) >= 1e6 ? 'met' : 'NOT met'} on this machine, now)`,
);

const file = join(import.meta.dirname, 'results.json');
const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
results.judge = {
  at: new Date().toISOString(),
  command: `npm run bench:judge -- --deliveries ${values.deliveries}`,
  loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
  deliveries: written.deliveries,
  records: written.records,
  bytesPerRecord: Math.round((Number(bytes) / written.records) * 10) / 10,
  baseline: {
    seconds: Math.round(baseline.ms) / 1000,
    cpuSeconds: Math.round(baseline.cpuMs) / 1000,
    recordsPerSecond: Math.round(rate(baseline)),
    peakRssMb: Math.round(baseline.maxRssMb),
  },
  judge: {
    seconds: Math.round(judge.ms) / 1000,
    cpuSeconds: Math.round(judge.cpuMs) / 1000,
    recordsPerSecond: Math.round(rate(judge)),
    peakRssMb: Math.round(judge.maxRssMb),
    parts: judge.parts,
    threads: judge.threads,
  },
  ratio: {
    time: Math.round((judge.ms / baseline.ms) * 100) / 100,
    peakRss: Math.round((judge.maxRssMb / baseline.maxRssMb) * 100) / 100,
  },
};
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`written: ${file} (key "judge")`);
