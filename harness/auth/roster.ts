/**
 * Users, chats and memberships: client i is user u<i> in chat c<floor(i / chatSize)>. Whole chats
 * go to one fleet process, so that "caught up" can be decided where the senders are.
 *
 * A shard (--shard i/n) keeps the chats k with k mod n = i, whole. Its roster renumbers its clients
 * 0, 1, … (the index `c` every stage of the shard uses) and keeps the run-wide index in `g`: user
 * and chat names, the traffic plan and the jitter all derive from `g`, so that shards of one run
 * never collide and together send exactly what one host would.
 */
import type { RunPlan, ShardPlan } from '../config/plan.ts';
import type { ProbeSpec, RosterEntry } from '../record/history.ts';
import { mintProbeTokens } from './bad-tokens.ts';
import { mintToken, secretKey } from './tokens.ts';

export function buildRoster(
  plan: Pick<RunPlan, 'clients' | 'chatSize' | 'chats' | 'workers'> & {
    authProbes?: ProbeSpec[];
    shard?: Pick<ShardPlan, 'index' | 'count'> | null;
  },
): RosterEntry[] {
  if (!plan.shard) return wholeRoster(plan);
  // The shard's own chats only (a shard of a 1,000,000-client run never builds the other shards'
  // entries), in the whole roster's order: its clients by run-wide index, then its probes.
  const { index, count } = plan.shard;
  // Worker of a shard's chat: its position among the shard's chats, in blocks (as wholeRoster does).
  const owned = Math.ceil((plan.chats - index) / count);
  const perWorker = Math.ceil(owned / plan.workers);
  const workerOf = (chat: number) => Math.floor(Math.floor(chat / count) / perWorker);
  const out: RosterEntry[] = [];
  for (let k = index; k < plan.chats; k += count) {
    for (let g = k * plan.chatSize; g < Math.min(plan.clients, (k + 1) * plan.chatSize); g++)
      out.push({ c: out.length, user: `u${g}`, chat: `chat-${k}`, worker: workerOf(k), g });
  }
  (plan.authProbes ?? []).forEach((probe, j) => {
    const k = j % plan.chats;
    const g = plan.clients + j;
    if (k % count === index)
      out.push({ c: out.length, user: `u${g}`, chat: `chat-${k}`, worker: workerOf(k), probe, g });
  });
  return out;
}

function wholeRoster(
  plan: Pick<RunPlan, 'clients' | 'chatSize' | 'chats' | 'workers'> & { authProbes?: ProbeSpec[] },
): RosterEntry[] {
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
export interface RunTokens {
  first: string[];
  later: Map<number, string>;
}

/** One token per client, valid for the run plus a margin; probes get their bad ones (bad-tokens.ts). */
export async function mintTokens(roster: RosterEntry[], secret: string, ttlSeconds: number): Promise<RunTokens> {
  const key = secretKey(secret);
  const probes = await mintProbeTokens(roster, secret, ttlSeconds);
  const first = await Promise.all(
    roster.map((r) => probes.first.get(r.c) ?? mintToken(key, { sub: r.user, chats: [r.chat], ttlSeconds })),
  );
  return { first, later: probes.later };
}
