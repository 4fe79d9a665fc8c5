/**
 * Opening chatstorm's pages in headless Chromium (Debian's, driven by playwright-core; no browser
 * download), for the browser tests: what a person would never see (console errors, requests
 * leaving the file) is recorded, every canvas must be drawn and painted.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT } from './cli.ts';

export const CHROMIUM = process.env.CHATSTORM_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const IN_CI = Boolean(process.env.CI);
export const SHOTS = join(ROOT, 'test-results', 'report-browser');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface Opened {
  page: Page;
  problems: string[];
  requests: string[];
}

/**
 * Opens a report file and records what a person would never see: console errors and warnings,
 * uncaught exceptions, and every request; any request but the file itself and data: URLs is
 * aborted and recorded.
 */
export async function open(browser: Browser, file: string): Promise<Opened> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await context.route('**/*', (route) => {
    const u = route.request().url();
    return u === url || u.startsWith('data:') ? route.continue() : route.abort('blockedbyclient');
  });
  await page.goto(url, { waitUntil: 'load' });
  // Every canvas gets data-drawn: "true" once chart.js drew it, "error" when it could not. A canvas
  // never drawn is named by expectClean, so a timeout here is not an error of its own.
  await page
    .waitForFunction(() => [...document.querySelectorAll('canvas')].every((c) => c.dataset.drawn), null, {
      timeout: 15_000,
    })
    .catch(() => {});
  return { page, problems, requests };
}

/** Every canvas: its data-drawn, and whether its pixels differ from a blank canvas of its size. */
export async function canvases(page: Page): Promise<{ id: string; drawn: string | undefined; painted: boolean }[]> {
  return page.$$eval('canvas', (list) =>
    list.map((c) => {
      const blank = document.createElement('canvas');
      blank.width = c.width;
      blank.height = c.height;
      return {
        id: c.id,
        drawn: c.dataset.drawn,
        painted: c.width > 0 && c.height > 0 && c.toDataURL() !== blank.toDataURL(),
      };
    }),
  );
}

export async function expectClean(o: Opened, file: string, expectedCanvases: number): Promise<void> {
  const url = pathToFileURL(file).href;
  expect(
    o.requests.filter((u) => u !== url && !u.startsWith('data:')),
    'requests leaving the file',
  ).toEqual([]);
  expect(o.requests).toContain(url);
  expect(o.problems, 'console errors, warnings and exceptions').toEqual([]);
  const cs = await canvases(o.page);
  expect(cs.length).toBe(expectedCanvases);
  for (const c of cs)
    expect({ id: c.id, drawn: c.drawn, painted: c.painted }).toEqual({ id: c.id, drawn: 'true', painted: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(20_000);
  return path;
}
