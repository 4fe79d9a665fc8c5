/**
 * Users, chats and memberships: client i is user u<i> in chat c<floor(i / chatSize)>. Whole chats
 * go to one fleet process, so that "caught up" can be decided where the senders are.
 */
import type { RunPlan } from '../config/plan.ts';
import type { RosterEntry } from '../fleet/history.ts';
import { mintToken, secretKey } from './tokens.ts';

export function buildRoster(plan: Pick<RunPlan, 'clients' | 'chatSize' | 'chats' | 'workers'>): RosterEntry[] {
  const perWorker = Math.ceil(plan.chats / plan.workers);
  return Array.from({ length: plan.clients }, (_, c) => {
    const chatIndex = Math.floor(c / plan.chatSize);
    return { c, user: `u${c}`, chat: `chat-${chatIndex}`, worker: Math.floor(chatIndex / perWorker) };
  });
}

/** One token per client, valid for the run plus a margin. */
export async function mintTokens(roster: RosterEntry[], secret: string, ttlSeconds: number): Promise<string[]> {
  const key = secretKey(secret);
  return Promise.all(roster.map((r) => mintToken(key, { sub: r.user, chats: [r.chat], ttlSeconds })));
}
