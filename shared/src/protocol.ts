import type { AckCallback, ProtocolError } from './errors.js';
import type { JoinRequest, LeaveRequest } from './schemas.js';

/** Same shape as the browser's RTCIceServer, so the client passes it through untouched. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface PeerInfo {
  peerId: string;
  displayName: string;
}

export interface JoinResponse {
  peerId: string;
  roomId: string;
  peers: PeerInfo[];
  /** STUN/TURN servers with short-lived TURN credentials issued for this join. */
  iceServers: IceServer[];
  /** Unix seconds after which the TURN credentials in iceServers are refused. */
  iceCredentialsExpireAt: number | null;
}

/**
 * Socket.IO event maps shared by server and client. Payloads arriving at the server are
 * untrusted and validated with the zod schemas in schemas.ts before use.
 */
export interface ClientToServerEvents {
  'room:join': (request: JoinRequest, ack: AckCallback<JoinResponse>) => void;
  'room:leave': (request: LeaveRequest, ack: AckCallback<Record<string, never>>) => void;
}

export interface ServerToClientEvents {
  'room:peer-joined': (peer: PeerInfo) => void;
  'room:peer-left': (event: { peerId: string }) => void;
  /** Sent when a request cannot be answered through its ack (the client sent none). */
  'server:error': (error: ProtocolError & { event: string }) => void;
}

export type ComponentStatus = 'ok' | 'degraded' | 'down' | 'disabled';

/** Body of GET /healthz. */
export interface HealthReport {
  status: ComponentStatus;
  version: string;
  uptimeSeconds: number;
  signaling: { status: ComponentStatus; connections: number; rooms: number };
  sfu: {
    status: ComponentStatus;
    workers: { pid: number; alive: boolean; restarts: number }[];
  };
  turn: { status: ComponentStatus; mode: 'managed' | 'external' | 'off'; urls: string[]; detail: string };
}
