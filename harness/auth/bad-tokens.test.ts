/**
 * Each bad token is refused by the reference gateway with the code chat-v1 prescribes, and for the
 * reason it was made for (the close reason names it); a good token of the same user gets in.
 * Real gateway, real sockets on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { WebSocket } from 'ws';
import { startGateway, type Gateway } from '../../gateway/server.ts';
import type { ProbeKind } from '../record/history.ts';
import { mintBadToken } from './bad-tokens.ts';
import { mintToken, secretKey } from './tokens.ts';

const SECRET = 'bad-tokens-test-secret';
const key = secretKey(SECRET);
let gateway: Gateway;
let strict: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ port: 0, jwtSecret: SECRET });
  strict = await startGateway({ port: 0, jwtSecret: SECRET, hooks: { rejectBeforeUpgrade: true } });
});
afterAll(async () => {
  await gateway?.close();
  await strict?.close();
});

/** Connects and reports how the attempt ended: the close code and reason, or the HTTP status before the upgrade. */
function connect(
  g: Gateway,
  token: string,
): Promise<{ opened: boolean; code: number; reason: string; status?: number }> {
  const url = `ws://127.0.0.1:${g.port}/api/v1/chats/chat-0/ws${token === '' ? '' : `?token=${encodeURIComponent(token)}`}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    let opened = false;
    let status: number | undefined;
    ws.on('open', () => {
      opened = true;
      // A socket that is let in stays open: close it ourselves so the test ends.
      setTimeout(() => ws.close(1000), 200);
    });
    ws.on('error', (e) => {
      const m = /^Unexpected server response: (\d+)$/.exec(e.message);
      if (m) status = Number(m[1]);
    });
    ws.on('close', (code, reason) =>
      resolve({ opened, code, reason: reason.toString(), ...(status ? { status } : {}) }),
    );
  });
}

const claims = { sub: 'u7', chat: 'chat-0', otherChat: 'chat-1', ttlSeconds: 600, expiringTtlSeconds: 2 };
const cases: [ProbeKind, number, RegExp][] = [
  ['missing', 4401, /missing token/],
  ['malformed', 4401, /malformed/],
  ['bad-signature', 4401, /signature/],
  ['alg-none', 4401, /algorithm not allowed/],
  ['expired', 4401, /expired/],
  ['not-yet-valid', 4401, /not yet valid/],
  ['wrong-chat', 4403, /not a member/],
];

describe('bad tokens against the reference gateway', () => {
  it('lets a good token of the same user in', async () => {
    const r = await connect(gateway, await mintToken(key, { sub: 'u7', chats: ['chat-0'] }));
    expect(r).toMatchObject({ opened: true, code: 1000 });
  });

  it.each(cases)('%s is refused with %i after the upgrade', async (kind, code, reason) => {
    const r = await connect(gateway, await mintBadToken(kind, key, claims));
    expect(r.opened).toBe(true);
    expect(r.code).toBe(code);
    expect(r.reason).toMatch(reason);
  });

  it('alg-none really is an unsigned token that claims alg none', async () => {
    const token = await mintBadToken('alg-none', key, claims);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'none' });
    expect(token.split('.')).toHaveLength(3);
    expect(token.endsWith('.')).toBe(true);
    expect(decodeJwt(token)).toMatchObject({ sub: 'u7', chats: ['chat-0'] });
  });

  it('expires-before-reconnect is good now and refused once its ttl has passed', async () => {
    // exp has whole seconds: with a ttl of 2 s the token is good for at least one more second.
    const token = await mintBadToken('expires-before-reconnect', key, { ...claims, expiringTtlSeconds: 2 });
    expect((await connect(gateway, token)).code).toBe(1000);
    const exp = decodeJwt(token).exp! * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()) + 50));
    expect(await connect(gateway, token)).toMatchObject({ code: 4401, reason: 'token expired' });
  });

  it('with rejectBeforeUpgrade the gateway answers HTTP 401/403 and the client sees a bare 1006', async () => {
    expect(await connect(strict, await mintBadToken('alg-none', key, claims))).toMatchObject({
      opened: false,
      code: 1006,
      status: 401,
    });
    expect(await connect(strict, await mintBadToken('wrong-chat', key, claims))).toMatchObject({
      opened: false,
      code: 1006,
      status: 403,
    });
  });
});
