/**
 * How far a host's clock is from the gateway's, estimated from the run's own messages the way NTP
 * does: every client receives its own messages, so each one gives an up-leg (server_ts − send
 * time) and a down-leg (receive time − server_ts). With θ = client clock − gateway clock,
 * up = δ₁ − θ and down = δ₂ + θ, so θ ≈ (min down − min up) / 2, give or take
 * (min up + min down) / 2 (the fastest round trip bounds the error). Shards of one run share the
 * gateway, so the difference of their θ is the offset between their clocks.
 */
import type { RosterEntry } from '../record/history.ts';
import type { Timelines } from '../record/receipts.ts';

export interface ClockOffset {
  /** This host's clock minus the gateway's, ms; null when no client received its own message. */
  offsetMs: number | null;
  /** Half the fastest round trip: the estimate is good to ± this, ms. */
  uncertaintyMs: number | null;
  /** Own messages the estimate is drawn from. */
  samples: number;
}

/** The fastest legs seen so far: gathered part by part (the judge streams the history), then read with clockOffset. */
export interface ClockLegs {
  minUp: number;
  minDown: number;
  samples: number;
}

export function newClockLegs(): ClockLegs {
  return { minUp: Infinity, minDown: Infinity, samples: 0 };
}

/**
 * Adds the own-message legs of `clients`, whose events `timelines` holds (record/receipts.ts): a
 * receipt of the client's own message, sent (first) before it.
 */
export function addClockLegs(
  legs: ClockLegs,
  roster: RosterEntry[],
  timelines: Timelines,
  clients: readonly number[],
): ClockLegs {
  const R = timelines.receipts;
  for (const c of clients) {
    const events = timelines.events[c] ?? [];
    const user = roster[c].user;
    const sent = new Map<string, number>();
    let j = 0;
    for (let r = R.from[c]; r < R.to[c]; r++) {
      for (const stop = R.before[r]; j < stop; j++) {
        const ev = events[j];
        if (ev.k === 'send' && !sent.has(ev.id)) sent.set(ev.id, ev.t);
      }
      if (R.sender[r] !== user) continue;
      const t0 = sent.get(R.id[r]);
      if (t0 === undefined) continue;
      legs.samples++;
      legs.minUp = Math.min(legs.minUp, R.sts[r] - t0);
      legs.minDown = Math.min(legs.minDown, R.t[r] - R.sts[r]);
    }
  }
  return legs;
}

export function clockOffset(legs: ClockLegs): ClockOffset {
  if (!legs.samples) return { offsetMs: null, uncertaintyMs: null, samples: 0 };
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    offsetMs: round((legs.minDown - legs.minUp) / 2),
    uncertaintyMs: round((legs.minUp + legs.minDown) / 2),
    samples: legs.samples,
  };
}
