import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { pageCss, pageScript } from './inline.ts';

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
    expect(css).toContain('canvas{max-width:100% !important;height:auto !important}');
    expect(css).not.toMatch(/<\/style/i);
  });
});
