/** bandwidth: throughput limited to `rate` KB/s (Toxiproxy bandwidth toxic). */
import { z } from 'zod';
import { stream, timing } from './entry.ts';
import { toxicFault } from './toxic.ts';

export const bandwidth = toxicFault({
  type: 'bandwidth',
  toxic: 'bandwidth',
  schema: z.strictObject({ type: z.literal('bandwidth'), ...timing, rate: z.number().nonnegative(), stream }),
  params: (f) => ({ rate: f.rate, stream: f.stream ?? 'both' }),
});
