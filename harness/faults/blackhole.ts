/**
 * blackhole (half-open): Toxiproxy's timeout toxic with timeout 0 on both streams. Sockets stay
 * open and carry nothing, so only a heartbeat, an ack timeout or the server's ping notices — the
 * case those mechanisms exist for. Bytes sent meanwhile are dropped, not delayed.
 */
import { z } from 'zod';
import { timing } from './entry.ts';
import { toxicFault } from './toxic.ts';

export const blackhole = toxicFault({
  type: 'blackhole',
  toxic: 'timeout',
  schema: z.strictObject({ type: z.literal('blackhole'), ...timing }),
  params: () => ({}),
  attributes: () => ({ timeout: 0 }),
});
