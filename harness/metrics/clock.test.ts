/**
 * The clock offset from hand-written histories: a host whose clock runs θ ahead of the gateway's,
 * legs of known length. The estimate lies within the bound it states of θ, whatever the legs; only
 * the client's own messages count, from their first send.
 */
import { describe, expect, it } from 'vitest';
import type { ClientEvent, RosterEntry } from '../record/history.ts';
import { timelinesOf } from '../record/receipts.ts';
import { addClockLegs, clockOffset, newClockLegs } from './clock.ts';

const roster: RosterEntry[] = [
  { c: 0, user: 'u0', chat: 'chat-0', worker: 0 },
  { c: 1, user: 'u1', chat: 'chat-0', worker: 0 },
];

/** Client 0 sends at gateway time g (its clock reads g + θ), the gateway stamps after `up`, it arrives after `down`. */
function message(id: string, g: number, theta: number, up: number, down: number, sender = 'u0'): ClientEvent[] {
  const sts = g + up;
  return [
    ...(sender === 'u0' ? [{ k: 'send', t: g + theta, c: 0, id, open: true } as ClientEvent] : []),
    { k: 'recv', t: sts + down + theta, c: 0, seq: 1, id, sender, mid: `m-${id}`, sts },
  ];
}

function offsetOf(events: ClientEvent[]) {
  return clockOffset(addClockLegs(newClockLegs(), roster, timelinesOf([events, []]), [0, 1]));
}

describe('clock offset against the gateway (NTP-style, from own messages)', () => {
  it('recovers θ within its stated bound, for clocks ahead, behind and equal', () => {
    for (const theta of [14.5, -250, 0]) {
      const got = offsetOf([
        ...message('a', 1_000, theta, 3, 9),
        ...message('b', 2_000, theta, 0.4, 0.6),
        ...message('c', 3_000, theta, 8, 0.2),
      ]);
      expect(got.samples).toBe(3);
      // min up 0.4 (b), min down 0.2 (c): estimate θ + (0.2 − 0.4)/2, good to ± 0.3.
      expect(got.uncertaintyMs).toBeCloseTo(0.3, 6);
      expect(got.offsetMs).toBeCloseTo(theta - 0.1, 6);
      expect(Math.abs(got.offsetMs! - theta)).toBeLessThanOrEqual(got.uncertaintyMs!);
    }
  });

  it("counts only the client's own messages, timed from their first send", () => {
    const theta = 5;
    const events: ClientEvent[] = [
      ...message('a', 1_000, theta, 2, 2),
      // Another user's message, with the same client_msg_id as one of ours (ids are per client).
      ...message('a', 1_500, theta, 0.01, 0.01, 'u1'),
      // Sent, not acknowledged, sent again 1 s later: the up-leg counts from the first send.
      { k: 'send', t: 2_000 + theta, c: 0, id: 'b', open: true },
      ...message('b', 3_000, theta, 0.5, 3),
    ];
    const got = offsetOf(events);
    expect(got.samples).toBe(2);
    // Legs: a (2, 2), b (1,000.5, 3): min up 2, min down 2.
    expect(got).toEqual({ offsetMs: theta, uncertaintyMs: 2, samples: 2 });
  });

  it('says nothing without an own message', () => {
    expect(offsetOf(message('x', 1_000, 0, 1, 1, 'u1'))).toEqual({ offsetMs: null, uncertaintyMs: null, samples: 0 });
  });
});
