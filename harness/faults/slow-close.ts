/** slow_close: a close is held back `delay` ms (Toxiproxy slow_close toxic). */
import { z } from 'zod';
import { durationField, durationMs } from '../units/duration.ts';
import { stream, timing } from './entry.ts';
import { toxicFault } from './toxic.ts';

export const slowClose = toxicFault({
  type: 'slow_close',
  toxic: 'slow_close',
  schema: z.strictObject({ type: z.literal('slow_close'), ...timing, delay: durationField, stream }),
  params: (f) => ({ delay: durationMs(f.delay, 0), stream: f.stream ?? 'both' }),
});
