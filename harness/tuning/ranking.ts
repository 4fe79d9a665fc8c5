/**
 * The sweep's ranking: one row per setting, the figures a tuner compares (recovery time p99, time
 * to detect a half-open link, reconnect storm peak, messages lost, gateway load), settings that
 * break a threshold marked. Order: settings that pass every check and threshold first; within
 * each group, by the sum of the setting's ranks over the five figures (lower is better on each;
 * a figure nobody could measure ranks everyone equal; a client that never came back ranks last on
 * recovery). Pure.
 */
import { esc, fmtMs, fmtNum, pill } from '../report/html.ts';
import type { RunFigures } from './figures.ts';

export interface RankedPoint {
  rank: number;
  label: string;
  /** The run's column on the compare page (A, B, …). */
  column: string;
  verdict: string;
  breaches: string[];
  recoveryP99: number | null;
  notRecovered: number;
  detectMax: number | null;
  stormPeak: number | null;
  messagesLost: number | null;
  /** Mean gateway CPU over the run, % of one core (local stack only). */
  gatewayCpu: number | null;
  gatewayRssMb: number | null;
  /** Sum of the per-figure ranks (1 = best) the order is built from. */
  score: number;
}

type Figure = 'recoveryP99' | 'detectMax' | 'stormPeak' | 'messagesLost' | 'gatewayCpu';
const FIGURES: Figure[] = ['recoveryP99', 'detectMax', 'stormPeak', 'messagesLost', 'gatewayCpu'];

/** Competition ranks (1, 2, 2, 4) of values, lower better; null ranks last. */
function ranks(values: (number | null)[]): number[] {
  return values.map(
    (v) => 1 + values.filter((o) => (v === null ? false : o !== null && o < v) || (v === null && o !== null)).length,
  );
}

export function rankPoints(points: { label: string; column: string; figures: RunFigures }[]): RankedPoint[] {
  const rows = points.map((p) => ({
    label: p.label,
    column: p.column,
    verdict: p.figures.verdict,
    breaches: p.figures.breaches,
    recoveryP99: p.figures.recoveryP99,
    notRecovered: p.figures.notRecovered,
    detectMax: p.figures.detectMax,
    stormPeak: p.figures.stormPeak,
    messagesLost: p.figures.messagesLost,
    gatewayCpu: p.figures.gateway ? Math.round(p.figures.gateway.cpuMean * 1000) / 10 : null,
    gatewayRssMb: p.figures.gateway?.rssMaxMb ?? null,
    score: 0,
    rank: 0,
  }));
  for (const f of FIGURES) {
    // A client that never came back is worse than any finite recovery time.
    const values = rows.map((r) => (f === 'recoveryP99' && r.notRecovered > 0 ? Number.POSITIVE_INFINITY : r[f]));
    ranks(values).forEach((rk, i) => {
      rows[i].score += rk;
    });
  }
  const ok = (r: RankedPoint) => r.verdict === 'pass' && r.breaches.length === 0;
  const sorted = [...rows].sort((a, b) => Number(ok(b)) - Number(ok(a)) || a.score - b.score);
  sorted.forEach((r, i) => {
    r.rank = i + 1;
  });
  return sorted;
}

/** The ranking as a section of the compare page. */
export function renderRanking(ranked: RankedPoint[], keys: string[]): string {
  const best = (f: Figure) => {
    const vals = ranked
      .map((r) => (f === 'recoveryP99' && r.notRecovered > 0 ? null : r[f]))
      .filter((v): v is number => v !== null);
    return vals.length > 1 && new Set(vals).size > 1 ? Math.min(...vals) : null;
  };
  const bests = Object.fromEntries(FIGURES.map((f) => [f, best(f)])) as Record<Figure, number | null>;
  const cell = (f: Figure, v: number | null, html: string) =>
    `<td class="num${v !== null && v === bests[f] ? ' best' : ''}">${html}</td>`;
  const rows = ranked
    .map(
      (r) =>
        `<tr class="${r.breaches.length || r.verdict !== 'pass' ? 'breaker' : ''}"><td class="num">${r.rank}</td><th scope="row"><span class="chip">${esc(r.column)}</span> ${esc(r.label)}</th><td>${pill(r.verdict)}${r.breaches.length ? `<div class="cell-note ko">breaks ${esc(r.breaches.join('; '))}</div>` : ''}</td>${cell('recoveryP99', r.notRecovered ? null : r.recoveryP99, r.notRecovered ? `<b class="ko">never (${esc(fmtNum(r.notRecovered))} not back)</b>` : esc(fmtMs(r.recoveryP99)))}${cell('detectMax', r.detectMax, esc(fmtMs(r.detectMax)))}${cell('stormPeak', r.stormPeak, esc(fmtNum(r.stormPeak)))}${cell('messagesLost', r.messagesLost, esc(fmtNum(r.messagesLost)))}${cell('gatewayCpu', r.gatewayCpu, r.gatewayCpu === null ? '—' : `${esc(fmtNum(r.gatewayCpu))} % <span class="muted">${esc(fmtNum(r.gatewayRssMb))} MB</span>`)}</tr>`,
    )
    .join('');
  return `<section class="card" id="ranking">
  <h2>Ranking</h2>
  <p class="legend-note">One row per setting of ${keys.map((k) => `<code>${esc(k)}</code>`).join(' × ')}, the same seed in every run. Settings that pass every check and threshold come first, then by the sum of their ranks over the five figures (lower is better on each). <span class="ko">Red rows</span> break a threshold or a check. Bold green: the best value of a column.</p>
  <div class="scroll"><table class="data ranking"><thead><tr><th class="num">rank</th><th>setting</th><th>verdict</th><th class="num">recovery p99<br><span class="muted">worst fault</span></th><th class="num">time to detect<br><span class="muted">max, worst fault</span></th><th class="num">reconnect storm<br><span class="muted">peak attempts/s</span></th><th class="num">messages lost</th><th class="num">gateway load<br><span class="muted">mean CPU, max RSS</span></th></tr></thead>
  <tbody>${rows}</tbody></table></div>
</section>
<style>table.ranking tr.breaker td:first-child{box-shadow:inset 3px 0 0 var(--fail)}table.ranking td.best{font-weight:700;color:var(--pass)}table.ranking .cell-note{min-width:220px}</style>`;
}
