/**
 * The outputs beside index.html, as CI systems read them: junit.xml (one testcase per check; fail →
 * failure, inconclusive → skipped, error → error; the message in the attribute and in the text),
 * summary.md (verdict and failed checks first, details folded, under 1 MiB, appended to
 * $GITHUB_STEP_SUMMARY), and the folder writeReports leaves (every file, reports/latest).
 */
import { existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../oracle/types.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import type { Summary } from './summary.ts';
import { writeReports } from './write.ts';

const FIXTURE = new URL('../../test/fixtures/summary-fail.json', import.meta.url);

function fixture(): Summary {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Summary;
}

/** The fixture with one check per verdict: delivery fails, latency is inconclusive, reconnect errs. */
function everyVerdict(): Summary {
  const s = fixture();
  const set = (name: string, verdict: CheckResult['verdict'], summary: string) => {
    const c = s.checks.find((x) => x.name === name)!;
    c.verdict = verdict;
    c.summary = summary;
  };
  set('latency', 'inconclusive', 'No live delivery in a steady-state window: latency cannot be judged.');
  set('reconnect', 'error', 'the fault log could not be read');
  s.runtimeErrors = [{ code: 'gateway-exited', message: 'gateway exited unexpectedly (code 1) & <left>' }];
  return s;
}

/** The testcase element of a check, from <testcase …name="x" to its </testcase> or self-close. */
function testcase(xml: string, name: string): string {
  const start = xml.indexOf(`name="${name}"`);
  expect(start, `testcase ${name}`).toBeGreaterThan(0);
  const open = xml.lastIndexOf('<testcase', start);
  return xml.slice(open, xml.indexOf('</testcase>', open) + '</testcase>'.length);
}

describe('junit.xml', () => {
  const s = everyVerdict();
  const xml = renderJunit(s);

  it('has one testcase per check, plus one for a broken run', () => {
    expect(xml.match(/<testcase /g)?.length).toBe(s.checks.length + 1);
    expect(xml).toMatch(/<testsuites name="chatstorm" tests="7" failures="1" errors="2" skipped="1"/);
  });

  it('maps fail to failure, with the summary in the message attribute and in the text', () => {
    const d = testcase(xml, 'delivery');
    const summary = s.checks[0].summary;
    expect(d).toContain(`<failure message="${summary}" type="delivery">${summary}`);
    // The evidence names the messages.
    expect(d).toContain(s.checks[0].examples[0].message!);
  });

  it('maps inconclusive to skipped and error to error', () => {
    expect(testcase(xml, 'latency')).toContain('<skipped message="inconclusive: No live delivery');
    expect(testcase(xml, 'reconnect')).toContain('<error message="the fault log could not be read">');
    expect(testcase(xml, 'no-fallback')).not.toMatch(/<failure|<skipped|<error/);
    expect(testcase(xml, 'run')).toContain(
      '<error message="gateway exited unexpectedly (code 1) &amp; &lt;left&gt;" type="gateway-exited">',
    );
  });

  it('is well-formed: every element closed, every special character escaped', () => {
    const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
    const stack: string[] = [];
    for (const m of body.matchAll(/<(\/?)([a-z-]+)\b[^>]*?(\/?)>/gi)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop(), `</${m[2]}>`).toBe(m[2]);
      else stack.push(m[2]);
    }
    expect(stack).toEqual([]);
    expect(body.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;)/);
  });
});

describe('summary.md', () => {
  it('puts the verdict and the failed checks first, and folds the details', () => {
    const s = fixture();
    const md = renderMarkdown(s);
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ❌ chatstorm: FAIL — network-cut');
    expect(lines[2]).toBe('**Not passed:** `delivery`');
    expect(md.indexOf('<details>')).toBeGreaterThan(md.indexOf('| check | verdict | summary |'));
    expect(md).toContain('<details><summary><b>delivery</b>: evidence</summary>');
    expect(md).toContain(s.checks[0].examples[0].message!);
  });

  it('stays under 1 MiB however much evidence a run has', () => {
    const s = fixture();
    const huge = 'x'.repeat(4_096);
    for (const c of s.checks) {
      c.verdict = 'fail';
      c.examples = Array.from({ length: 100 }, (_, i) => ({
        category: 'lost',
        client: i,
        message: `m${i}`,
        detail: huge,
      }));
    }
    expect(Buffer.byteLength(renderMarkdown(s))).toBeLessThan(1024 * 1024);
  });
});

describe('writeReports', () => {
  it('writes every output, appends summary.md to $GITHUB_STEP_SUMMARY and points latest at the run', () => {
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-write-'));
    const dir = join(root, 'run-1');
    const step = join(root, 'step-summary.md');
    writeFileSync(step, '## an earlier step\n');
    const s = fixture();
    const files = writeReports(s, dir, { GITHUB_STEP_SUMMARY: step });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'summary.json',
      'junit.xml',
      'summary.md',
      'index.html',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toEqual(s);
    const appended = readFileSync(step, 'utf8');
    expect(appended.startsWith('## an earlier step\n## ❌ chatstorm: FAIL')).toBe(true);
    expect(appended).toContain(readFileSync(join(dir, 'summary.md'), 'utf8'));
    expect(readlinkSync(join(root, 'latest'))).toBe('run-1');
    // Without the variable, nothing is appended anywhere.
    writeReports(s, join(root, 'run-2'), {});
    expect(readFileSync(step, 'utf8')).toBe(appended);
    expect(readlinkSync(join(root, 'latest'))).toBe('run-2');
    // Rewriting through the link itself (`chatstorm report reports/latest`) keeps it pointing at the run.
    writeReports(s, join(root, 'latest'), {});
    expect(readlinkSync(join(root, 'latest'))).toBe('run-2');
    expect(existsSync(join(root, 'latest', 'index.html'))).toBe(true);
  });
});
