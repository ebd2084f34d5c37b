import type { z } from 'zod';
import type { AckCallback, ProtocolError } from './errors.js';
import type {
  JoinRequest,
  EmptyRequest,
  PeerUpdate,
  LockRequest,
  ModerateRequest,
  ReactionEmoji,
  ReactionRequest,
  SfuConnectRequest,
  SfuConsumeRequest,
  MediaSource,
  SfuConsumeDataRequest,
  SfuConsumerRequest,
  SfuConsumersRequest,
  SfuJoinRequest,
  SfuLayersRequest,
  SfuProduceDataRequest,
  SfuProduceRequest,
  SfuProducerRequest,
  SfuRestartIceRequest,
  Signal,
  SignalRequest,
  SwitchedRequest,
  topologySchema,
} from './schemas.js';
import type { Quality } from './quality.js';
import type { SwitchReason } from './topology.js';
import type { SfuStatsSample, StatsReport, StatsSample, StatsSubscribeRequest } from './stats.js';

/** Same shape as the browser's RTCIceServer, so the client passes it through untouched. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface PeerInfo {
  peerId: string;
  displayName: string;
  audioMuted: boolean;
  videoMuted: boolean;
  /** Sharing a screen now (its media arrives as a separate track / producer). */
  screenSharing: boolean;
  /** When the hand went up (server clock, Unix ms), null when it is down: hands are listed oldest first. */
  handRaisedAt: number | null;
  /** When the peer took its seat (server clock, Unix ms): the longest present becomes host when the host leaves. */
  joinedAt: number;
}

/** Who runs the room, and whether newcomers wait for the host to let them in. */
export interface RoomControls {
  hostId: string | null;
  locked: boolean;
}

/** Someone in the waiting room, as the host sees them. */
export interface Knock {
  peerId: string;
  displayName: string;
  /** Unix ms (server clock). */
  since: number;
}

/** How media flows in a room: peer to peer (mesh) or through the SFU. */
export type Topology = z.infer<typeof topologySchema>;

export interface JoinResponse {
  peerId: string;
  /**
   * How this join reclaimed the peer's seat (same peerId): 'held' when the server kept it through a dropped
   * connection (the others never saw it leave); 'restored' when the server had lost it (it restarted) and
   * re-created it from the signed resume token, so SFU media must be set up again. False: a new seat.
   */
  resumed: false | 'held' | 'restored';
  /** Secret that lets this peer reclaim its seat after a dropped connection. */
  resumeToken: string;
  roomId: string;
  /** Everyone else already in the room; the newcomer offers to each of them. */
  peers: PeerInfo[];
  topology: Topology;
  /** The room keeps an idle SFU session on every client (warm standby; `room:standby` follows changes). */
  standby: boolean;
  /** Most participants the room admits. */
  capacity: number;
  controls: RoomControls;
  /** STUN/TURN servers with short-lived TURN credentials issued for this join. */
  iceServers: IceServer[];
  /** Unix seconds after which the TURN credentials in iceServers are refused. */
  iceCredentialsExpireAt: number | null;
}

/** mediasoup's RTP capabilities/parameters travel as plain JSON; each side types them with its own mediasoup library. */
export type RtpJson = Record<string, unknown>;

export interface SfuTransportOptions {
  id: string;
  iceParameters: RtpJson;
  iceCandidates: RtpJson[];
  dtlsParameters: RtpJson;
  /** Present when the transport carries data channels (SCTP). */
  sctpParameters?: RtpJson;
}

export interface SfuProducerInfo {
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
}

/** A peer's data channel into the SFU (chat); the others consume it. */
export interface SfuDataProducerInfo {
  dataProducerId: string;
  peerId: string;
}

export interface SfuDataConsumerOptions {
  id: string;
  dataProducerId: string;
  peerId: string;
  sctpStreamParameters: RtpJson;
  label: string;
  protocol: string;
}

/** The other peers' producers and data producers on the SFU, to consume. */
export interface SfuMediaList {
  producers: SfuProducerInfo[];
  dataProducers: SfuDataProducerInfo[];
}

export interface SfuJoinResponse extends SfuMediaList {
  routerRtpCapabilities: RtpJson;
  sendTransport: SfuTransportOptions;
  recvTransport: SfuTransportOptions;
}

export interface SfuConsumerOptions {
  id: string;
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  rtpParameters: RtpJson;
}

type Empty = Record<string, never>;

/** A participant's stats sample as the server stored it: scored (shared/src/quality.ts) and stamped on arrival. */
export interface ScoredSample extends StatsSample {
  /** Unix ms (server clock) when the sample arrived. */
  receivedAt: number;
  /** The participant's quality: its worst stream. */
  quality: Quality;
  /** By stream id. */
  streamQuality: Record<string, Quality>;
}

export interface StatsParticipant {
  peerId: string;
  displayName: string;
}

/** Everything a dashboard viewer gets when it subscribes to a room: the bounded history so far. */
export interface RoomStatsSnapshot {
  roomId: string;
  topology: Topology;
  switches: SwitchRecord[];
  participants: StatsParticipant[];
  /** By participant peer id, oldest first (at most STATS_HISTORY_SAMPLES each). */
  samples: Record<string, ScoredSample[]>;
  /** The SFU's view, oldest first; empty while the room is in mesh. */
  sfu: SfuStatsSample[];
}

/** What a subscribed viewer receives afterwards, as it happens. */
export type StatsUpdate =
  | { type: 'sample'; roomId: string; peerId: string; sample: ScoredSample }
  | { type: 'sfu'; roomId: string; sample: SfuStatsSample }
  | { type: 'room'; roomId: string; topology: Topology; switches: SwitchRecord[]; participants: StatsParticipant[] };

export interface StatsRoomSummary {
  roomId: string;
  participants: number;
  topology: Topology;
}

/** One topology switch of a room, as the dashboard shows it. */
export interface SwitchRecord {
  switchId: string;
  from: Topology;
  to: Topology;
  /** Why the room switched (shared/src/topology.ts). */
  reason: SwitchReason;
  /** Unix ms. */
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  /** Participants that had not reported the switch done when it timed out. */
  unfinished: number;
}

/**
 * Socket.IO event maps shared by server and client. Payloads arriving at the server are
 * untrusted and validated with the zod schemas in schemas.ts before use.
 */
export interface ClientToServerEvents {
  'room:join': (request: JoinRequest, ack: AckCallback<JoinResponse>) => void;
  'room:leave': (request: EmptyRequest, ack: AckCallback<Record<string, never>>) => void;
  'peer:update': (update: PeerUpdate, ack: AckCallback<PeerInfo>) => void;
  /** Relays a signal to one peer of the sender's room. */
  'signal:send': (request: SignalRequest, ack: AckCallback<Empty>) => void;
  /** Enters the room's SFU: router capabilities, a send and a receive transport, producers to consume. */
  'sfu:join': (request: SfuJoinRequest, ack: AckCallback<SfuJoinResponse>) => void;
  'sfu:connect': (request: SfuConnectRequest, ack: AckCallback<Empty>) => void;
  /** ICE restart of one of the sender's transports (its connection went disconnected/failed): the new ICE parameters. */
  'sfu:restart-ice': (request: SfuRestartIceRequest, ack: AckCallback<{ iceParameters: RtpJson }>) => void;
  'sfu:produce': (request: SfuProduceRequest, ack: AckCallback<{ producerId: string }>) => void;
  /** Closes one of the sender's producers (the screen share stopped); its consumers close everywhere. */
  'sfu:close-producer': (request: SfuProducerRequest, ack: AckCallback<Empty>) => void;
  /** Opens the sender's data channel into the SFU (chat). */
  'sfu:produce-data': (request: SfuProduceDataRequest, ack: AckCallback<{ dataProducerId: string }>) => void;
  'sfu:consume-data': (request: SfuConsumeDataRequest, ack: AckCallback<SfuDataConsumerOptions>) => void;
  /**
   * Consumers of several producers, paused until the client is ready to render: one round trip and one
   * renegotiation for all of them. Producers that cannot be consumed (closed meanwhile) are left out.
   */
  'sfu:consume': (request: SfuConsumeRequest, ack: AckCallback<{ consumers: SfuConsumerOptions[] }>) => void;
  /** Resumes consumers (a key frame is requested for each video one); ones closed meanwhile are skipped. */
  'sfu:resume': (request: SfuConsumersRequest, ack: AckCallback<Empty>) => void;
  /** Stops forwarding a consumer (its tile is off screen or the page is hidden); sfu:resume restarts it. */
  'sfu:pause': (request: SfuConsumerRequest, ack: AckCallback<Empty>) => void;
  'sfu:layers': (request: SfuLayersRequest, ack: AckCallback<Empty>) => void;
  /**
   * Back on the mesh with the standby still wanted: this peer's SFU session goes idle (consumers, chat and screen
   * close; transports, camera and microphone stay). The others' media, to consume on the next switch.
   */
  'sfu:idle': (request: Empty, ack: AckCallback<SfuMediaList>) => void;
  /** Leaves the SFU (the room went back to mesh): closes this peer's transports. */
  'sfu:leave': (request: Empty, ack: AckCallback<Empty>) => void;
  /** Fresh ICE servers (TURN credentials expire): the client applies them to every connection it has. */
  'ice:refresh': (request: Empty, ack: AckCallback<{ iceServers: IceServer[]; iceCredentialsExpireAt: number | null }>) => void;
  /** This participant shows every tile on the new path and has closed the old one. */
  'topology:switched': (request: SwitchedRequest, ack: AckCallback<Empty>) => void;
  /** This participant's getStats samples (batched, rate-bounded). */
  'stats:report': (request: StatsReport, ack: AckCallback<Empty>) => void;
  /** Watch a room's stats: one's own room, or any with the operator token. Answers with the history so far. */
  'stats:subscribe': (request: StatsSubscribeRequest, ack: AckCallback<RoomStatsSnapshot>) => void;
  'stats:unsubscribe': (request: { roomId: string }, ack: AckCallback<Empty>) => void;
  /** Everyone in the room sees the reaction over the sender's tile for a few seconds. */
  'room:react': (request: ReactionRequest, ack: AckCallback<Empty>) => void;
  /** Host only (FORBIDDEN otherwise): act on one participant, or on one in the waiting room (admit, deny). */
  'room:moderate': (request: ModerateRequest, ack: AckCallback<Empty>) => void;
  /** Host only: lock the room (newcomers wait for admission) or open it. */
  'room:lock': (request: LockRequest, ack: AckCallback<RoomControls>) => void;
  /** Host only: the meeting ends for everyone. */
  'room:end': (request: Empty, ack: AckCallback<Empty>) => void;
  /** Operators: the rooms there are. */
  'stats:rooms': (request: { operatorToken: string }, ack: AckCallback<{ rooms: StatsRoomSummary[] }>) => void;
}

export interface ServerToClientEvents {
  'room:peer-joined': (peer: PeerInfo) => void;
  'room:peer-left': (event: { peerId: string }) => void;
  'room:peer-updated': (peer: PeerInfo) => void;
  'signal:receive': (event: { from: string; signal: Signal }) => void;
  /** The room starts switching topology; switchId is reported back with topology:switched. */
  'room:topology': (event: { topology: Topology; switchId: string; startedAt: number; reason: SwitchReason }) => void;
  /** Warm standby started (the room is one short of the SFU) or ended: set up, or close, an idle SFU session. */
  'room:standby': (event: { standby: boolean }) => void;
  /** Every participant finished the switch (or it timed out). */
  'room:switch-complete': (event: SwitchRecord) => void;
  /** On the SFU: who is speaking most (mesh rooms detect speaking in each browser). */
  'room:active-speaker': (event: { peerId: string }) => void;
  /** On the SFU: who is audible now, with volume in dBov (-127..0); empty when the room is quiet. */
  'room:audio-levels': (event: { levels: { peerId: string; volume: number }[] }) => void;
  /** The room's host or lock changed. */
  'room:controls': (controls: RoomControls) => void;
  'room:reaction': (event: { peerId: string; emoji: ReactionEmoji }) => void;
  /** To the host: who waits to come in (oldest first), each time that changes and when it becomes host. */
  'room:waiting': (event: { waiting: Knock[] }) => void;
  /** To one in the waiting room: let in (join again with the ticket) or not. */
  'room:admission': (event: { admitted: true; ticket: string } | { admitted: false }) => void;
  /** To a participant: the host muted its microphone or stopped its camera (it may turn them back on). */
  'room:moderated': (event: { action: 'mute' | 'stop-video' }) => void;
  /** To a participant the host removed, or to everyone when the host ended the meeting; the connection closes next. */
  'room:closed': (event: { reason: 'removed' | 'ended' }) => void;
  'sfu:producer-added': (producer: SfuProducerInfo) => void;
  /** Also sent for data producers (producerId is then the data producer's id). */
  'sfu:producer-closed': (event: { producerId: string; peerId: string }) => void;
  'sfu:data-producer-added': (producer: SfuDataProducerInfo) => void;
  /** The room's SFU media was lost (its worker died): join the SFU again. */
  'sfu:reset': () => void;
  /** To dashboard viewers of a room (stats:subscribe). */
  'stats:update': (update: StatsUpdate) => void;
  /** The server is going away (shutdown or restart): keep media up and reconnect; seats are restored. */
  'server:shutdown': (event: { reason: string }) => void;
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
    workers: { pid: number; alive: boolean; restarts: number; routers: number }[];
  };
  turn: { status: ComponentStatus; mode: 'managed' | 'external' | 'off'; urls: string[]; detail: string };
  /** A server of a cluster: its id and the servers announcing themselves (down: Redis unreachable); null for a single server. */
  cluster: { status: ComponentStatus; serverId: string; servers: string[] } | null;
}
