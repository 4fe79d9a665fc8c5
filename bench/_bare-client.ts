/**
 * The baseline of bench/fleet.ts: a bare `ws` client in one process holding the same sockets to
 * the same gateway, sending the same traffic, recording nothing. Reads its job as JSON on stdin
 * ({ urls, connectRate, sendIntervalMs, trafficMs, messageBytes }), prints `connected` once every
 * socket has opened or failed, then one JSON result line.
 */
import { WebSocket } from 'ws';

const now = () => performance.timeOrigin + performance.now();
const job = JSON.parse(
  await new Promise<string>((r) => {
    let s = '';
    process.stdin.on('data', (d) => (s += d));
    process.stdin.on('end', () => r(s));
  }),
) as { urls: string[]; connectRate: number; sendIntervalMs: number; trafficMs: number; messageBytes: number };

const sockets: WebSocket[] = [];
let open = 0;
let failed = 0;
let received = 0;
const t0 = now();
const connectCpu0 = process.cpuUsage();
const gap = 1_000 / job.connectRate;
const content = 'x'.repeat(job.messageBytes);
await new Promise<void>((done) => {
  job.urls.forEach((url, i) => {
    setTimeout(() => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      sockets.push(ws);
      ws.on('open', () => {
        open++;
        if (open + failed === job.urls.length) done();
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        if (ws.readyState !== WebSocket.OPEN) failed++;
      });
      ws.on('message', (d) => {
        if (String(d).includes('"type":"message"')) received++;
      });
    }, i * gap);
  });
});
const connectedAt = now();
const connectCpu = process.cpuUsage(connectCpu0);
process.stdout.write('connected\n');
const cpu0 = process.cpuUsage();
const received0 = received;
let sent = 0;
const end = now() + job.trafficMs;
sockets.forEach((ws, i) => {
  const tick = (k: number) => {
    if (now() >= end) return;
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'send', client_msg_id: `b${i}-${k}`, content }));
      sent++;
    }
    setTimeout(() => tick(k + 1), job.sendIntervalMs);
  };
  setTimeout(() => tick(0), Math.random() * job.sendIntervalMs);
});
let rssMax = 0;
const iv = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 500);
await new Promise((r) => setTimeout(r, job.trafficMs + 1_000));
clearInterval(iv);
const used = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ open, failed, connectMs: connectedAt - t0, connectCpuMs: (connectCpu.user + connectCpu.system) / 1_000, rssMaxBytes: rssMax, cpuMs: (used.user + used.system) / 1_000, received: received - received0, sent })}\n`,
);
for (const ws of sockets) ws.terminate();
process.exit(0);
