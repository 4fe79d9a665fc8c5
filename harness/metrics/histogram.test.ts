import { describe, expect, it } from 'vitest';
import { encodeHistogram, newHistogram, record, summarize, spectrum, Tally } from './histogram.ts';

describe('Tally', () => {
  it('leaves a histogram exactly as one record per value does: counts, total, min, max, percentiles', () => {
    let a = 7;
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      a = (a * 1103515245 + 12345) % 2 ** 31;
      // Sub-millisecond, ordinary, above the tallied range (65,536 ms), and beyond the hour.
      const x = a / 2 ** 31;
      values.push(x < 0.1 ? x : x < 0.9 ? x * 400 : x < 0.99 ? 70_000 + x * 1e5 : 4_000_000);
    }
    for (const packed of [false, true]) {
      const one = newHistogram(packed);
      for (const v of values) record(one, v);
      const t = new Tally(newHistogram(packed));
      for (const v of values) t.add(v);
      const batched = t.flush();
      expect(encodeHistogram(batched)).toEqual(encodeHistogram(one));
      expect(summarize(batched)).toEqual(summarize(one));
      expect(spectrum(batched)).toEqual(spectrum(one));
      expect(summarize(one).count).toBe(20_000);
    }
  });
});
