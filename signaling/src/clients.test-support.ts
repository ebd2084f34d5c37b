import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@confer/shared';

/** A typed Socket.IO client of the signaling server, as the browser app uses it. */
export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Real Socket.IO clients over loopback for server tests; closeAll() after each test. */
export function socketClients(url: () => string) {
  const open: Client[] = [];
  return {
    async connect(): Promise<Client> {
      const socket: Client = io(url(), { transports: ['websocket'], reconnection: false });
      open.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return socket;
    },
    /** Tracks a client the test connected itself (other options), so it is closed too. */
    track(socket: Client): Client {
      open.push(socket);
      return socket;
    },
    closeAll(): void {
      for (const socket of open.splice(0)) socket.close();
    },
  };
}

export const join = (socket: Client, roomId: string, displayName: string) => socket.timeout(5000).emitWithAck('room:join', { roomId, displayName });
