/**
 * `npm run bench`: runs every part of bench/ in turn (each bench/*.ts but this one and helpers
 * whose name starts with "_"), each in its own process. Each part prints its ratios and writes its
 * own key of bench/results.json. Names after `--` select parts (`npm run bench -- fleet judge`); a
 * part's own options are given by running it directly (`npx node bench/fleet.ts --sockets 20000`,
 * `npm run bench:judge -- --deliveries 36000000`). An unknown name exits 64, naming the parts.
 *
 * Each part runs in a process group of its own, so that a terminal's Ctrl-C reaches this runner
 * only: it passes SIGINT or SIGTERM on to the running part (once per signal: a second one forces
 * the part, bench/_teardown.ts), which stops what it started and exits; the parts after it do not
 * run, and the runner exits 130 (SIGINT) or 143 (SIGTERM, or npm run's process gone).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { exitCodeForInterruption } from '../harness/report/exit-codes.ts';
import { watchLauncher } from '../harness/stack/process.ts';

const wanted = process.argv.slice(2);
const all = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .sort();
const unknown = wanted.filter((w) => !all.includes(`${w}.ts`));
if (unknown.length) {
  // e.g. `npm run bench -- --deliveries N`: a part's options go to that part (`npm run bench:judge -- --deliveries N`).
  console.error(
    `bench: no part named ${unknown.map((u) => JSON.stringify(u)).join(', ')}; parts: ${all.map((f) => f.replace(/\.ts$/, '')).join(', ')}. Options of a part: run it directly (npx node bench/<part>.ts … or npm run bench:judge -- …).`,
  );
  process.exit(64);
}
const parts = all.filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')));
// The launcher may be gone and its pipe with it: stopping the part matters more than a console line.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
let failed = 0;
let running: ChildProcess | null = null;
let stoppedBy: 'SIGINT' | 'SIGTERM' | null = null;
const stop = (sig: 'SIGINT' | 'SIGTERM') => {
  stoppedBy ??= sig;
  running?.kill(sig);
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stop(sig));
// A SIGTERM to `npm run bench` ends npm and its shell, not this runner: their going is one.
watchLauncher(() => {
  if (!stoppedBy) stop('SIGTERM');
});
for (const [i, part] of parts.entries()) {
  console.log(`\n== bench/${part}`);
  running = spawn(process.execPath, [join(import.meta.dirname, part)], { stdio: 'inherit', detached: true });
  const [status, signal] = (await once(running, 'exit')) as [number | null, NodeJS.Signals | null];
  running = null;
  if (stoppedBy) {
    const rest = parts.slice(i + 1).map((f) => f.replace(/\.ts$/, ''));
    console.error(
      `bench: ${stoppedBy}: bench/${part} stopped (exit ${status ?? signal})${rest.length ? `; not run: ${rest.join(', ')}` : ''}`,
    );
    process.exit(exitCodeForInterruption(stoppedBy));
  }
  if (status !== 0) {
    failed++;
    console.error(`bench/${part} exited ${status ?? signal}`);
  }
}
process.exit(failed ? 1 : 0);
