import { io, type Socket, type SocketOptions, type ManagerOptions } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@confer/shared';

/** A typed Socket.IO client of the signaling server, as the browser app uses it. */
export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Real Socket.IO clients over loopback for server tests; closeAll() after each test. */
export function socketClients(url: () => string) {
  const open: Client[] = [];
  return {
    /** A connected client; `from` sends it as X-Forwarded-For (a server with TRUSTED_PROXIES=127.0.0.1 sees that address). */
    connect(from?: string): Promise<Client> {
      return this.connectTo(url(), from);
    },
    /** The same, to a server of the test's choosing. */
    async connectTo(target: string, from?: string): Promise<Client> {
      const options: Partial<ManagerOptions & SocketOptions> = { transports: ['websocket'], reconnection: false, ...(from ? { extraHeaders: { 'x-forwarded-for': from } } : {}) };
      const socket: Client = io(target, options);
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
