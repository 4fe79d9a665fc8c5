/** slow_close: a close is held back `delay` ms (Toxiproxy slow_close toxic). */
import { toxicFault } from './toxic.ts';

export const slowClose = toxicFault('slow_close', 'slow_close', (p) => ({ delay: Number(p.params.delay) }));
