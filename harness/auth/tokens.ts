/** Token minting for chat-v1: HS256 JWTs with sub, exp and chats claims. */
import { SignJWT } from 'jose';

export interface TokenClaims {
  sub: string;
  chats: string[];
  /** Seconds from now until exp. Default 3600. */
  ttlSeconds?: number;
}

export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function mintToken(secret: string | Uint8Array, claims: TokenClaims): Promise<string> {
  const key = typeof secret === 'string' ? secretKey(secret) : secret;
  return new SignJWT({ chats: claims.chats })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 3600))
    .sign(key);
}
