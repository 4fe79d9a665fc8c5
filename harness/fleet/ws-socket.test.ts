/**
 * The fleet's socket against a real `ws` server on loopback: the client sees what `ws`'s own
 * handlers would give it (open, a text frame as a string, the close code), an HTTP refusal before
 * the upgrade is handed over with its status, and two sockets never share their handlers (the
 * listeners are shared functions). openFiles counts descriptors as listing /proc/<pid>/fd does.
 */
import { closeSync, openSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { openFiles } from '../preflight/limits.ts';
import { WsSocket } from './ws-socket.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.includes('refuse')) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name');
      ws.send(JSON.stringify({ hello: name }));
      ws.on('message', (m) => (String(m) === 'bye' ? ws.close(4001, 'asked') : ws.send(`echo:${m}`)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A socket whose events are written down in order. */
function open(path: string, c: number, statuses: [number, number][] = []) {
  const seen: string[] = [];
  const s = new WsSocket(`${base}${path}`, { perMessageDeflate: false }, c, (cc, st) => statuses.push([cc, st]));
  s.onopen = () => seen.push('open');
  s.onmessage = (ev) => seen.push(`${typeof ev.data}:${ev.data}`);
  s.onerror = () => seen.push('error');
  const closed = new Promise<number>((r) => {
    s.onclose = (ev) => {
      seen.push(`close:${ev.code}`);
      r(ev.code);
    };
  });
  return { s, seen, closed };
}

const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 5));
};

describe('WsSocket', () => {
  it('opens, delivers text frames as strings to its own client, and reports the close code', async () => {
    const a = open('/?name=a', 1);
    const b = open('/?name=b', 2);
    await until(() => a.seen.length >= 2 && b.seen.length >= 2);
    expect(a.s.readyState).toBe(1);
    a.s.send('x');
    await until(() => a.seen.length >= 3);
    a.s.send('bye');
    expect(await a.closed).toBe(4001);
    expect(a.seen).toEqual(['open', 'string:{"hello":"a"}', 'string:echo:x', 'close:4001']);
    // b's handlers are b's: nothing of a's reached it.
    expect(b.seen).toEqual(['open', 'string:{"hello":"b"}']);
    b.s.close(1000, 'done');
    expect(await b.closed).toBe(1000);
  });

  it('hands an HTTP refusal before the upgrade to onStatus with the client index, then closes 1006', async () => {
    const statuses: [number, number][] = [];
    const r = open('/refuse', 7, statuses);
    expect(await r.closed).toBe(1006);
    expect(statuses).toEqual([[7, 401]]);
    expect(r.seen).toEqual(['error', 'close:1006']);
  });

  it('a refused connect (a cut proxy) is an error then a close 1006, without building a handshake', async () => {
    // A port nothing listens on: take one and free it.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const seen: string[] = [];
    const s = new WsSocket(`ws://127.0.0.1:${port}/x`, { perMessageDeflate: false }, 9, () => seen.push('status'));
    expect(s.readyState).toBe(0);
    s.onerror = (e) => seen.push(`error:${(e as NodeJS.ErrnoException).code}`);
    const code = await new Promise<number>((r) => {
      s.onclose = (ev) => r(ev.code);
    });
    expect(code).toBe(1006);
    expect(seen).toEqual(['error:ECONNREFUSED']);
    expect(s.readyState).toBe(3);
    expect(s.ws).toBeNull();
    expect(() => s.send('x')).toThrow(/not open/);
  });

  it('close() before the connection is up: an error, a close 1006, and nothing reaches the server', async () => {
    let upgrades = 0;
    const count = () => upgrades++;
    server.on('upgrade', count);
    const a = open('/?name=early', 4);
    a.s.close(1000, 'gave up');
    expect(await a.closed).toBe(1006);
    expect(a.seen).toEqual(['error', 'close:1006']);
    expect(a.s.readyState).toBe(3);
    a.s.close(); // a second close is nothing
    // A socket opened after it does reach the server: the count can move.
    const b = open('/?name=later', 5);
    await until(() => b.seen.length >= 2);
    b.s.close(1000, 'done');
    await b.closed;
    server.off('upgrade', count);
    expect(upgrades).toBe(1);
  });

  it('connects from the source address asked for (--source-ips)', async () => {
    let from = '';
    const see = (req: { socket: { remoteAddress?: string } }) => (from = req.socket.remoteAddress ?? '');
    server.on('upgrade', see);
    const s = new WsSocket(`${base}/?name=src`, { perMessageDeflate: false, localAddress: '127.0.0.3' }, 6, () => {});
    await new Promise<void>((r) => {
      s.onopen = () => r();
    });
    server.off('upgrade', see);
    expect(from).toBe('127.0.0.3');
    s.close(1000, 'done');
  });

  it('a handler set to null is not called', async () => {
    const n = open('/?name=n', 3);
    await until(() => n.seen.length >= 2);
    n.s.onmessage = null;
    n.s.send('x');
    n.s.send('bye');
    await n.closed;
    expect(n.seen).toEqual(['open', 'string:{"hello":"n"}', 'close:4001']);
  });
});

describe('openFiles', () => {
  // Linux only (/proc); there openFiles must count, never give up.
  it.skipIf(process.platform !== 'linux')(
    'counts what listing /proc/<pid>/fd counts, and follows descriptors opened and closed',
    () => {
      expect(openFiles(process.pid)).not.toBeNull();
      // The listing holds a descriptor of its own while it reads.
      const listed = readdirSync(`/proc/${process.pid}/fd`).length;
      expect(Math.abs(openFiles(process.pid)! - listed)).toBeLessThanOrEqual(1);
      const before = openFiles(process.pid)!;
      const fds = Array.from({ length: 40 }, () => openSync('/dev/null', 'r'));
      expect(openFiles(process.pid)).toBe(before + 40);
      for (const fd of fds) closeSync(fd);
      expect(openFiles(process.pid)).toBe(before);
    },
  );
});
