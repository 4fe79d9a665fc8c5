/** limit_data: each connection closed once `bytes` have passed (Toxiproxy limit_data toxic). */
import { toxicFault } from './toxic.ts';

export const limitData = toxicFault('limit_data', 'limit_data', (p) => ({ bytes: Number(p.params.bytes) }));
