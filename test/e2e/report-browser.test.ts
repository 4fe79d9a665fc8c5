/**
 * The reports as a person sees them: real runs through the real CLI (reference gateway: pass;
 * a gateway that drops broadcasts: fail on delivery), then index.html and compare.html opened from
 * disk in headless Chromium (Debian's, driven by playwright-core; no browser download). Asserts:
 * no console error or warning, no request other than the file itself (and data: URLs), every chart
 * canvas drawn (data-drawn="true" and pixels that differ from a blank canvas), the verdict and the
 * failed checks visible. Keeps full-page screenshots in test-results/report-browser/.
 *
 * Without Chromium the tests are skipped with a message, except in CI (CI set), where they run and
 * fail, naming the missing browser.
 */
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, expectClean, HAVE_CHROMIUM, IN_CI, open, screenshot } from './browser.ts';
import { runCli, type CliResult } from './cli.ts';

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(
    `\n  SKIPPED test/e2e/report-browser.test.ts: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHATSTORM_CHROMIUM). In CI this is a failure.\n`,
  );
}

// In CI the tests run whether or not Chromium is there, and fail without it, saying why.
describe.runIf(HAVE_CHROMIUM || IN_CI)('the reports in headless Chromium', () => {
  let browser: Browser;
  let pass: CliResult;
  let fail: CliResult;
  let compareFile: string;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM)
      throw new Error(
        `no Chromium at ${CHROMIUM}: .ci/run installs it (apt-get install -y chromium); the report's browser tests cannot run`,
      );
    // One after the other: two runs side by side would measure each other on a 2-core machine.
    pass = await runCli(['run', 'scenarios/network-cut.ts', '--profile', 'small'], { runId: 'browser-pass' });
    fail = await runCli(
      [
        'run',
        'scenarios/network-cut.ts',
        '--profile',
        'small',
        '--gateway-cmd',
        'node test/mutants/gateways/drop-broadcast.ts',
      ],
      { runId: 'browser-fail' },
    );
    compareFile = join(fail.reportRoot, 'compare.html');
    const cmp = await runCli(['compare', pass.runDir, fail.runDir, '--out', compareFile]);
    expect(cmp.code, cmp.stderr).toBe(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, chromiumSandbox: false });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('index.html of a passing run: clean, every chart drawn, PASS visible', async () => {
    expect({ code: pass.code, verdict: pass.summary?.verdict }, pass.stderr).toEqual({ code: 0, verdict: 'pass' });
    const file = join(pass.runDir, 'index.html');
    const o = await open(browser, file);
    await expectClean(o, file, 13);
    const badge = o.page.locator('header.hero .badge');
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toBe('PASS');
    expect(await o.page.locator('header.hero .exit b').textContent()).toBe('0');
    expect(await o.page.getByText('Every check passed.').isVisible()).toBe(true);
    await screenshot(o.page, 'index-pass');
    await o.page.context().close();
  });

  it('index.html of a failing run: FAIL, the failed check and its examples visible', async () => {
    expect({ code: fail.code, verdict: fail.summary?.verdict }, fail.stderr).toEqual({ code: 1, verdict: 'fail' });
    const file = join(fail.runDir, 'index.html');
    const o = await open(browser, file);
    await expectClean(o, file, 13);
    const { page } = o;
    expect(await page.locator('header.hero .badge').isVisible()).toBe(true);
    expect(await page.locator('header.hero .badge').textContent()).toBe('FAIL');
    expect(await page.locator('header.hero .exit b').textContent()).toBe('1');
    const chip = page.locator('header.hero .chip', { hasText: 'delivery' });
    expect(await chip.isVisible()).toBe(true);
    expect(fail.summary!.failedChecks).toEqual(['delivery']);
    // The failed check's row, its verdict, and its first examples (message ids) drawn from the data.
    const row = page.locator('#check-delivery');
    expect(await row.isVisible()).toBe(true);
    expect(await row.locator('.pill').textContent()).toBe('fail');
    const examples = page.locator('.examples-row table.ex tbody tr');
    expect(await examples.count()).toBeGreaterThan(0);
    expect(await examples.first().isVisible()).toBe(true);
    const lost = fail.summary!.checks.find((c) => c.name === 'delivery')!.examples.find((e) => e.category === 'lost')!;
    expect(await page.locator('.examples-row').getByText(lost.message!, { exact: true }).first().isVisible()).toBe(
      true,
    );
    // The cut is named on the timeline and in the resilience table.
    expect(await page.locator('#resilience th[scope="row"]', { hasText: 'cut#1' }).isVisible()).toBe(true);
    await screenshot(page, 'index-fail');
    await page.context().close();
  });

  it('compare.html: clean, every chart drawn, both verdicts and the failed check visible, differences filterable', async () => {
    const o = await open(browser, compareFile);
    await expectClean(o, compareFile, 5);
    const { page } = o;
    const badges = page.locator('.run-card .badge');
    expect(await badges.allTextContents()).toEqual(['PASS', 'FAIL']);
    for (const b of await badges.all()) expect(await b.isVisible()).toBe(true);
    expect(await page.locator('.run-card .chip', { hasText: 'delivery' }).isVisible()).toBe(true);
    // The gateways differ (reference vs mutant): marked, and left alone by "only differences".
    const gatewayRow = page.locator('#settings tr.row-diff', { hasText: 'versions.gateway' });
    const seedRow = page.locator('#settings tr.row-same', { hasText: 'seed' });
    expect(await gatewayRow.isVisible()).toBe(true);
    expect(await seedRow.isVisible()).toBe(true);
    await page.locator('#only-diff').check();
    expect(await seedRow.isVisible()).toBe(false);
    expect(await gatewayRow.isVisible()).toBe(true);
    await page.locator('#only-diff').uncheck();
    // The delivery verdicts differ: the failing cell is marked.
    const verdicts = page.locator('#checks tr.row-diff', { has: page.locator('th', { hasText: /^verdict/ }) }).first();
    expect(await verdicts.locator('td.bad-cell .pill').textContent()).toBe('fail');
    await screenshot(page, 'compare');
    await page.context().close();
  });
});
