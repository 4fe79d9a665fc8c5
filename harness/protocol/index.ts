/** The protocols a scenario can name (`protocol`, --protocol). */
import { chatV1 } from './chat-v1.ts';
import { socketIo, type SocketIoCodec } from './socketio.ts';
import type { FrameCodec } from './types.ts';

export type Codec = FrameCodec | SocketIoCodec;
export const PROTOCOLS: Record<string, Codec> = { 'chat-v1': chatV1, 'socket.io': socketIo };
export type ProtocolName = 'chat-v1' | 'socket.io';
export const DEFAULT_PROTOCOL: ProtocolName = 'chat-v1';

/** The protocol a plan names; chat-v1 for plans written before protocols existed. */
export function protocolOf(name: string | undefined): Codec {
  const p = PROTOCOLS[name ?? DEFAULT_PROTOCOL];
  if (!p) throw new Error(`unknown protocol "${name}" (known: ${Object.keys(PROTOCOLS).join(', ')})`);
  return p;
}
