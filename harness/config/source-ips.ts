/** --source-ips: extra loopback source addresses, as Tsung's IP aliases (docs/scale.md). */

/** At most this many addresses a range (docs/cli.md). */
const MAX_RANGE = 1_000;

const EXAMPLE = 'expected e.g. 127.0.0.2-127.0.0.9 or 127.0.0.2,127.0.0.5';

/**
 * "a.b.c.d-a.b.c.e" or a comma list of addresses and ranges: loopback (127.0.0.0/8) only, every
 * octet 0–255, first ≤ last, at most MAX_RANGE addresses a range. An empty list is refused: the
 * flag given without an address is a mistake, not "the kernel's choice". Each error names the part
 * refused first (and the whole value when it is a list); the caller prefixes the flag.
 */
export function parseSourceIps(spec: string): string[] {
  const parts = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) throw new Error(`no address given (got "${spec}"; ${EXAMPLE})`);
  const out: string[] = [];
  for (const part of parts) {
    const named = parts.length > 1 || part !== spec ? `"${part}" (in "${spec}")` : `"${part}"`;
    const m = /^127\.(\d+)\.(\d+)\.(\d+)(?:-127\.(\d+)\.(\d+)\.(\d+))?$/.exec(part);
    if (!m) throw new Error(`${named} is not a loopback address or range (127.0.0.0/8 only; ${EXAMPLE})`);
    const over = m.slice(1).find((x) => x !== undefined && Number(x) > 255);
    if (over !== undefined) throw new Error(`${named}: octet ${over} is above 255 (every octet is 0–255)`);
    const first = [m[1], m[2], m[3]].map(Number);
    const last = m[4] === undefined ? first : [m[4], m[5], m[6]].map(Number);
    const toNum = (x: number[]) => x[0] * 65_536 + x[1] * 256 + x[2];
    const lo = toNum(first);
    const hi = toNum(last);
    if (hi < lo) throw new Error(`${named}: bad range: the first address is after the last (expected first ≤ last)`);
    if (hi - lo + 1 > MAX_RANGE)
      throw new Error(
        `${named}: bad range: ${(hi - lo + 1).toLocaleString('en-US')} addresses, at most ${MAX_RANGE.toLocaleString('en-US')} a range`,
      );
    for (let n = lo; n <= hi; n++) out.push(`127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`);
  }
  return out;
}
