import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, Logger, ServerToClientEvents } from '@confer/shared';
import type { Sfu } from '@confer/sfu';
import type { AddressBudgets } from './AddressBudgets.js';
import type { SignalingConfig } from './config.js';
import type { Metrics } from './Metrics.js';
import type { RoomAccess } from './RoomAccess.js';
import type { RoomStore } from './RoomStore.js';
import type { RoomTopology } from './RoomTopology.js';
import type { Seats } from './Seats.js';
import type { SlowClientGuard } from './slowClients.js';
import type { StatsHub } from './StatsHub.js';
import type { TurnService } from './TurnService.js';
import type { WaitingRoom } from './WaitingRoom.js';
import type { WatchedRooms } from './WatchedRooms.js';

export interface SocketData {
  peerId: string;
  /** The client's address (behind trusted proxies, from X-Forwarded-For), for per-address budgets. */
  address: string;
  roomId?: string;
  /** A join is under way: a second one waits for nothing and is refused, so one socket never holds two seats. */
  joining?: boolean;
  /** The one room whose stats this socket watches. */
  watching?: string;
  /** Waiting in this room's waiting room for the host to let it in. */
  knocking?: string;
  /** The display name a join token gave: the peer may not change it (and its resume token carries it). */
  fixedName?: string;
}
export type SignalingIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type PeerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export type ServerConfig = Pick<
  SignalingConfig,
  'host' | 'port' | 'publicDir' | 'roomCapacity' | 'reconnectGraceMs' | 'topology' | 'operatorToken' | 'access' | 'maxRooms' | 'admission' | 'shutdownDrainMs' | 'allowedOrigins' | 'frameAncestors' | 'trustedProxies' | 'addressLimits'
>;

/** Every socket sits in a Socket.IO room of its own peer id, so signals reach it on any server. */
export const peerRoom = (peerId: string) => `peer:${peerId}`;
/** Dashboard viewers of a room sit in this Socket.IO room. */
export const statsRoom = (roomId: string) => `stats:${roomId}`;
/** The room a Socket.IO room of dashboard viewers is for, else null. */
export const watchedRoomOf = (room: string): string | null => (room.startsWith('stats:') ? room.slice('stats:'.length) : null);

/** This server's place in a cluster: its id, and the servers there are now. */
export interface ClusterView {
  readonly serverId: string;
  servers(): Promise<string[]>;
}

/** What the request handlers share: one per server, built by SignalingServer. */
export interface ServerContext {
  config: ServerConfig;
  io: SignalingIo;
  sfu: Sfu;
  turn: TurnService;
  rooms: RoomStore;
  access: RoomAccess;
  addresses: AddressBudgets;
  seats: Seats;
  waiting: WaitingRoom;
  topology: RoomTopology;
  stats: StatsHub;
  watched: WatchedRooms;
  metrics: Metrics;
  slowClients: SlowClientGuard;
  /** Null for a single server. */
  cluster: ClusterView | null;
  log: Logger;
  /** Set on shutdown: joins are refused and dropped connections keep their seats for the next server. */
  isDraining(): boolean;
  isOperator(token: string | undefined): boolean;
}
