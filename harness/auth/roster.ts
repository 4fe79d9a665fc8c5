/**
 * Users, chats and memberships: client i is user u<i> in chat c<floor(i / chatSize)>. Whole chats
 * go to one fleet process, so that "caught up" can be decided where the senders are.
 */
import type { RunPlan } from '../config/plan.ts';
import type { ProbeSpec, RosterEntry } from '../record/history.ts';
import { mintProbeTokens } from './bad-tokens.ts';
import { mintToken, secretKey } from './tokens.ts';

export function buildRoster(plan: Pick<RunPlan, 'clients' | 'chatSize' | 'chats' | 'workers'> & { authProbes?: ProbeSpec[] }): RosterEntry[] {
  const perWorker = Math.ceil(plan.chats / plan.workers);
  const clients: RosterEntry[] = Array.from({ length: plan.clients }, (_, c) => {
    const chatIndex = Math.floor(c / plan.chatSize);
    return { c, user: `u${c}`, chat: `chat-${chatIndex}`, worker: Math.floor(chatIndex / perWorker) };
  });
  // Probes come last, so that the normal clients keep their indices whether or not there are
  // probes; each joins a real chat of the run, spread over the chats (and so over the workers).
  const probes = (plan.authProbes ?? []).map((probe, j): RosterEntry => {
    const c = plan.clients + j;
    const chatIndex = j % plan.chats;
    return { c, user: `u${c}`, chat: `chat-${chatIndex}`, worker: Math.floor(chatIndex / perWorker), probe };
  });
  return [...clients, ...probes];
}

/** Tokens per client: `first[c]` for its first connect ('' = none at all), `later` for a probe's attempts after its first open. */
export interface RunTokens { first: string[]; later: Map<number, string> }

/** One token per client, valid for the run plus a margin; probes get their bad ones (bad-tokens.ts). */
export async function mintTokens(roster: RosterEntry[], secret: string, ttlSeconds: number): Promise<RunTokens> {
  const key = secretKey(secret);
  const probes = await mintProbeTokens(roster, secret, ttlSeconds);
  const first = await Promise.all(roster.map((r) => probes.first.get(r.c) ?? mintToken(key, { sub: r.user, chats: [r.chat], ttlSeconds })));
  return { first, later: probes.later };
}
