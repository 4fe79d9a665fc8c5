/** --source-ips: loopback only, every octet 0–255, first ≤ last, at most 1,000 addresses a range, never empty. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { resolvePlan } from './plan.ts';
import { parseSourceIps } from './source-ips.ts';

/** The problems resolvePlan reports for this --source-ips value (what the CLI prints, exit 64). */
function problems(sourceIps: string): string[] {
  try {
    resolvePlan(
      { name: 's', clients: 10, chatSize: 5, duration: '10s' },
      { scenarioFile: 's.ts', runId: 'r', sourceIps },
    );
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('parseSourceIps', () => {
  it('takes an address, a range and a comma list, across octet boundaries', () => {
    expect(parseSourceIps('127.0.0.2')).toEqual(['127.0.0.2']);
    expect(parseSourceIps('127.0.0.254-127.0.1.1')).toEqual(['127.0.0.254', '127.0.0.255', '127.0.1.0', '127.0.1.1']);
    expect(parseSourceIps(' 127.0.0.2 , 127.0.0.5-127.0.0.6 ')).toEqual(['127.0.0.2', '127.0.0.5', '127.0.0.6']);
    expect(parseSourceIps('127.255.255.255')).toEqual(['127.255.255.255']);
  });

  it('takes exactly 1,000 addresses a range, not 1,001', () => {
    const max = parseSourceIps('127.0.0.2-127.0.3.233');
    expect(max).toHaveLength(1_000);
    expect(max.at(-1)).toBe('127.0.3.233');
    expect(() => parseSourceIps('127.0.0.2-127.0.3.234')).toThrow(
      '"127.0.0.2-127.0.3.234": bad range: 1,001 addresses, at most 1,000 a range',
    );
  });

  it('refuses an octet above 255 in either address, naming it and the value', () => {
    expect(() => parseSourceIps('127.0.0.2-127.0.0.300')).toThrow(
      '"127.0.0.2-127.0.0.300": octet 300 is above 255 (every octet is 0–255)',
    );
    expect(() => parseSourceIps('127.0.256.2-127.0.0.3')).toThrow('"127.0.256.2-127.0.0.3": octet 256 is above 255');
    expect(() => parseSourceIps('127.0.0.2-127.1000.0.3')).toThrow('octet 1000 is above 255');
    expect(() => parseSourceIps('127.0.0.256')).toThrow('"127.0.0.256": octet 256 is above 255');
  });

  it('refuses a reversed range, another network and anything not an address', () => {
    expect(() => parseSourceIps('127.0.1.0-127.0.0.255')).toThrow(
      '"127.0.1.0-127.0.0.255": bad range: the first address is after the last',
    );
    expect(() => parseSourceIps('10.0.0.1')).toThrow('"10.0.0.1" is not a loopback address or range');
    expect(() => parseSourceIps('127.0.0.2-10.0.0.3')).toThrow('"127.0.0.2-10.0.0.3" is not a loopback address');
    expect(() => parseSourceIps('127.0.0.-1')).toThrow('"127.0.0.-1" is not a loopback address');
    expect(() => parseSourceIps('localhost')).toThrow('"localhost" is not a loopback address');
  });

  it('names the whole value when the bad part is one of a list', () => {
    expect(() => parseSourceIps('127.0.0.2,127.0.0.9-127.0.0.3')).toThrow(
      '"127.0.0.9-127.0.0.3" (in "127.0.0.2,127.0.0.9-127.0.0.3"): bad range',
    );
  });

  it('refuses an empty list: the flag without an address is a mistake, not the kernel’s choice', () => {
    for (const v of ['', ',', ' , ', ',,'])
      expect(() => parseSourceIps(v), JSON.stringify(v)).toThrow(`no address given (got "${v}"`);
  });
});

describe('--source-ips in a plan', () => {
  it('each refusal names the flag and the value', () => {
    expect(problems('')).toEqual([expect.stringMatching(/^--source-ips: no address given \(got ""/)]);
    expect(problems(',')).toEqual([expect.stringMatching(/^--source-ips: no address given \(got ","/)]);
    expect(problems('127.0.0.2-127.0.0.300')).toEqual([
      '--source-ips: "127.0.0.2-127.0.0.300": octet 300 is above 255 (every octet is 0–255)',
    ]);
    expect(problems('127.0.0.2-127.0.3.234')).toEqual([
      '--source-ips: "127.0.0.2-127.0.3.234": bad range: 1,001 addresses, at most 1,000 a range',
    ]);
    expect(problems('127.0.0.9-127.0.0.2')).toEqual([
      '--source-ips: "127.0.0.9-127.0.0.2": bad range: the first address is after the last (expected first ≤ last)',
    ]);
  });

  it('a valid value becomes the plan’s addresses', () => {
    expect(problems('127.0.0.2-127.0.0.4')).toEqual([]);
    expect(
      resolvePlan(
        { name: 's', clients: 10, chatSize: 5, duration: '10s' },
        { scenarioFile: 's.ts', runId: 'r', sourceIps: '127.0.0.2-127.0.0.4' },
      ).sourceIps,
    ).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });
});
