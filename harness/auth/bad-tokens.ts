/**
 * Bad credentials for auth probes (docs/auth.md), one per probe kind. Each is wrong in exactly one
 * way: everything else about it (subject, membership, signature, lifetime) is what a good token of
 * the same user would carry, so a gateway that refuses it refuses it for the right reason.
 */
import { SignJWT, UnsecuredJWT } from 'jose';
import type { ProbeKind, RosterEntry } from '../record/history.ts';
import { mintToken, secretKey } from './tokens.ts';

/** Not three base64url parts: no JWT library can even decode it. */
export const MALFORMED_TOKEN = 'not-a-jwt';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The bad token of one probe kind for `user` in `chat`. '' means no token at all (the `token`
 * query parameter is left out). `otherChat`: the chat a wrong-chat token names instead.
 * `expiringTtlSeconds`: lifetime of the expires-before-reconnect token, counted from now.
 */
export async function mintBadToken(
  kind: ProbeKind,
  key: Uint8Array,
  claims: { sub: string; chat: string; otherChat: string; ttlSeconds: number; expiringTtlSeconds?: number },
): Promise<string> {
  const { sub, chat } = claims;
  const t = nowSeconds();
  switch (kind) {
    case 'missing':
      return '';
    case 'malformed':
      return MALFORMED_TOKEN;
    case 'bad-signature':
      // A well-formed HS256 token signed with some other secret.
      // The key plus one non-zero byte: never the gateway's (HMAC zero-pads short keys, so not 0).
      return mintToken(Buffer.concat([key, Buffer.from('!')]), { sub, chats: [chat], ttlSeconds: claims.ttlSeconds });
    case 'alg-none':
      // {"alg":"none"} and an empty signature: accepted by any verifier that trusts the header.
      return new UnsecuredJWT({ chats: [chat] })
        .setSubject(sub)
        .setIssuedAt(t)
        .setExpirationTime(t + claims.ttlSeconds)
        .encode();
    case 'expired':
      // Expired an hour ago: far beyond any clock tolerance a gateway may allow.
      return new SignJWT({ chats: [chat] })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuedAt(t - 7_200)
        .setExpirationTime(t - 3_600)
        .sign(key);
    case 'not-yet-valid':
      return new SignJWT({ chats: [chat] })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuedAt(t)
        .setNotBefore(t + 3_600)
        .setExpirationTime(t + 3_600 + claims.ttlSeconds)
        .sign(key);
    case 'wrong-chat':
      return mintToken(key, { sub, chats: [claims.otherChat], ttlSeconds: claims.ttlSeconds });
    case 'expires-before-reconnect':
      // exp has whole-second resolution: the token is valid for ttl - 1 to ttl seconds from now.
      return mintToken(key, { sub, chats: [chat], ttlSeconds: claims.expiringTtlSeconds ?? 5 });
  }
}

/**
 * The tokens of the probes of a roster: `first` for the first connect, `later` for every attempt
 * after the first open, when it differs. A first-connect probe starts with its bad token; a
 * reconnect probe starts with a good one and switches; expires-before-reconnect keeps one token
 * that is good at first and expired by the reconnect.
 */
export async function mintProbeTokens(
  roster: RosterEntry[],
  secret: string,
  ttlSeconds: number,
): Promise<{ first: Map<number, string>; later: Map<number, string> }> {
  const key = secretKey(secret);
  const first = new Map<number, string>();
  const later = new Map<number, string>();
  const chats = [...new Set(roster.map((r) => r.chat))];
  await Promise.all(
    roster.map(async (r) => {
      if (!r.probe) return;
      // A real chat of the run that is not the probe's own, as a member of another chat would hold.
      const otherChat = chats.find((ch) => ch !== r.chat) ?? `${r.chat}-other`;
      const expiringTtlSeconds =
        r.probe.ttlMs === undefined ? undefined : Math.max(1, Math.floor(r.probe.ttlMs / 1000));
      const bad = await mintBadToken(r.probe.kind, key, {
        sub: r.user,
        chat: r.chat,
        otherChat,
        ttlSeconds,
        expiringTtlSeconds,
      });
      if (r.probe.when === 'first-connect' || r.probe.kind === 'expires-before-reconnect') {
        first.set(r.c, bad);
      } else {
        first.set(r.c, await mintToken(key, { sub: r.user, chats: [r.chat], ttlSeconds }));
        later.set(r.c, bad);
      }
    }),
  );
  return { first, later };
}
