/** latency: every chunk delayed by `latency` ± `jitter` ms (Toxiproxy latency toxic). */
import { z } from 'zod';
import { durationField, durationMs } from '../units/duration.ts';
import { stream, timing } from './entry.ts';
import { toxicFault } from './toxic.ts';

export const latency = toxicFault({
  type: 'latency',
  toxic: 'latency',
  schema: z.strictObject({
    type: z.literal('latency'),
    ...timing,
    latency: durationField,
    jitter: durationField.optional(),
    stream,
  }),
  params: (f) => ({ latency: durationMs(f.latency, 0), jitter: durationMs(f.jitter, 0), stream: f.stream ?? 'both' }),
});
