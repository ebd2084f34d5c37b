import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, JoinRequest, JoinResponse, ServerToClientEvents } from '@confer/shared';
import { refusalText, type RefusalKey } from '../i18n/refusals';
import { useConnectionStore } from '../state/connectionStore';
import { ask } from './request';

export type SignalingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Whether a connect_error is the server refusing this page's origin. The browser's first transport is
 * polling, and engine.io answers a handshake refused by the server's allowRequest (our origin check,
 * the only one) with HTTP 403, which the client reports as 'xhr poll error' with the status as description.
 */
export function isOriginRefused(error: Error): boolean {
  return error.message === 'xhr poll error' && (error as Error & { description?: unknown }).description === 403;
}

/**
 * Reconnects back off exponentially (0.25 s, 0.5 s, 1 s, 2 s, 2 s …) with ±50 % jitter, so a restarted server
 * is not hit by every client at the same instant.
 */
const RECONNECT = { reconnectionDelay: 250, reconnectionDelayMax: 2000, randomizationFactor: 0.5 } as const;

/** Socket.IO's disconnect reasons, as a user would say them. */
const reasons: Record<string, RefusalKey> = {
  'transport close': 'transportClose',
  'transport error': 'transportError',
  'ping timeout': 'pingTimeout',
  'parse error': 'parseError',
  'io server disconnect': 'serverClosed',
  'io client disconnect': 'clientClosed',
};
const reasonText = (reason: string) => {
  const key = reasons[reason];
  return key ? refusalText(key) : reason;
};

/**
 * The browser's end of the signaling connection. Socket.IO reconnects on its own (with the backoff
 * above); this class mirrors every state change into the connection store for the UI.
 */
export class SignalingClient {
  readonly socket: SignalingSocket;
  /** The server said it is going away: the drop that follows is a restart, and the UI says so. */
  private restarting = false;

  constructor(url?: string) {
    this.socket = url ? io(url, RECONNECT) : io(RECONNECT);
    const store = useConnectionStore.getState();
    this.socket.on('connect', () => {
      this.restarting = false;
      store.set({ status: 'connected', attempt: 0, lastError: null });
    });
    this.socket.on('server:shutdown', () => {
      this.restarting = true;
      store.set({ status: 'reconnecting', lastError: refusalText('restarting') });
    });
    this.socket.on('disconnect', (reason) => {
      // A server-side or client-side close is final; anything else is retried by the manager.
      const final = reason === 'io server disconnect' || reason === 'io client disconnect';
      store.set({ status: final ? 'disconnected' : 'reconnecting', lastError: this.restarting ? refusalText('restarting') : reasonText(reason) });
    });
    this.socket.on('connect_error', (error) => {
      const lastError = isOriginRefused(error)
        ? refusalText('originRefused')
        : this.restarting
          ? refusalText('restarting')
          : error.message === 'xhr poll error' || error.message === 'websocket error'
            ? refusalText('unreachable')
            : error.message;
      store.set({ status: this.socket.active ? 'reconnecting' : 'disconnected', lastError });
    });
    this.socket.io.on('reconnect_attempt', (attempt) => store.set({ status: 'reconnecting', attempt }));
  }

  join(request: JoinRequest): Promise<Ack<JoinResponse>> {
    return ask(this.socket, 'room:join', request);
  }

  close(): void {
    this.socket.close();
  }
}
