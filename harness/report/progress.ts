/**
 * The live progress line: on a TTY one line rewritten in place every second; in CI logs a plain
 * line every few seconds.
 */
import type { LiveStats } from '../fleet/fleet.ts';

export interface ProgressState {
  phase: string;
  elapsedMs: number;
  totalMs: number;
  clients: number;
  fault: string | null;
  live: LiveStats;
}

export class Progress {
  private lastPlain = 0;
  private readonly tty: boolean;
  private readonly out: NodeJS.WriteStream;
  constructor(out: NodeJS.WriteStream, tty = Boolean(out.isTTY) && !process.env.CI) {
    this.out = out;
    this.tty = tty;
  }

  line(p: ProgressState): string {
    const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
    return `[${p.phase} ${s(p.elapsedMs)} / ${s(p.totalMs)}] open ${p.live.open}/${p.clients}${p.live.connecting ? ` (connecting ${p.live.connecting})` : ''} · sent ${p.live.sentPerSec}/s · recv ${p.live.receivedPerSec}/s · p99 ${p.live.p99 ?? '–'} ms${p.fault ? ` · fault: ${p.fault}` : ''}`;
  }

  update(p: ProgressState): void {
    if (this.tty) {
      this.out.write(`\r\x1b[2K${this.line(p)}`);
    } else if (p.live.t - this.lastPlain >= 5_000) {
      this.lastPlain = p.live.t;
      this.out.write(`${this.line(p)}\n`);
    }
  }

  message(text: string): void {
    this.out.write(this.tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }

  done(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }
}
