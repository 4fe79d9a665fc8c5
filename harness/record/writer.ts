/**
 * Append-only NDJSON event log. Lines are batched and written every 100 ms, so a process that
 * dies loses at most that much; what was written stays readable.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ClientEvent } from './history.ts';

export class EventLog {
  count = 0;
  private batch: string[] = [];
  private readonly out: WriteStream;
  private readonly timer: NodeJS.Timeout;

  constructor(file: string) {
    this.out = createWriteStream(file, { flags: 'a' });
    this.timer = setInterval(() => this.flush(), 100);
  }

  record(ev: ClientEvent): void {
    this.count++;
    this.batch.push(JSON.stringify(ev));
  }

  flush(): void {
    if (this.batch.length === 0) return;
    this.out.write(this.batch.join('\n') + '\n');
    this.batch = [];
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    return new Promise((resolve, reject) => this.out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}
