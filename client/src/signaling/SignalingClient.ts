import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, JoinRequest, JoinResponse, ServerToClientEvents } from '@confer/shared';
import { useConnectionStore } from '../state/connectionStore';

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Requests that get no answer in this time fail instead of hanging the UI. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The browser's end of the signaling connection. Socket.IO reconnects on its own (with backoff);
 * this class mirrors every state change into the connection store for the UI.
 */
export class SignalingClient {
  readonly socket: SignalingSocket;

  constructor(url?: string) {
    this.socket = url ? io(url) : io();
    const store = useConnectionStore.getState();
    this.socket.on('connect', () => store.set({ status: 'connected', attempt: 0, lastError: null }));
    this.socket.on('disconnect', (reason) => {
      // A server-side or client-side close is final; anything else is retried by the manager.
      const final = reason === 'io server disconnect' || reason === 'io client disconnect';
      store.set({ status: final ? 'disconnected' : 'reconnecting', lastError: reason });
    });
    this.socket.on('connect_error', (error) => {
      store.set({ status: this.socket.active ? 'reconnecting' : 'disconnected', lastError: error.message });
    });
    this.socket.io.on('reconnect_attempt', (attempt) => store.set({ status: 'reconnecting', attempt }));
  }

  async join(request: JoinRequest): Promise<Ack<JoinResponse>> {
    try {
      return await this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck('room:join', request);
    } catch {
      return { ok: false, error: { code: 'INTERNAL', message: 'the server did not answer in time' } };
    }
  }

  close(): void {
    this.socket.close();
  }
}
