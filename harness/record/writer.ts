/**
 * The event log a fleet process writes (format: codec.ts, docs/history.md). Records are batched
 * and written every 100 ms, so a process that dies loses at most that much; what was written
 * stays readable (a record torn by the crash is skipped by the reader).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { Encoder, header } from './codec.ts';
import type { ClientEvent } from './history.ts';

export class EventLog {
  count = 0;
  private readonly out: WriteStream;
  private readonly encoder: Encoder;
  private readonly timer: NodeJS.Timeout;

  /** `base`: the time the file's record times count from (epoch ms; default now). */
  constructor(file: string, base = performance.timeOrigin + performance.now()) {
    // A fresh file per writer: the header and the string table belong to one encoder.
    this.out = createWriteStream(file, { flags: 'w' });
    this.encoder = new Encoder(base);
    this.out.write(header(base));
    this.timer = setInterval(() => this.flush(), 100);
  }

  record(ev: ClientEvent): void {
    this.count++;
    this.encoder.add(ev);
  }

  flush(): void {
    const b = this.encoder.take();
    if (b.length) this.out.write(b);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    return new Promise((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}
