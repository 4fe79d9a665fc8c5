/** slicer: data cut into ~average_size-byte chunks with `delay` µs between them (Toxiproxy slicer toxic). */
import { toxicFault } from './toxic.ts';

export const slicer = toxicFault('slicer', 'slicer', (p) => ({ average_size: Number(p.params.average_size), size_variation: Number(p.params.size_variation), delay: Number(p.params.delay) }));
