/**
 * `npm run bench`: runs every part of bench/ in turn (each bench/*.ts but this one and helpers
 * whose name starts with "_"), each in its own process. Each part prints its ratios and writes its
 * own key of bench/results.json. Names after `--` select parts (`npm run bench -- fleet judge`); a
 * part's own options are given by running it directly (`node bench/fleet.ts --sockets 20000`,
 * `npm run bench:judge -- --deliveries 36000000`). An unknown name exits 64, naming the parts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const wanted = process.argv.slice(2);
const all = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .sort();
const unknown = wanted.filter((w) => !all.includes(`${w}.ts`));
if (unknown.length) {
  // e.g. `npm run bench -- --deliveries N`: a part's options go to that part (`npm run bench:judge -- --deliveries N`).
  console.error(
    `bench: no part named ${unknown.map((u) => JSON.stringify(u)).join(', ')}; parts: ${all.map((f) => f.replace(/\.ts$/, '')).join(', ')}. Options of a part: run it directly (node bench/<part>.ts … or npm run bench:judge -- …).`,
  );
  process.exit(64);
}
const parts = all.filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')));
let failed = 0;
for (const part of parts) {
  console.log(`\n== bench/${part}`);
  const r = spawnSync(process.execPath, [join(import.meta.dirname, part)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${part} exited ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
