import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { pageCss, pageScript, unmodule } from './inline.ts';

describe('pageScript', () => {
  const pages: [string, string[]][] = [
    ['index.js', ['chart-kit.js', 'constants.js', 'index.js']],
    ['compare.js', ['chart-kit.js', 'compare.js']],
  ];
  for (const [entry, modules] of pages) {
    it(`${entry}: the modules it imports once each, before its own code, as one plain script`, () => {
      const script = pageScript(entry);
      const order = [...script.matchAll(/^\/\/ --- page\/([\w-]+\.js)$/gm)].map((m) => m[1]);
      expect(order).toEqual(modules);
      // Nothing of the module syntax is left: the browser runs it as a classic inline script.
      expect(script).not.toMatch(/^\s*(import|export)\b/m);
      expect(script).not.toContain('import(');
      expect(() => new vm.Script(script, { filename: entry })).not.toThrow();
      expect(script.trimStart().startsWith("(function () {\n'use strict';")).toBe(true);
    });
  }
});

describe('pageCss', () => {
  it('joins the stylesheets in order, keeping the print rules that must beat chart.js inline sizes', () => {
    const css = pageCss('base.css', 'compare.css');
    expect(css.indexOf('--fg:')).toBeLessThan(css.indexOf('.cmp-hero'));
    // Whitespace-blind: the formatter lays the rule out on several lines.
    expect(css).toMatch(/canvas\s*\{\s*max-width:\s*100% !important;\s*height:\s*auto !important;?\s*\}/);
    expect(css).not.toMatch(/<\/style/i);
  });
});

describe('unmodule', () => {
  it('drops page imports, doc comments and `export`, and nothing else', () => {
    const src = [
      "import { a, b } from './kit.js';",
      '/**',
      ' * A doc comment: types for the checker.',
      ' */',
      'export function f() {',
      '  /** @type {any} */ (a).x = b;',
      '  return 1;',
      '}',
      '/** @typedef {number} N */',
      'export const c = 2;',
      '',
    ].join('\n');
    const { body, imports } = unmodule('x.js', src);
    expect(imports).toEqual(['kit.js']);
    expect(body).toBe(
      ['function f() {', '  /** @type {any} */ (a).x = b;', '  return 1;', '}', 'const c = 2;', ''].join('\n'),
    );
  });

  it('refuses module syntax it does not copy faithfully, naming the file', () => {
    expect(() => unmodule('x.js', 'export default function f() {}\n')).toThrow(/page\/x\.js.*export default/);
    expect(() => unmodule('x.js', "import Chart from 'chart.js';\n")).toThrow(/page\/x\.js/);
  });
});
