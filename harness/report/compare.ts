/**
 * compare.html: several runs side by side, for tuning (ping interval, heartbeat, connect timeout,
 * backoff, jitter): what was set differently, how each check came out, the thresholds' observed
 * values, how fast clients noticed and came back from each fault, the latency table, and overlaid
 * charts (latency spectrum, open sockets, messages received and p99 per second, reconnect delays
 * against each run's envelope). Differences are marked; for numbers where less is better, the best
 * run of a row is marked too.
 *
 * It reads each run folder's summary.json (and plan.json for the load and gateway settings, when
 * present) and writes one self-contained page, built from the same parts as index.html: chart.js
 * inlined, the data embedded as JSON, the shared chart kit (page/chart-kit.js; its own script is
 * page/compare.js, its CSS page/compare.css), nothing fetched.
 */
import { ensureFolder, unlessRefused } from './run-folder.ts';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.ts';
import type { CheckResult, FaultResilience, LatencySummary } from '../oracle/types.ts';
import {
  chart,
  esc,
  fmtAt,
  fmtDuration,
  fmtMs,
  fmtNum,
  isNum,
  pageShell,
  pill,
  verdictClass,
  VERDICT_LABEL,
} from './html.ts';
import { pageCss, pageScript } from './inline.ts';
import type { Summary } from './summary.ts';

/** One run on the page. label: "A", "B", …; color: its colour on every chart. */
export interface CompareRun {
  label: string;
  color: string;
  dir: string;
  summary: Summary;
  /** The run's plan.json (secrets redacted by the run), when the folder has one. */
  plan: Record<string, unknown> | null;
}

/** The runs' colours, in order; the same palette as index.html's charts. */
export const RUN_COLORS = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#db2777',
  '#7c3aed',
  '#0891b2',
  '#65a30d',
  '#dc2626',
  '#4b5563',
  '#9333ea',
];

export function label(i: number): string {
  // A … Z, then AA, AB, …: a page with more than 26 runs is unlikely but must not break.
  return i < 26 ? String.fromCharCode(65 + i) : label(Math.floor(i / 26) - 1) + label(i % 26);
}

/**
 * Reads the run folders. A folder without a readable summary.json is a usage error naming it
 * (exit 64), checked for every folder before anything is written.
 */
export function loadRuns(dirs: string[]): CompareRun[] {
  const problems: string[] = [];
  if (dirs.length < 2)
    problems.push(
      `<run-dir>: compare needs at least two run folders (got ${dirs.length}${dirs.length ? `: "${dirs[0]}"` : ''})`,
    );
  const runs: CompareRun[] = [];
  dirs.forEach((dir, i) => {
    const file = join(dir, 'summary.json');
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push(`<run-dir> "${dir}": no such folder`);
      return;
    }
    if (!existsSync(file)) {
      problems.push(
        `<run-dir> "${dir}": no summary.json in it (is it a run folder? "chatstorm report ${dir}" rebuilds it from a recorded history)`,
      );
      return;
    }
    let summary: Summary;
    try {
      summary = JSON.parse(readFileSync(file, 'utf8')) as Summary;
    } catch (e) {
      problems.push(`<run-dir> "${dir}": summary.json is not valid JSON (${(e as Error).message})`);
      return;
    }
    if (!summary || typeof summary !== 'object' || !Array.isArray(summary.checks)) {
      problems.push(`<run-dir> "${dir}": summary.json is not a chatstorm summary (no "checks" array)`);
      return;
    }
    let plan: Record<string, unknown> | null = null;
    try {
      if (existsSync(join(dir, 'plan.json')))
        plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      /* plan.json only adds settings rows; the summary is what is compared */
    }
    runs.push({ label: label(i), color: RUN_COLORS[i % RUN_COLORS.length], dir, summary, plan });
  });
  if (problems.length) throw new ConfigError('compare', problems);
  return runs;
}

/** The start of a compare page's footer: how an existing --out is known to be one. */
const COMPARE_FOOTER = '<footer>chatstorm compare';

/** Writes compare.html for the run folders; returns the file written. */
export function writeCompare(dirs: string[], out = 'compare.html'): string {
  if (out === '') throw new ConfigError('compare', ['--out: expected a file name, e.g. compare.html (got "")']);
  const file = resolve(out);
  // Only a compare page of its own is ever written over (a run's summary.json once was: exit 0).
  if (existsSync(file)) {
    if (statSync(file).isDirectory())
      throw new ConfigError('compare', [
        `--out "${out}": ${file} is a folder; give a file name, e.g. ${join(out, 'compare.html')}`,
      ]);
    if (!readFileSync(file, 'utf8').includes(COMPARE_FOOTER))
      throw new ConfigError('compare', [
        `--out "${out}": ${file} exists and is not a compare page chatstorm wrote; it is never written over: give another name`,
      ]);
  }
  // Checked before the runs are read: an unusable --out stops it at once (exit 73); runs that are
  // refused leave no empty folder behind.
  const created = ensureFolder(dirname(file), '--out');
  const runs = unlessRefused(created, () => loadRuns(dirs));
  writeFileSync(file, renderCompare(runs));
  return file;
}

// ---------------------------------------------------------------------------------------------
// Rows: one label, one cell per run. A row "differs" when its runs' values are not all equal.

interface Cell {
  /** What is compared (equal text = same value). */
  key: string;
  html: string;
  /** For "best" marking: a number where less is better. */
  rank?: number | null;
  bad?: boolean;
}

interface Row {
  label: string;
  sub?: string;
  cells: Cell[];
  /** Mark the lowest rank when the runs differ. */
  lowerIsBetter?: boolean;
}

const text = (v: unknown): Cell => {
  const s = v === undefined || v === null || v === '' ? '—' : String(v);
  return { key: s, html: esc(s) };
};

function differs(r: Row): boolean {
  return new Set(r.cells.map((c) => c.key)).size > 1;
}

function renderRows(rows: Row[], runs: CompareRun[], opts: { group?: string } = {}): string {
  return rows
    .map((r) => {
      const diff = differs(r);
      const ranks = r.cells.map((c) => (isNum(c.rank) ? c.rank : null));
      const finite = ranks.filter(isNum);
      const best =
        r.lowerIsBetter && diff && finite.length > 1 && new Set(finite).size > 1 ? Math.min(...finite) : null;
      const cells = r.cells
        .map((c, i) => {
          const cls = [diff ? 'diff' : '', best !== null && ranks[i] === best ? 'best' : '', c.bad ? 'bad-cell' : '']
            .filter(Boolean)
            .join(' ');
          return `<td class="run-cell${cls ? ` ${cls}` : ''}" data-run="${esc(runs[i].label)}">${c.html}</td>`;
        })
        .join('');
      return `<tr class="${diff ? 'row-diff' : 'row-same'}"${opts.group ? ` data-group="${esc(opts.group)}"` : ''}><th scope="row">${esc(r.label)}${r.sub ? ` <span class="muted">${esc(r.sub)}</span>` : ''}${diff ? ' <span class="diff-mark" title="the runs differ">≠</span>' : ''}</th>${cells}</tr>`;
    })
    .join('\n');
}

function runHeads(runs: CompareRun[], first = ''): string {
  return `<thead><tr><th>${esc(first)}</th>${runs
    .map(
      (r) =>
        `<th class="run-head" style="--run:${r.color}"><span class="swatch"></span>${esc(r.label)} <span class="muted">${esc(r.summary.runId)}</span></th>`,
    )
    .join('')}</tr></thead>`;
}

// --- settings -----------------------------------------------------------------------------------

/** Flattens nested settings to "a.b.c" → value; null stays (it means "off" for optional settings). */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
}

function settingText(key: string, v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'off';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number' && /Ms$/.test(key)) return fmtDuration(v);
  if (typeof v === 'number') return fmtNum(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  return String(v);
}

function settingRows(runs: CompareRun[], pick: (r: CompareRun) => unknown, prefix: string): Row[] {
  const flat = runs.map((r) => {
    const m = new Map<string, unknown>();
    const v = pick(r);
    if (v !== undefined) flatten(v, prefix, m);
    return m;
  });
  const keys: string[] = [];
  for (const m of flat) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
  return keys.map((k) => ({ label: k, cells: flat.map((m) => text(settingText(k, m.get(k)))) }));
}

/** Plan keys shown as "load" settings; the rest of plan.json is either in the summary or per-run noise. */
const PLAN_SKIP = new Set([
  'runId',
  'scenario',
  'seed',
  'clients',
  'chats',
  'chatSize',
  'policy',
  'faults',
  'thresholds',
  'target',
  'reportDir',
  'jwtSecret',
]);

function renderSettings(runs: CompareRun[]): string {
  const faultText = (s: Summary) =>
    (s.faults ?? [])
      .map((f) => `${f.id} ${f.type} at +${fmtDuration(f.atMs)} for ${fmtDuration(f.durationMs)}`)
      .join('; ') || 'none';
  const groups: [string, Row[]][] = [
    [
      'scenario',
      [
        { label: 'scenario', cells: runs.map((r) => text(r.summary.scenario?.name)) },
        { label: 'scenario file', cells: runs.map((r) => text(r.summary.scenario?.file)) },
        { label: 'profile', cells: runs.map((r) => text(r.summary.scenario?.profile ?? 'none')) },
        { label: 'clients', cells: runs.map((r) => text(fmtNum(r.summary.clients))) },
        {
          label: 'chats × size',
          cells: runs.map((r) => text(`${fmtNum(r.summary.chats)} × ${fmtNum(r.summary.chatSize)}`)),
        },
        { label: 'seed', cells: runs.map((r) => text(r.summary.seed)) },
        { label: 'faults', cells: runs.map((r) => text(faultText(r.summary))) },
      ],
    ],
    ['client policy', settingRows(runs, (r) => r.summary.policy, 'policy')],
    [
      'load and gateway (plan.json)',
      settingRows(
        runs,
        (r) => (r.plan ? Object.fromEntries(Object.entries(r.plan).filter(([k]) => !PLAN_SKIP.has(k))) : undefined),
        '',
      ),
    ],
    ['thresholds', settingRows(runs, (r) => r.summary.thresholds, 'thresholds')],
    [
      'target',
      [
        { label: 'provider', cells: runs.map((r) => text(r.summary.target?.provider)) },
        ...settingRows(runs, (r) => r.summary.target?.versions, 'versions'),
        {
          label: 'chatstorm',
          cells: runs.map((r) => text(`${r.summary.tool?.version ?? '?'} on node ${r.summary.tool?.node ?? '?'}`)),
        },
      ],
    ],
  ];
  const changed = groups.flatMap(([, rows]) => rows.filter(differs).map((r) => r.label));
  const body = groups
    .filter(([, rows]) => rows.length)
    .map(
      ([g, rows]) =>
        `<tr class="group"><th colspan="${runs.length + 1}">${esc(g)}</th></tr>\n${renderRows(rows, runs, { group: g })}`,
    )
    .join('\n');
  return `<section class="card" id="settings">
  <h2>Settings</h2>
  <p class="legend-note">${changed.length ? `${changed.length === 1 ? '1 setting differs' : `${changed.length} settings differ`}: ${changed.map((c) => `<span class="chip chip-diff">${esc(c)}</span>`).join(' ')}` : 'Every setting is the same in every run.'}
  <label class="only-diff-toggle"><input type="checkbox" id="only-diff"> show only the settings that differ</label></p>
  <div class="scroll"><table class="cmp">${runHeads(runs, 'setting')}<tbody>${body}</tbody></table></div>
</section>`;
}

// --- checks ---------------------------------------------------------------------------------------

/** The counts a reader compares first, per check; any other count shows when it is non-zero in some run. */
const KEY_COUNTS: Record<string, string[]> = {
  delivery: ['acked', 'required', 'deliveredOnResume', 'lost', 'duplicated', 'outOfOrder', 'phantom', 'unacknowledged'],
  latency: ['samples', 'p50', 'p95', 'p99', 'max'],
  reconnect: ['reconnects', 'delayOutsidePolicy', 'lateAfterRestore', 'gaveUp', 'stalled'],
  'no-fallback': ['total'],
  'errors-surfaced': ['sendsWhileNotOpen', 'silent'],
  'generator-health': ['behindSeconds', 'saturatedSeconds', 'stalls', 'skippedSends', 'hostOversubscribedSeconds'],
};

function renderChecks(runs: CompareRun[]): string {
  const names: string[] = [];
  for (const r of runs) for (const c of r.summary.checks ?? []) if (!names.includes(c.name)) names.push(c.name);
  const find = (r: CompareRun, name: string): CheckResult | undefined =>
    (r.summary.checks ?? []).find((c) => c.name === name);
  const blocks = names.map((name) => {
    const checks = runs.map((r) => find(r, name));
    const rows: Row[] = [
      {
        label: 'verdict',
        cells: checks.map((c) =>
          c
            ? {
                key: c.verdict,
                html: `${pill(c.verdict)}<div class="cell-note">${esc(c.summary)}</div>`,
                bad: c.verdict !== 'pass',
              }
            : text('not run'),
        ),
      },
    ];
    const keys = [...(KEY_COUNTS[name] ?? [])];
    for (const c of checks)
      for (const [k, v] of Object.entries(c?.counts ?? {}))
        if (!keys.includes(k) && (!(name in KEY_COUNTS) || v !== 0)) keys.push(k);
    for (const k of keys) {
      if (!checks.some((c) => c && k in (c.counts ?? {}))) continue;
      rows.push({
        label: k,
        cells: checks.map((c) =>
          c && isNum(c.counts?.[k]) ? { key: String(c.counts[k]), html: esc(fmtNum(c.counts[k])) } : text(undefined),
        ),
      });
    }
    if (checks.some((c) => isNum(c?.firstBreachAt))) {
      rows.push({
        label: 'first breach',
        cells: checks.map((c) =>
          isNum(c?.firstBreachAt)
            ? { key: String(c!.firstBreachAt), html: `<b class="ko">${fmtAt(c!.firstBreachAt)}</b>` }
            : text(undefined),
        ),
      });
    }
    return `<tr class="group"><th colspan="${runs.length + 1}" id="cmp-check-${esc(name)}">${esc(name)}</th></tr>\n${renderRows(rows, runs, { group: name })}`;
  });
  return `<section class="card" id="checks">
  <h2>Checks</h2>
  <p class="legend-note">One column per run. <span class="diff-demo">Shaded cells</span> differ between runs; a red left edge marks a verdict other than pass.</p>
  <div class="scroll"><table class="cmp">${runHeads(runs, 'check')}<tbody>${blocks.join('\n') || `<tr><td colspan="${runs.length + 1}" class="muted">No checks were run.</td></tr>`}</tbody></table></div>
</section>`;
}

// --- thresholds -----------------------------------------------------------------------------------

function renderThresholds(runs: CompareRun[]): string {
  const keys: { metric: string; expression: string }[] = [];
  for (const r of runs)
    for (const c of r.summary.checks ?? [])
      for (const t of c.thresholds ?? []) {
        if (!keys.some((k) => k.metric === t.metric && k.expression === t.expression))
          keys.push({ metric: t.metric, expression: t.expression });
      }
  const rows: Row[] = keys.map((k) => ({
    label: k.metric,
    sub: k.expression,
    lowerIsBetter: /[<]/.test(k.expression),
    cells: runs.map((r) => {
      const t = (r.summary.checks ?? [])
        .flatMap((c) => c.thresholds ?? [])
        .find((x) => x.metric === k.metric && x.expression === k.expression);
      if (!t) return text('not set');
      return {
        key: `${t.ok}|${t.observed}`,
        rank: t.observed,
        bad: !t.ok,
        html: `${t.ok ? '<span class="ok">ok</span>' : '<span class="ko">breached</span>'} observed <b>${esc(fmtNum(t.observed))}</b> <span class="muted">limit ${esc(fmtNum(t.limit))} · headroom ${esc(fmtNum(t.headroom))} · ${esc(t.window)}</span>`,
      };
    }),
  }));
  return `<section class="card" id="thresholds">
  <h2>Thresholds</h2>
  ${rows.length ? `<div class="scroll"><table class="cmp">${runHeads(runs, 'threshold')}<tbody>${renderRows(rows, runs)}</tbody></table></div><p class="muted small-note">Bold green: the lowest observed value of a row, where the runs differ.</p>` : '<p class="muted">No run set a threshold.</p>'}
</section>`;
}

// --- resilience and latency -----------------------------------------------------------------------

function renderResilience(runs: CompareRun[]): string {
  const ids: string[] = [];
  for (const r of runs) for (const f of r.summary.metrics?.faults ?? []) if (!ids.includes(f.id)) ids.push(f.id);
  const ms = (v: number | null | undefined, never = false): Cell =>
    isNum(v)
      ? { key: String(v), html: esc(fmtMs(v)), rank: v }
      : never
        ? { key: 'never', html: '<b class="ko">never</b>', rank: Number.POSITIVE_INFINITY, bad: true }
        : text(undefined);
  const count = (v: number | null | undefined): Cell =>
    isNum(v) ? { key: String(v), html: esc(fmtNum(v)), rank: v, bad: v > 0 } : text(undefined);
  const blocks = ids.map((id) => {
    const fs: (FaultResilience | undefined)[] = runs.map((r) =>
      (r.summary.metrics?.faults ?? []).find((f) => f.id === id),
    );
    const rows: Row[] = [
      { label: 'window', cells: fs.map((f) => (f ? text(`${fmtAt(f.start)}–${fmtAt(f.end)}`) : text('not applied'))) },
      { label: 'affected clients', cells: fs.map((f) => text(f ? fmtNum(f.affected) : undefined)) },
      { label: 'time to detect', sub: 'p50', lowerIsBetter: true, cells: fs.map((f) => ms(f?.detect?.p50)) },
      { label: 'time to detect', sub: 'max', lowerIsBetter: true, cells: fs.map((f) => ms(f?.detect?.max)) },
      {
        label: 'clients back',
        sub: '50 %',
        lowerIsBetter: true,
        cells: fs.map((f) => (f ? ms(f.recover?.p50, true) : text(undefined))),
      },
      {
        label: 'clients back',
        sub: '99 %',
        lowerIsBetter: true,
        cells: fs.map((f) => (f ? ms(f.recover?.p99, true) : text(undefined))),
      },
      {
        label: 'clients back',
        sub: '100 %',
        lowerIsBetter: true,
        cells: fs.map((f) => (f ? ms(f.recover?.p100, true) : text(undefined))),
      },
      { label: 'not back', lowerIsBetter: true, cells: fs.map((f) => count(f?.notRecovered)) },
    ];
    const storms = runs.map((r) => (r.summary.metrics?.reconnectStorm ?? []).find((x) => x.fault === id));
    if (storms.some(Boolean)) {
      rows.push(
        {
          label: 'reconnect storm',
          sub: 'peak attempts/s',
          lowerIsBetter: true,
          cells: storms.map((x) =>
            x ? { key: String(x.peak), html: esc(fmtNum(x.peak)), rank: x.peak } : text(undefined),
          ),
        },
        {
          label: 'reconnect storm',
          sub: 'p99 attempts/s',
          lowerIsBetter: true,
          cells: storms.map((x) =>
            x ? { key: String(x.p99), html: esc(fmtNum(x.p99)), rank: x.p99 } : text(undefined),
          ),
        },
      );
    }
    if (fs.some((f) => f?.delivery)) {
      rows.push(
        {
          label: 'messages acked around it',
          cells: fs.map((f) => text(f?.delivery ? fmtNum(f.delivery.messages) : undefined)),
        },
        { label: 'deliveries lost', lowerIsBetter: true, cells: fs.map((f) => count(f?.delivery?.lost)) },
        { label: 'deliveries duplicated', lowerIsBetter: true, cells: fs.map((f) => count(f?.delivery?.duplicated)) },
        {
          label: 'deliveries late',
          sub: lateSub(fs),
          lowerIsBetter: true,
          cells: fs.map((f) =>
            isNum(f?.delivery?.late)
              ? { key: String(f!.delivery!.late), html: esc(fmtNum(f!.delivery!.late)), rank: f!.delivery!.late }
              : text(undefined),
          ),
        },
      );
    }
    return `<tr class="group"><th colspan="${runs.length + 1}">${esc(id)}</th></tr>\n${renderRows(rows, runs, { group: id })}`;
  });
  return `<section class="card" id="resilience">
  <h2>Fault resilience</h2>
  ${
    ids.length
      ? `<div class="scroll"><table class="cmp">${runHeads(runs, 'fault')}<tbody>${blocks.join('\n')}</tbody></table></div>
  <p class="muted small-note">Detect: from the fault's start until the affected clients' sockets closed. Back: from the fault's end until 50 / 99 / 100 % of them were open again. Bold green: the best run of a row.</p>`
      : '<p class="muted">No run applied a fault.</p>'
  }
</section>`;
}

function lateSub(fs: (FaultResilience | undefined)[]): string | undefined {
  const bars = [...new Set(fs.map((f) => f?.delivery?.lateAfterMs).filter(isNum))];
  return bars.length === 1 ? `> ${fmtNum(bars[0])} ms` : undefined;
}

function renderLatency(runs: CompareRun[]): string {
  const stats: [string, keyof LatencySummary][] = [
    ['p50', 'p50'],
    ['p90', 'p90'],
    ['p95', 'p95'],
    ['p99', 'p99'],
    ['p99.9', 'p999'],
    ['max', 'max'],
    ['mean', 'mean'],
  ];
  const rows: Row[] = [
    {
      label: 'deliveries',
      sub: 'steady state',
      cells: runs.map((r) => text(fmtNum(r.summary.metrics?.latency?.steady?.count))),
    },
    ...stats.map(
      ([name, key]): Row => ({
        label: name,
        sub: 'steady state',
        lowerIsBetter: true,
        cells: runs.map((r) => {
          const v = r.summary.metrics?.latency?.steady?.[key];
          return isNum(v) ? { key: String(v), html: esc(fmtMs(v)), rank: v } : text(undefined);
        }),
      }),
    ),
    ...(['p99', 'max'] as const).map(
      (key): Row => ({
        label: key,
        sub: 'all, incl. faults',
        lowerIsBetter: true,
        cells: runs.map((r) => {
          const v = r.summary.metrics?.latency?.all?.[key];
          return isNum(v) ? { key: String(v), html: esc(fmtMs(v)), rank: v } : text(undefined);
        }),
      }),
    ),
  ];
  return `<section class="card" id="latency">
  <h2>Latency</h2>
  <div class="charts one">
    ${chart('chart-cmp-spectrum', 'cmp-spectrum', 'Delivery latency percentile spectrum per run', '(ms, steady state; dashed: delivery_latency thresholds)', true)}
  </div>
  <div class="scroll"><table class="cmp">${runHeads(runs, 'delivery latency')}<tbody>${renderRows(rows, runs)}</tbody></table></div>
</section>`;
}

function renderHeader(runs: CompareRun[]): string {
  const verdicts = runs.map((r) => String(r.summary.verdict));
  const same = new Set(verdicts).size === 1;
  const cards = runs
    .map((r) => {
      const s = r.summary;
      const v = String(s.verdict);
      return `<div class="run-card ${verdictClass(v)}" style="--run:${r.color}">
  <div class="run-label"><span class="swatch"></span>${esc(r.label)}</div>
  <div class="run-verdict"><span class="badge small">${esc(VERDICT_LABEL[v as keyof typeof VERDICT_LABEL] ?? v.toUpperCase())}</span> <span class="muted">exit code</span> <b>${esc(s.exitCode)}</b>${s.interrupted ? ' <span class="chip">interrupted</span>' : ''}</div>
  <div class="run-id"><code>${esc(s.runId)}</code></div>
  <div class="muted">${esc(s.scenario?.name)} · ${esc(fmtNum(s.clients))} clients · seed ${esc(s.seed)} · ${esc(fmtAt(s.durationSeconds))}</div>
  <div class="muted">started ${esc(s.startedAt)}</div>
  <div class="failed">${(s.failedChecks ?? []).length ? `not passed: ${(s.failedChecks ?? []).map((n) => `<span class="chip">${esc(n)}</span>`).join(' ')}` : 'every check passed'}</div>
  <div class="muted dir" title="${esc(r.dir)}">${esc(basename(r.dir))}</div>
</div>`;
    })
    .join('\n');
  return `<header class="cmp-hero">
  <h1>Comparing ${runs.length} runs</h1>
  <p class="desc">${same ? `Every run: <b>${esc(verdicts[0])}</b>.` : `Verdicts differ: ${runs.map((r) => `${esc(r.label)} ${pill(String(r.summary.verdict))}`).join(' ')}`}</p>
  <div class="run-cards">${cards}</div>
</header>`;
}

function renderCharts(): string {
  return `<section class="card" id="charts">
  <h2>Over time</h2>
  <p class="legend-note">One colour per run. Bands: each run's fault windows, in its colour, labelled with the run's letter.</p>
  <div class="charts">
    ${chart('chart-cmp-open', 'cmp-open', 'Open sockets per run')}
    ${chart('chart-cmp-received', 'cmp-received', 'Messages received per second per run')}
    ${chart('chart-cmp-p99', 'cmp-p99', 'Delivery latency p99 per second per run', '(ms)')}
    ${chart('chart-cmp-delays', 'cmp-delays', 'Reconnect delay per attempt per run', "(ms; wide light bar: the run's policy envelope, narrow bar: observed min–max)")}
  </div>
</section>`;
}

/** compare.html: the runs side by side, self-contained like index.html. */
export function renderCompare(runs: CompareRun[], extra: { title?: string; sections?: string } = {}): string {
  const data = { runs: runs.map((r) => ({ label: r.label, color: r.color, dir: r.dir, summary: r.summary })) };
  return pageShell({
    title:
      extra.title ??
      `Compare ${runs.map((r) => `${r.label} ${VERDICT_LABEL[r.summary.verdict] ?? r.summary.verdict}`).join(' · ')} · chatstorm`,
    version: runs[0]?.summary.tool?.version,
    css: pageCss('base.css', 'compare.css'),
    data,
    script: pageScript('compare.js'),
    body: `${renderHeader(runs)}
${extra.sections ?? ''}
${renderSettings(runs)}
${renderChecks(runs)}
${renderThresholds(runs)}
${renderResilience(runs)}
${renderLatency(runs)}
${renderCharts()}
${COMPARE_FOOTER} · ${runs.length} runs · self-contained: every run's summary is embedded in this file (script #chatstorm-data)</footer>`,
  });
}
