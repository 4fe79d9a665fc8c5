/**
 * Per-second series over the whole run, from the client histories: sockets open and connecting
 * (sampled at the end of each second), attempts, failures (also by reason), closes by close code,
 * sends and receipts per second, and delivery latency percentiles of the messages received in each second.
 */
import type { ClientEvent, History } from '../record/history.ts';
import type { SeriesPoint } from '../oracle/types.ts';
import { newHistogram, record, type Histogram } from './histogram.ts';

export function perSecondSeries(history: History, sendTimeOf: (sender: string, id: string) => number | undefined): SeriesPoint[] {
  const origin = history.phases.start;
  const last = Math.max(history.phases.end, ...history.byClient.map((l) => (l.length ? l[l.length - 1].t : origin)));
  const seconds = Math.max(1, Math.ceil((last - origin) / 1_000) + 1);
  const openDelta = new Int32Array(seconds + 1);
  const connectingDelta = new Int32Array(seconds + 1);
  const attempts = new Int32Array(seconds);
  const failures = new Int32Array(seconds);
  const sent = new Int32Array(seconds);
  const received = new Int32Array(seconds);
  // Sparse: most seconds have no failure and no close, and an empty breakdown is left out.
  const failuresByReason: (Record<string, number> | undefined)[] = new Array(seconds);
  const closesByCode: (Record<string, number> | undefined)[] = new Array(seconds);
  const bump = (rows: (Record<string, number> | undefined)[], s: number, key: string) => {
    const row = (rows[s] ??= {});
    row[key] = (row[key] ?? 0) + 1;
  };
  const latency: (Histogram | null)[] = new Array(seconds).fill(null);
  const sec = (t: number) => Math.min(seconds - 1, Math.max(0, Math.floor((t - origin) / 1_000)));
  for (const events of history.byClient) {
    let open = false;
    let connecting = false;
    const toggle = (ev: ClientEvent, o: boolean, cn: boolean) => {
      if (o !== open) openDelta[sec(ev.t) + 1] += o ? 1 : -1;
      if (cn !== connecting) connectingDelta[sec(ev.t) + 1] += cn ? 1 : -1;
      open = o;
      connecting = cn;
    };
    for (const ev of events) {
      switch (ev.k) {
        case 'attempt': attempts[sec(ev.t)]++; toggle(ev, false, true); break;
        case 'open': toggle(ev, true, false); break;
        case 'fail':
          failures[sec(ev.t)]++;
          // Keyed like Metrics.failureReasons ("timeout", "closed 4401"), so the two can be read together.
          bump(failuresByReason, sec(ev.t), ev.code ? `${ev.why} ${ev.code}` : ev.why);
          toggle(ev, false, false);
          break;
        case 'close': bump(closesByCode, sec(ev.t), String(ev.code)); toggle(ev, false, false); break;
        case 'stopped': toggle(ev, false, false); break;
        case 'send': sent[sec(ev.t)]++; break;
        case 'recv': {
          const s = sec(ev.t);
          received[s]++;
          const t0 = sendTimeOf(ev.sender, ev.id);
          if (t0 !== undefined) record((latency[s] ??= newHistogram()), ev.t - t0);
          break;
        }
      }
    }
  }
  const out: SeriesPoint[] = [];
  let open = 0;
  let connecting = 0;
  for (let s = 0; s < seconds; s++) {
    open += openDelta[s + 1];
    connecting += connectingDelta[s + 1];
    const h = latency[s];
    out.push({
      s,
      open,
      connecting,
      attempts: attempts[s],
      failures: failures[s],
      sent: sent[s],
      received: received[s],
      p50: h ? h.getValueAtPercentile(50) : null,
      p95: h ? h.getValueAtPercentile(95) : null,
      p99: h ? h.getValueAtPercentile(99) : null,
      max: h ? h.maxValue : null,
      ...(failuresByReason[s] ? { failuresByReason: failuresByReason[s] } : {}),
      ...(closesByCode[s] ? { closesByCode: closesByCode[s] } : {}),
    });
  }
  return out;
}
