/**
 * A picture of a report for the docs: opens a run folder's index.html in headless Chromium (as the
 * browser test does: no network, every chart drawn) and saves the top of the page as a PNG.
 *
 *   npx node scripts/screenshot-report.ts <run-dir> <out.png> [height-px]
 *
 * README's docs/img/report.png was made this way from a real run of
 *   npx chatstorm run scenarios/network-cut.ts --profile small
 * Chromium: $CHATSTORM_CHROMIUM, else /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [dir, out, height = '1500'] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: npx node scripts/screenshot-report.ts <run-dir> <out.png> [height-px]');
  process.exit(64);
}
const file = resolve(dir, 'index.html');
if (!existsSync(file)) {
  console.error(`<run-dir> "${dir}": no index.html in it`);
  process.exit(64);
}
const executablePath = process.env.CHATSTORM_CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: Number(height) }, deviceScaleFactor: 1 });
  const url = pathToFileURL(file).href;
  await page.route('**/*', (r) =>
    r.request().url() === url || r.request().url().startsWith('data:') ? r.continue() : r.abort(),
  );
  await page.goto(url);
  await page.waitForFunction(() => [...document.querySelectorAll('canvas')].every((c) => c.dataset.drawn), null, {
    timeout: 15_000,
  });
  await page.screenshot({ path: out });
  console.log(`${join(dir, 'index.html')} → ${out} (1280 × ${height})`);
} finally {
  await browser.close();
}
