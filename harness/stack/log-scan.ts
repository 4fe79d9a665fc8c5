/**
 * Counts accept errors in a Toxiproxy log as it grows ("accept4: too many open files" and the
 * like): a proxy that cannot accept refuses clients, and that is the instrument's failure, not
 * the gateway's. Reads only what was appended since the last call.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const ACCEPT_ERROR = /accept[^\n]*(too many open files|error|failed)|too many open files/gi;

export function acceptErrorCounter(file: string): () => number {
  let offset = 0;
  let count = 0;
  let carry = '';
  return () => {
    try {
      const size = statSync(file).size;
      if (size <= offset) return count;
      const fd = openSync(file, 'r');
      try {
        const buf = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024));
        const n = readSync(fd, buf, 0, buf.length, offset);
        offset += n;
        const text = carry + buf.subarray(0, n).toString('utf8');
        const cut = text.lastIndexOf('\n');
        carry = cut < 0 ? text : text.slice(cut + 1);
        count += (cut < 0 ? '' : text.slice(0, cut)).match(ACCEPT_ERROR)?.length ?? 0;
      } finally {
        closeSync(fd);
      }
    } catch {
      /* no log yet */
    }
    return count;
  };
}
