/** The console verdict printed at the end of a run: short, the failed checks first. */
import type { Summary } from './summary.ts';

export function renderConsole(s: Summary, reportDir: string, color: boolean): string {
  const paint = (code: number, t: string) => (color ? `\x1b[${code}m${t}\x1b[0m` : t);
  const tone: Record<string, number> = { pass: 32, fail: 31, inconclusive: 33, error: 35 };
  const lines = [
    ``,
    `${paint(1, 'chatstorm')} ${s.scenario.name}: ${paint(tone[s.verdict], s.verdict.toUpperCase())} (exit code ${s.exitCode})`,
  ];
  if (s.interrupted)
    lines.push(
      paint(
        33,
        `  interrupted${s.interruptedBy ? ` (${s.interruptedBy})` : ''}: the checks judge what was recorded until then, and none can pass`,
      ),
    );
  if (s.remoteTarget) lines.push(paint(33, `  remote target ${s.remoteTarget} (--allow-remote)`));
  if (s.httpRefusals)
    lines.push(
      paint(
        35,
        `  upgrades refused: ${Object.entries(s.httpRefusals)
          .map(([st, n]) => `HTTP ${st} ×${n}`)
          .join(', ')}`,
      ),
    );
  for (const e of s.runtimeErrors) lines.push(paint(35, `  ${e.code}: ${e.message}`));
  const order = [...s.checks].sort((a, b) => Number(a.verdict === 'pass') - Number(b.verdict === 'pass'));
  for (const c of order) {
    lines.push(`  ${paint(tone[c.verdict], c.verdict.padEnd(12))} ${c.name.padEnd(17)} ${c.summary}`);
    if (c.verdict !== 'pass')
      for (const e of c.examples.slice(0, 3))
        lines.push(
          `  ${' '.repeat(31)}e.g. ${e.category}: ${[e.client !== undefined ? `client ${e.client}` : '', e.chat, e.message, e.seq !== undefined ? `seq ${e.seq}` : ''].filter(Boolean).join(' ')} — ${e.detail}`,
        );
  }
  lines.push(`  report: ${reportDir}/index.html`, '');
  return lines.join('\n');
}
