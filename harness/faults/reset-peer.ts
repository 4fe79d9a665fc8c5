/** reset_peer: connections reset with a TCP RST after `timeout` ms (Toxiproxy reset_peer toxic). */
import { toxicFault } from './toxic.ts';

export const resetPeer = toxicFault('reset_peer', 'reset_peer', (p) => ({ timeout: Number(p.params.timeout) }));
