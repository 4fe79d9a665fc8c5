/**
 * The revert-to-polling client, as Socket.IO's documentation shows it: WebSocket only at first, and
 * on the first connect_error "revert to classic upgrade" (HTTP long-polling first, then upgrade).
 * Under a network cut every reconnect fails, the client reverts, and after the cut its connection
 * runs over long-polling: chatstorm's no-fallback check must fail on a `transport` marker.
 *
 *   chatstorm run scenarios/socketio-network-cut.ts --profile small \
 *     --client examples/clients/socketio-polling-fallback/client.ts
 */
import { defineSocketIoClient } from '../../../harness/client/socketio-client.ts';

export default defineSocketIoClient(({ url, options, io }) => {
  const socket = io(url, { ...options, transports: ['websocket'] });
  socket.on('connect_error', () => {
    // revert to classic upgrade
    socket.io.opts.transports = ['polling', 'websocket'];
  });
  return socket;
});
