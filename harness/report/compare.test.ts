/**
 * compare.html from summaries: run folders are checked before anything is written, differences
 * between runs are marked where a tuning reader looks for them, the page is self-contained, and
 * its script draws every overlaid chart (in a VM with the real chart.js; the browser test checks
 * the pixels).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { loadRuns, renderCompare, writeCompare, type CompareRun } from './compare.ts';
import type { Summary } from './summary.ts';
import { embedded, runPage, urls } from './testing/stub-page.ts';

const FIXTURE = new URL('../../test/fixtures/summary-fail.json', import.meta.url);

function fixture(): Summary {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Summary;
}

/** Two runs of the same scenario: A is the fixture (delivery fails), B a tuned, passing variant. */
function twoRuns(): CompareRun[] {
  const a = fixture();
  const b = fixture();
  b.runId = 'tuned-run';
  b.verdict = 'pass';
  b.exitCode = 0;
  b.failedChecks = [];
  b.policy = { ...b.policy, backoff: { ...b.policy.backoff, jitter: 'full' } };
  const d = b.checks.find((c) => c.name === 'delivery')!;
  d.verdict = 'pass';
  d.counts = { ...d.counts, lost: 0 };
  d.firstBreachAt = null;
  b.metrics.faults[0] = { ...b.metrics.faults[0], recover: { p50: 400, p99: 900, p100: 1_000 } };
  const latency = b.checks.find((c) => c.name === 'latency')!;
  latency.thresholds = latency.thresholds!.map((t) => ({
    ...t,
    observed: 300,
    headroom: t.limit - 300,
    ok: t.limit > 300,
  }));
  return [
    { label: 'A', color: '#2563eb', dir: '/runs/a', summary: a, plan: null },
    { label: 'B', color: '#d97706', dir: '/runs/b', summary: b, plan: null },
  ];
}

/** The <tr> whose header cell starts with `label` in the section with the given id. */
function row(html: string, section: string, label: string): string {
  const start = html.indexOf(`id="${section}"`);
  const end = html.indexOf('</section>', start);
  const part = html.slice(start, end);
  const i = part.indexOf(`<th scope="row">${label}`);
  expect(i, `row ${label} in #${section}`).toBeGreaterThan(0);
  return part.slice(part.lastIndexOf('<tr', i), part.indexOf('</tr>', i));
}

describe('loadRuns', () => {
  const root = mkdtempSync(join(tmpdir(), 'chatstorm-compare-'));
  const good = join(root, 'good');
  mkdirSync(good);
  writeFileSync(join(good, 'summary.json'), JSON.stringify(fixture()));
  writeFileSync(join(good, 'plan.json'), JSON.stringify({ gateway: { pingIntervalMs: 30_000 }, sendIntervalMs: 500 }));

  it('reads summary.json and plan.json, and labels the runs A, B, …', () => {
    const runs = loadRuns([good, good]);
    expect(runs.map((r) => r.label)).toEqual(['A', 'B']);
    expect(runs[0].summary.runId).toBe(fixture().runId);
    expect(runs[0].plan).toMatchObject({ gateway: { pingIntervalMs: 30_000 } });
  });

  it('names every folder without a usable summary.json, and writes nothing', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const broken = join(root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'summary.json'), '{"verdict": "pa');
    const out = join(root, 'compare.html');
    let err: unknown;
    try {
      writeCompare([good, empty, broken, join(root, 'nope')], out);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringContaining(`"${empty}": no summary.json in it`),
      expect.stringContaining(`"${broken}": summary.json is not valid JSON`),
      `<run-dir> "${join(root, 'nope')}": no such folder`,
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('needs two runs', () => {
    expect(() => loadRuns([good])).toThrow(/at least two run folders \(got 1: ".*good"\)/);
  });

  it('writes the page where --out says, creating its folder', () => {
    const out = join(root, 'deep', 'er', 'cmp.html');
    expect(writeCompare([good, good], out)).toBe(out);
    expect(readFileSync(out, 'utf8')).toContain('<h1>Comparing 2 runs</h1>');
  });
});

describe('renderCompare', () => {
  const runs = twoRuns();
  const html = renderCompare(runs);

  it('heads each run with its label, verdict, exit code and failed checks', () => {
    expect(html).toContain('Verdicts differ:');
    expect(html).toMatch(
      /class="run-card v-fail"[\s\S]*?FAIL[\s\S]*?exit code<\/span> <b>1<\/b>[\s\S]*?<span class="chip">delivery<\/span>/,
    );
    expect(html).toMatch(
      /class="run-card v-pass"[\s\S]*?PASS[\s\S]*?exit code<\/span> <b>0<\/b>[\s\S]*?every check passed/,
    );
    expect(html).toContain('<code>tuned-run</code>');
  });

  it('marks the settings that differ, and only those', () => {
    expect(html).toContain('1 setting differs: <span class="chip chip-diff">policy.backoff.jitter</span>');
    const jitter = row(html, 'settings', 'policy.backoff.jitter');
    expect(jitter).toContain('class="row-diff"');
    expect(jitter).toMatch(
      /<td class="run-cell diff" data-run="A">equal<\/td><td class="run-cell diff" data-run="B">full<\/td>/,
    );
    expect(row(html, 'settings', 'policy.maxAttempts')).toContain('class="row-same"');
  });

  it('puts every check in one table, a column per run, differing cells marked', () => {
    for (const c of runs[0].summary.checks) expect(html).toContain(`id="cmp-check-${c.name}"`);
    const verdicts = html.slice(html.indexOf('id="cmp-check-delivery"'));
    const verdictRow = verdicts.slice(0, verdicts.indexOf('</tr>', verdicts.indexOf('<th scope="row">verdict')));
    expect(verdictRow).toMatch(/run-cell diff bad-cell" data-run="A"><span class="pill v-fail">fail/);
    expect(verdictRow).toMatch(/run-cell diff" data-run="B"><span class="pill v-pass">pass/);
    const lost = row(html, 'checks', 'lost');
    expect(lost).toContain('class="row-diff"');
    expect(row(html, 'checks', 'phantom')).toContain('class="row-same"');
  });

  it('shows each threshold per run and marks the best observed value', () => {
    const p99 = row(html, 'thresholds', 'delivery_latency');
    expect(p99).toContain('p(99)&lt;250');
    expect(p99).toMatch(/run-cell diff best" data-run="A"><span class="ok">ok<\/span> observed <b>11.304<\/b>/);
    expect(p99).toMatch(/run-cell diff bad-cell" data-run="B"><span class="ko">breached<\/span> observed <b>300<\/b>/);
  });

  it('compares fault resilience per fault, the faster recovery marked best', () => {
    const back = row(html, 'resilience', 'clients back <span class="muted">50 %</span>');
    expect(back).toMatch(/data-run="A">965 ms<\/td><td class="run-cell diff best" data-run="B">400 ms</);
    const never = twoRuns();
    never[1].summary.metrics.faults[0].recover = { p50: null, p99: null, p100: null };
    expect(row(renderCompare(never), 'resilience', 'clients back <span class="muted">100 %</span>')).toContain(
      '<b class="ko">never</b>',
    );
  });

  it('is self-contained: the runs embedded once, no URL of its own, hostile text escaped', () => {
    expect((embedded(html) as { runs: { summary: Summary }[] }).runs.map((r) => r.summary)).toEqual(
      runs.map((r) => r.summary),
    );
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    const own = [...urls(html)].filter((u) => !/chartjs\.org|github\.com\/chartjs|kurkle/.test(u));
    expect(own).toEqual([]);
    const hostile = twoRuns();
    hostile[0].summary.runId = '</script><script>alert(1)</script>';
    hostile[1].summary.policy = {
      ...hostile[1].summary.policy,
      backoff: { ...hostile[1].summary.policy.backoff, jitter: '<img src=x onerror=alert(2)>' as 'full' },
    };
    const out = renderCompare(hostile);
    expect(out).not.toMatch(/<script>alert/i);
    expect(out).not.toContain('<img src=x');
    expect(out.match(/<script\b/gi)?.length).toBe(3);
  });
});

describe('the compare page script', () => {
  it('draws every overlaid chart, one series per run, without a console message', () => {
    const runs = twoRuns();
    const { canvases, logged, chartOf } = runPage(renderCompare(runs));
    expect(logged).toEqual([]);
    expect(canvases.map((c) => c.id)).toEqual([
      'chart-cmp-spectrum',
      'chart-cmp-open',
      'chart-cmp-received',
      'chart-cmp-p99',
      'chart-cmp-delays',
    ]);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');
    const spectrum = chartOf('chart-cmp-spectrum')!;
    expect(spectrum.data.datasets.map((d) => d.label)).toEqual([
      `A · ${runs[0].summary.runId}`,
      'B · tuned-run',
      'p(99)<250',
      'max<2000',
    ]);
    const open = chartOf('chart-cmp-open')!;
    expect(open.data.datasets.length).toBe(2);
    expect(open.data.datasets[0].data.length).toBe(runs[0].summary.metrics.series.length);
    // Each run's fault windows, labelled with its letter.
    const canvas = canvases.find((c) => c.id === 'chart-cmp-open')!;
    for (const label of ['A: cut#1', 'B: cut#1'])
      expect(
        canvas.calls.some((k) => k.fn === 'fillText' && k.args[0] === label),
        label,
      ).toBe(true);
    const delays = chartOf('chart-cmp-delays')!;
    expect(delays.data.datasets.map((d) => d.label)).toEqual(['A envelope', 'A observed', 'B envelope', 'B observed']);
  });

  it('copes with a run that has no data at all', () => {
    const runs = twoRuns();
    const none = { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null };
    runs[1].summary = {
      ...runs[1].summary,
      checks: [],
      thresholds: {},
      metrics: {
        latency: { steady: none, all: none, spectrum: [] },
        series: [],
        failureReasons: {},
        closeCodes: {},
        faults: [],
        reconnectDelays: [],
        attemptsPerClient: {},
        generator: [],
        steadyWindows: [],
        toleranceMs: 250,
      },
    };
    const { canvases, logged } = runPage(renderCompare(runs));
    expect(logged).toEqual([]);
    for (const c of canvases) expect(c.dataset.drawn, c.id).toBe('true');
  });
});
