import type { Ack, ProtocolError, RoomStatsSnapshot, StatsRoomSummary, StatsUpdate } from '@confer/shared';
import i18next from 'i18next';
import { describeRefusal } from '../i18n/refusals';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { ask } from '../signaling/request';

/** The dashboard's requests and updates over the signaling socket. */
export interface StatsSource {
  /** Starts updates for a room; answers with its history. No token: one's own room only. */
  subscribe(roomId: string, operatorToken?: string): Promise<Ack<RoomStatsSnapshot>>;
  unsubscribe(roomId: string): Promise<Ack<Record<string, never>>>;
  rooms(operatorToken: string): Promise<Ack<{ rooms: StatsRoomSummary[] }>>;
  onUpdate(listener: (update: StatsUpdate) => void): () => void;
  /** The socket (re)connected: a new server connection has no subscriptions, so they are made again. */
  onConnect(listener: () => void): () => void;
}

export function createStatsSource(socket: SignalingSocket): StatsSource {
  return {
    subscribe: (roomId, operatorToken) => ask(socket, 'stats:subscribe', operatorToken ? { roomId, operatorToken } : { roomId }),
    unsubscribe: (roomId) => ask(socket, 'stats:unsubscribe', { roomId }),
    rooms: (operatorToken) => ask(socket, 'stats:rooms', { operatorToken }),
    onUpdate: (listener) => {
      socket.on('stats:update', listener);
      return () => void socket.off('stats:update', listener);
    },
    onConnect: (listener) => {
      socket.on('connect', listener);
      return () => void socket.off('connect', listener);
    },
  };
}

/** What a refused request means to the person at the dashboard. */
export function describeError(error: ProtocolError): string {
  switch (error.code) {
    case 'FORBIDDEN':
      return i18next.t('stats.tokenRefused');
    case 'RATE_LIMITED':
      return i18next.t('stats.rateLimited');
    default:
      return i18next.t('stats.unavailable', { reason: describeRefusal(error) });
  }
}
