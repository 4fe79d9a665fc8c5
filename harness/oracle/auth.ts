/**
 * auth: every bad credential was refused with the right code, on first connect and on reconnect,
 * and no unauthorised socket ever received a message (docs/checks.md; docs/auth.md).
 *
 * Probes are roster entries with a `probe`: extra clients that carry one bad credential each.
 * Their bad attempts are, for a first-connect probe, every attempt; for a reconnect probe, every
 * attempt after its first (valid) open; for expires-before-reconnect, every attempt after its first
 * open that starts once the token has surely expired (ttl after the traffic started; it was minted
 * before the fleet started). Each bad attempt ends one of these ways:
 *
 *   refused        the socket opened and the gateway closed it with a close frame (the protocol's
 *                  refusal codes, chat-v1: 4401 or 4403, a code a browser can read), or closed it
 *                  with a code before it opened
 *   rejected-before-upgrade   the gateway answered the upgrade with an HTTP status (401, 403…):
 *                  a browser sees a bare 1006, the same as a network failure, and retries
 *   accepted       the socket opened and was not closed by the gateway (it stayed open, or only
 *                  the network or the client ended it)
 *   (undecided)    a network failure or timeout (a fault was in force): the client tries again,
 *                  and its next attempt decides
 *
 * A probe's outcome is its worst bad attempt (accepted > wrong code > rejected before the upgrade
 * > refused with the right code). A probe with no decided bad attempt was not exercised (a reconnect
 * probe never got to reconnect, or never opened with its valid token): the check cannot pass then,
 * and is inconclusive unless something failed. Independently, a probe that made another attempt
 * after a 4401 or 4403 retried after a refusal (the client policy forbids it), and every message a
 * probe received during a bad attempt is a message an unauthorised socket received.
 */
import type { ClientEvent, History, ProbeSpec, RosterEntry } from '../record/history.ts';
import { chatV1 } from '../protocol/chat-v1.ts';
import type { Refusals } from '../protocol/types.ts';
import type { CheckResult, Example } from './types.ts';

/** Evidence lines kept: one per probe failure (and per passing probe), up to this many. */
const MAX_EXAMPLES = 100;

type Outcome =
  | { kind: 'refused'; code: number; t: number }
  | { kind: 'rejected-before-upgrade'; status: number; t: number }
  | { kind: 'accepted'; how: string; t: number }
  | { kind: 'undecided' };

const SEVERITY: Record<string, number> = { refused: 0, 'rejected-before-upgrade': 1, 'wrong-code': 2, accepted: 3 };

export function hasProbes(history: History): boolean {
  return history.roster.some((r) => r.probe);
}

/**
 * The history without its probes, for every other check: probes are judged by `auth` alone.
 * Probes come after every normal client (harness/auth/roster.ts), so the indices of the others hold.
 */
export function withoutProbes(history: History): History {
  const n = history.roster.findIndex((r) => r.probe);
  if (n < 0) return history;
  if (history.roster.slice(n).some((r) => !r.probe))
    throw new Error(
      `auth probes must come after every normal client in the roster (client ${n} is a probe, a later one is not)`,
    );
  return { ...history, roster: history.roster.slice(0, n), byClient: history.byClient.slice(0, n) };
}

/** One attempt: its `attempt` event and everything the client saw until the next one. */
function attempts(events: ClientEvent[]): ClientEvent[][] {
  const out: ClientEvent[][] = [];
  for (const ev of events) {
    if (ev.k === 'attempt') out.push([ev]);
    else out.at(-1)?.push(ev);
  }
  return out;
}

function outcomeOf(segment: ClientEvent[]): Outcome {
  const http = segment.find((e) => e.k === 'http-status');
  if (http) return { kind: 'rejected-before-upgrade', status: http.status, t: http.t };
  const open = segment.find((e) => e.k === 'open');
  if (open) {
    const close = segment.find((e) => e.k === 'close' && e.t >= open.t);
    if (close?.k === 'close' && close.by === 'server') return { kind: 'refused', code: close.code, t: close.t };
    // 1000 from the client is the harness stopping every client at the end of the run.
    if (close?.k === 'close' && !(close.by === 'client' && close.code === 1000))
      return {
        kind: 'accepted',
        how: `stayed open until ${close.by === 'client' ? 'the client' : 'the network'} closed it (${close.code})`,
        t: open.t,
      };
    return { kind: 'accepted', how: 'stayed open to the end of the run', t: open.t };
  }
  const fail = segment.find((e) => e.k === 'fail');
  if (fail?.k === 'fail' && fail.code !== undefined && fail.code !== 1006)
    return { kind: 'refused', code: fail.code, t: fail.t };
  return { kind: 'undecided' };
}

function describeWhen(p: ProbeSpec): string {
  return p.when === 'first-connect' ? 'on first connect' : 'on reconnect';
}

/** `refusals`: the codes the run's protocol refuses a credential with (harness/protocol). */
export function checkAuth(history: History, refusals: Refusals = chatV1.refusals): CheckResult {
  const stopCodes = new Set([refusals.unauthorized, refusals.forbidden]);
  const origin = history.phases.start;
  const rel = (t: number) => Math.round((t - origin) / 10) / 100;
  const counts = {
    probes: 0,
    refusedRightCode: 0,
    wrongCode: 0,
    accepted: 0,
    rejectedBeforeUpgrade: 0,
    notExercised: 0,
    retriedAfterRefusal: 0,
    receivedMessages: 0,
  };
  const examples: Example[] = [];
  let first: number | null = null;
  const breach = (t: number) => (first = first === null ? t : Math.min(first, t));
  const example = (category: string, r: RosterEntry, detail: string, extra: Partial<Example> = {}) => {
    if (examples.length < MAX_EXAMPLES)
      examples.push({ category, client: r.c, user: r.user, chat: r.chat, ...extra, detail });
  };

  for (const r of history.roster) {
    const p = r.probe;
    if (!p) continue;
    counts.probes++;
    const label = `${p.kind} ${describeWhen(p)}`;
    const segments = attempts(history.byClient[r.c] ?? []);
    const firstOpen = segments.findIndex((s) => s.some((e) => e.k === 'open'));
    const badFrom = p.when === 'first-connect' ? 0 : firstOpen < 0 ? segments.length : firstOpen + 1;
    // Until its token has surely expired, an expires-before-reconnect probe's reconnects are legitimate.
    const expiredAt = p.ttlMs === undefined ? -Infinity : history.phases.trafficStart + p.ttlMs;
    const bad = segments.slice(badFrom).filter((s) => s[0].t >= expiredAt);

    let worst: { category: string; detail: string; t: number } | null = null;
    let received = 0;
    for (const s of bad) {
      const o = outcomeOf(s);
      const recv = s.filter((e) => e.k === 'recv');
      received += recv.length;
      let verdict: { category: string; detail: string; t: number } | null = null;
      switch (o.kind) {
        case 'refused':
          verdict =
            o.code === p.expect
              ? { category: 'refused', detail: `${label}: refused with ${o.code} as expected`, t: o.t }
              : {
                  category: 'wrong-code',
                  detail: `${label}: expected close ${p.expect}, observed close ${o.code}`,
                  t: o.t,
                };
          break;
        case 'rejected-before-upgrade':
          verdict = {
            category: 'rejected-before-upgrade',
            detail: `${label}: expected close ${p.expect}, observed HTTP ${o.status} before the upgrade (a browser sees a bare 1006 and retries)`,
            t: o.t,
          };
          break;
        case 'accepted':
          verdict = {
            category: 'accepted',
            detail: `${label}: expected close ${p.expect}, observed accepted: the socket ${o.how}${recv.length ? `, ${recv.length} messages received` : ''}`,
            t: o.t,
          };
          break;
      }
      if (verdict && (worst === null || SEVERITY[verdict.category] > SEVERITY[worst.category])) worst = verdict;
    }

    if (worst === null) {
      counts.notExercised++;
      const why =
        p.when === 'first-connect' || firstOpen >= 0
          ? 'no bad attempt reached the gateway (each failed on the network, or none was made)'
          : 'its valid first connect never opened, so it never presented the bad token';
      example('not-exercised', r, `${label}: not exercised: ${why}`);
    } else {
      if (worst.category === 'refused') counts.refusedRightCode++;
      else {
        if (worst.category === 'wrong-code') counts.wrongCode++;
        else if (worst.category === 'accepted') counts.accepted++;
        else counts.rejectedBeforeUpgrade++;
        breach(worst.t);
      }
      example(worst.category, r, worst.detail, { at: rel(worst.t) });
    }

    if (received > 0) {
      counts.receivedMessages += received;
      const firstRecv = bad.flat().find((e): e is Extract<ClientEvent, { k: 'recv' }> => e.k === 'recv')!;
      breach(firstRecv.t);
      example('received-message', r, `${label}: an unauthorised socket received ${received} messages`, {
        message: firstRecv.id,
        seq: firstRecv.seq,
        at: rel(firstRecv.t),
      });
    }

    // Any attempt after a refusal (chat-v1: 4401/4403), in any phase: the client must stop for good (docs/client-policy.md).
    const all = segments.map(outcomeOf);
    const stopAt = all.findIndex((o) => o.kind === 'refused' && stopCodes.has(o.code));
    if (stopAt >= 0 && stopAt < segments.length - 1) {
      counts.retriedAfterRefusal++;
      const refusal = all[stopAt] as { code: number; t: number };
      const retries = segments.length - 1 - stopAt;
      breach(segments[stopAt + 1][0].t);
      example(
        'retried-after-refusal',
        r,
        `${label}: attempted ${retries} more time(s) after being refused with ${refusal.code}`,
        { at: rel(segments[stopAt + 1][0].t) },
      );
    }
  }

  const failed =
    counts.wrongCode +
    counts.accepted +
    counts.rejectedBeforeUpgrade +
    counts.retriedAfterRefusal +
    counts.receivedMessages;
  const verdict = failed > 0 ? 'fail' : counts.notExercised > 0 ? 'inconclusive' : 'pass';
  const parts = [
    counts.wrongCode && `${counts.wrongCode} refused with the wrong code`,
    counts.accepted && `${counts.accepted} accepted`,
    counts.rejectedBeforeUpgrade &&
      `${counts.rejectedBeforeUpgrade} rejected before the upgrade (HTTP, a bare 1006 to a browser)`,
    counts.retriedAfterRefusal && `${counts.retriedAfterRefusal} retried after a refusal`,
    counts.receivedMessages && `${counts.receivedMessages} messages received by unauthorised sockets`,
    counts.notExercised && `${counts.notExercised} not exercised`,
  ].filter(Boolean);
  return {
    name: 'auth',
    verdict,
    summary:
      verdict === 'pass'
        ? `All ${counts.probes} bad credentials were refused with the right close code, on first connect and on reconnect; no unauthorised socket received a message.`
        : `${counts.refusedRightCode} of ${counts.probes} bad credentials were refused with the right code; ${parts.join('; ')}.`,
    counts,
    examples,
    firstBreachAt: first === null ? null : rel(first),
  };
}
