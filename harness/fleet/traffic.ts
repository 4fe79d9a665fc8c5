/**
 * The traffic plan: client c sends its k-th message at trafficStart + phase(c) + k × interval,
 * with client_msg_id "m<c>-<k>". Phases and contents derive from the seed alone, so the same
 * seed gives the same plan.
 */
import { clientSeed, mulberry32 } from './random.ts';

export function sendPhase(seed: number, c: number, intervalMs: number): number {
  return mulberry32(clientSeed(seed, c, 1))() * intervalMs;
}

export function clientMsgId(c: number, k: number): string {
  return `m${c}-${k}`;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789 ';

export function messageContent(seed: number, c: number, k: number, bytes: number): string {
  const rnd = mulberry32(clientSeed(seed, c, 1000 + k));
  let s = '';
  for (let i = 0; i < bytes; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
}

/** Every planned send of client c in [0, trafficMs): offsets from the traffic start. */
export function plannedSends(seed: number, c: number, intervalMs: number, trafficMs: number): number[] {
  const out: number[] = [];
  for (let t = sendPhase(seed, c, intervalMs); t < trafficMs; t += intervalMs) out.push(t);
  return out;
}
