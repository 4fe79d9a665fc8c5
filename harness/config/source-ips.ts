/** --source-ips: extra loopback source addresses, as Tsung's IP aliases (docs/scale.md). */
/** "a.b.c.d-a.b.c.e" or a comma list of addresses: loopback (127.0.0.0/8) only. */
export function parseSourceIps(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^127\.(\d+)\.(\d+)\.(\d+)(?:-127\.(\d+)\.(\d+)\.(\d+))?$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a loopback address or range (expected e.g. 127.0.0.2-127.0.0.9)`);
    const a = [m[1], m[2], m[3]].map(Number);
    const toNum = (x: number[]) => (x[0] << 16) + (x[1] << 8) + x[2];
    const lo = toNum(a);
    const hi = m[4] === undefined ? lo : toNum([m[4], m[5], m[6]].map(Number));
    if (a.some((x) => x > 255) || hi < lo || hi - lo > 1_000)
      throw new Error(`"${part}": bad range (each part 0–255, first ≤ last, at most 1000 addresses)`);
    for (let n = lo; n <= hi; n++) out.push(`127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`);
  }
  return out;
}
