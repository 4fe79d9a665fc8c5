/**
 * How far a host's clock is from the gateway's, estimated from the run's own messages the way NTP
 * does: every client receives its own messages, so each one gives an up-leg (server_ts − send
 * time) and a down-leg (receive time − server_ts). With θ = client clock − gateway clock,
 * up = δ₁ − θ and down = δ₂ + θ, so θ ≈ (min down − min up) / 2, give or take
 * (min up + min down) / 2 (the fastest round trip bounds the error). Shards of one run share the
 * gateway, so the difference of their θ is the offset between their clocks.
 */
import type { History } from '../record/history.ts';

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

/** Adds the own-message legs of the clients of `history` whose events are loaded (byClient). */
export function addClockLegs(legs: ClockLegs, history: History): ClockLegs {
  history.roster.forEach((entry, c) => {
    const events = history.byClient[c];
    if (!events?.length) return;
    const sent = new Map<string, number>();
    for (const ev of events) {
      if (ev.k === 'send' && !sent.has(ev.id)) sent.set(ev.id, ev.t);
      else if (ev.k === 'recv' && ev.sender === entry.user) {
        const t0 = sent.get(ev.id);
        if (t0 === undefined) continue;
        legs.samples++;
        legs.minUp = Math.min(legs.minUp, ev.sts - t0);
        legs.minDown = Math.min(legs.minDown, ev.t - ev.sts);
      }
    }
  });
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
