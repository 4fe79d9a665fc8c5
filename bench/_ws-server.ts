/** bench/refused.ts's `ws` server, in a process of its own: each connection gets one frame. */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('listening', () => process.send!((wss.address() as AddressInfo).port));
wss.on('connection', (ws) => ws.send('hello'));
// The bench gone: do not linger.
process.on('disconnect', () => process.exit(0));
