/**
 * summary.md: verdict and failed checks first, details folded. Meant for $GITHUB_STEP_SUMMARY,
 * so it stays well under GitHub's 1 MiB limit: examples are capped.
 */
import type { Summary } from './summary.ts';

const ICON: Record<string, string> = { pass: '✅', fail: '❌', inconclusive: '⚠️', error: '💥' };
const cell = (v: unknown) =>
  String(v ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

export function renderMarkdown(s: Summary): string {
  const out: string[] = [];
  out.push(`## ${ICON[s.verdict]} chatstorm: ${s.verdict.toUpperCase()} — ${s.scenario.name}`);
  out.push('');
  if (s.failedChecks.length) out.push(`**Not passed:** ${s.failedChecks.map((n) => `\`${n}\``).join(', ')}`, '');
  if (s.interrupted)
    out.push(
      `**The run was interrupted**${s.interruptedBy ? ` (${s.interruptedBy})` : ''}: the checks judge what was recorded until then, and none can pass.`,
      '',
    );
  if (s.remoteTarget) out.push(`**Remote target** ${s.remoteTarget} (allowed with --allow-remote).`, '');
  if (s.httpRefusals)
    out.push(
      `**Upgrades refused with an HTTP status**: ${Object.entries(s.httpRefusals)
        .map(([st, n]) => `HTTP ${st} ×${n}`)
        .join(', ')}.`,
      '',
    );
  for (const e of s.runtimeErrors) out.push(`> **${e.code}**: ${cell(e.message)}`, '');
  out.push(
    `${s.clients} clients in ${s.chats} chats · seed ${s.seed} · ${s.durationSeconds.toFixed(1)} s · exit code ${s.exitCode} · run \`${s.runId}\``,
    '',
  );
  if (s.shards) {
    out.push(
      `Merged from ${s.shards.length} shards; clock offsets are each shard's clock minus the gateway's, estimated from its own messages.`,
      '',
    );
    out.push(
      '| shard | verdict | clients | started | clock offset (ms) | vs shard 0 (ms) | run folder |',
      '|---|---|---|---|---|---|---|',
    );
    for (const x of s.shards)
      out.push(
        `| ${x.index} | ${ICON[x.verdict] ?? '💀'} ${x.verdict} | ${x.clients} | ${x.startedAt ?? '–'} | ${x.clock?.offsetMs ?? '–'} ± ${x.clock?.uncertaintyMs ?? '–'} | ${x.offsetToFirstMs ?? '–'} | \`${cell(x.dir)}\` |`,
      );
    out.push('');
  }
  out.push('| check | verdict | summary |', '|---|---|---|');
  for (const c of s.checks) out.push(`| ${c.name} | ${ICON[c.verdict]} ${c.verdict} | ${cell(c.summary)} |`);
  out.push('');
  for (const c of s.checks.filter((c) => c.verdict !== 'pass')) {
    out.push(`<details><summary><b>${c.name}</b>: evidence</summary>`, '');
    out.push(
      Object.entries(c.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · '),
      '',
    );
    if (c.examples.length) {
      out.push('| category | client | chat | message | seq | at (s) | detail |', '|---|---|---|---|---|---|---|');
      for (const e of c.examples.slice(0, 25))
        out.push(
          `| ${cell(e.category)} | ${cell(e.client)} | ${cell(e.chat)} | ${cell(e.message)} | ${cell(e.seq)} | ${cell(e.at)} | ${cell(e.detail)} |`,
        );
      out.push('');
    }
    out.push('</details>', '');
  }
  if (s.metrics.faults.length) {
    out.push(
      '<details><summary>Resilience per fault</summary>',
      '',
      '| fault | window (s) | affected | detect p50 / max (ms) | back 50 / 99 / 100 % (ms) | not back |',
      '|---|---|---|---|---|---|',
    );
    for (const f of s.metrics.faults)
      out.push(
        `| ${f.id} | ${f.start}–${f.end} | ${f.affected} | ${f.detect.p50 ?? '–'} / ${f.detect.max ?? '–'} | ${f.recover.p50 ?? 'never'} / ${f.recover.p99 ?? 'never'} / ${f.recover.p100 ?? 'never'} | ${f.notRecovered} |`,
      );
    out.push('', '</details>', '');
  }
  const l = s.metrics.latency.steady;
  out.push(
    `<details><summary>Latency (steady state)</summary>\n\n${l.count} deliveries · p50 ${l.p50 ?? '–'} ms · p95 ${l.p95 ?? '–'} ms · p99 ${l.p99 ?? '–'} ms · p99.9 ${l.p999 ?? '–'} ms · max ${l.max ?? '–'} ms\n\n</details>`,
    '',
  );
  return out.join('\n');
}
