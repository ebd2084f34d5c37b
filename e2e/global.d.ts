import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, JoinRequest, JoinResponse, ServerToClientEvents, Topology } from '@confer/shared';
import type { LinkStatsView } from './support/participants.js';

/** What the client page exposes for tests (client/src/main.tsx, client/src/components/RoomPage.tsx). */
declare global {
  interface Window {
    __confer: {
      signaling: {
        socket: Socket<ServerToClientEvents, ClientToServerEvents>;
        join(request: JoinRequest): Promise<Ack<JoinResponse>>;
      };
      room: {
        peerId: string | null;
        /** client/src/room/RoomClient.ts `diagnostics`. */
        diagnostics: {
          stats(): Promise<Record<string, LinkStatsView>>;
          /** Switch steps (PathEvent); peerId `*` = the whole SFU session. */
          pathLog: { at: number; peerId: string; event: 'show' | 'close'; path: Topology }[];
          /** Every connection: `mesh:<peerId>`, `sfu:send`, `sfu:recv`. */
          connections(): { id: string; getStats(): Promise<RTCStatsReport> }[];
        };
      };
    };
  }
}
