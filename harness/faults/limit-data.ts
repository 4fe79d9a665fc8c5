/** limit_data: each connection closed once `bytes` have passed (Toxiproxy limit_data toxic). */
import { z } from 'zod';
import { positiveInt, stream, timing } from './entry.ts';
import { toxicFault } from './toxic.ts';

export const limitData = toxicFault({
  type: 'limit_data',
  toxic: 'limit_data',
  schema: z.strictObject({ type: z.literal('limit_data'), ...timing, bytes: positiveInt, stream }),
  params: (f) => ({ bytes: f.bytes, stream: f.stream ?? 'both' }),
});
