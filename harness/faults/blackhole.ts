/**
 * blackhole (half-open): Toxiproxy's timeout toxic with timeout 0 on both streams. Sockets stay
 * open and carry nothing, so only a heartbeat, an ack timeout or the server's ping notices — the
 * case those mechanisms exist for. Bytes sent meanwhile are dropped, not delayed.
 */
import { toxicFault } from './toxic.ts';

export const blackhole = toxicFault('blackhole', 'timeout', () => ({ timeout: 0 }));
