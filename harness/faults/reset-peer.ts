/** reset_peer: connections reset with a TCP RST after `timeout` ms, default 0: at once (Toxiproxy reset_peer toxic). */
import { z } from 'zod';
import { durationField, durationMs } from '../units/duration.ts';
import { stream, timing } from './entry.ts';
import { toxicFault } from './toxic.ts';

export const resetPeer = toxicFault({
  type: 'reset_peer',
  toxic: 'reset_peer',
  schema: z.strictObject({ type: z.literal('reset_peer'), ...timing, timeout: durationField.optional(), stream }),
  params: (f) => ({ timeout: durationMs(f.timeout, 0), stream: f.stream ?? 'both' }),
});
