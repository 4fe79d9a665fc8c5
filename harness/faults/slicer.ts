/** slicer: data cut into ~`averageSize`-byte chunks with `delay` between them (Toxiproxy slicer toxic). */
import { z } from 'zod';
import { durationField, durationMs } from '../units/duration.ts';
import { positiveInt, stream, timing } from './entry.ts';
import { toxicFault } from './toxic.ts';

export const slicer = toxicFault({
  type: 'slicer',
  toxic: 'slicer',
  schema: z.strictObject({
    type: z.literal('slicer'),
    ...timing,
    averageSize: positiveInt,
    sizeVariation: z.number().int().nonnegative().optional(),
    delay: durationField.optional(),
    stream,
  }),
  // Toxiproxy's slicer delay is in microseconds.
  params: (f) => ({
    average_size: f.averageSize,
    size_variation: f.sizeVariation ?? 0,
    delay: durationMs(f.delay, 0) * 1000,
    stream: f.stream ?? 'both',
  }),
});
