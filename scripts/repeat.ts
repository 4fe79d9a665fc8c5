/**
 * No false alarms: runs a scenario N times (default: network-cut at its default size, 5 times)
 * and prints the pass count. A release gate that cries wolf gets switched off; keep this at N/N.
 *
 *   npx node scripts/repeat.ts [--runs 5] [--scenario scenarios/network-cut.ts] [-- extra chatstorm args]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    scenario: { type: 'string', default: 'scenarios/network-cut.ts' },
    'report-dir': { type: 'string', default: 'reports/repeat' },
  },
  allowPositionals: true,
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs: expected a positive integer (got "${values.runs}")`);
  process.exit(64);
}
const verdicts: string[] = [];
const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
for (let i = 1; i <= runs; i++) {
  // A run never reuses a folder (exit 64): each invocation's runs get names of their own.
  const runId = `${stamp}-run-${i}`;
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      'bin/chatstorm.js',
      'run',
      values.scenario!,
      '--report-dir',
      values['report-dir']!,
      '--run-id',
      runId,
      ...positionals,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: '1' } },
  );
  let verdict = `exit ${r.status}`;
  try {
    const s = JSON.parse(readFileSync(join(values['report-dir']!, runId, 'summary.json'), 'utf8'));
    verdict = s.verdict + (s.failedChecks.length ? ` (${s.failedChecks.join(', ')})` : '');
  } catch {
    /* no summary: the exit code says why */
  }
  verdicts.push(verdict);
  console.log(`run ${i}/${runs}: ${verdict} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
const passed = verdicts.filter((v) => v === 'pass').length;
console.log(`\n${values.scenario}: ${passed}/${runs} passed`);
process.exit(passed === runs ? 0 : 1);
